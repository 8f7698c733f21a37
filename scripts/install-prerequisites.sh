#!/usr/bin/env bash
# Installs the system packages PersonalFer needs on Debian/Ubuntu, only when they are missing:
#   libgtk-3-0  OpenCvSharp's native library (libOpenCvSharpExtern.so) links libgtk-3.so.0
#   g++         builds Fer.Model's tiny libstdc++ compat library (see docs/NATIVE.md)
#   chromium, chromium-driver, ffmpeg
#               the browser app's tests: a real browser driven by Selenium, its fake camera fed the test clip
#               that ffmpeg converts to MJPEG (tests/Fer.Web.Tests)
# With --benchmarks, also what the benchmark suite's seed anchor (../shared/anchors/seed_pipeline_bench.py) runs on:
#   python3-torch, python3-opencv, opencv-data   the seed's own stack: Python PyTorch, OpenCV and its Haar cascades
# As root it installs them; with password-less sudo it uses sudo; otherwise it stops with one line saying what to run.
set -euo pipefail

if ! command -v dotnet >/dev/null 2>&1; then
  echo "PersonalFer needs the .NET 10 SDK (dotnet) on PATH: https://dot.net/download" >&2
  exit 1
fi

missing=()
# grep reads the whole list: with -q it would stop at the match, and under pipefail ldconfig's SIGPIPE would count as missing
ldconfig -p 2>/dev/null | grep 'libgtk-3\.so\.0' >/dev/null || missing+=(libgtk-3-0)
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
if [ "${1:-}" = "--benchmarks" ]; then
  /usr/bin/python3 -c 'import torch' >/dev/null 2>&1 || missing+=(python3-torch)
  /usr/bin/python3 -c 'import cv2' >/dev/null 2>&1 || missing+=(python3-opencv)
  [ -f /usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml ] || missing+=(opencv-data)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "PersonalFer needs these system packages (Debian names): ${missing[*]} — install them with your package manager." >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  run=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  run=(sudo)
else
  echo "PersonalFer needs: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "Installing ${missing[*]} ..."
"${run[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${run[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
