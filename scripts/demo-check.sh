#!/usr/bin/env bash
# Runs the README's main job the way a user does and checks what it writes: the bundled photo (one face, an
# annotated PNG, JSON and CSV) and, where ../shared is present, 30 frames of the real test clip (annotated MP4).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
demo=(dotnet run --project samples/Fer.Demo -c Release --no-build --)

"${demo[@]}" --out "$out"
test -s "$out/astronaut.annotated.png"
test "$(grep -c '"track"' "$out/astronaut.predictions.json")" -eq 1
test "$(wc -l < "$out/astronaut.predictions.csv")" -eq 2

clip=../shared/media/short_hamilton_clip.mp4
if [ -f "$clip" ]; then
  "${demo[@]}" "$clip" --out "$out" --max-frames 30 --detection-side 320 2> "$out/stderr.txt"
  test -s "$out/short_hamilton_clip.annotated.mp4"
  # libtorch's per-batch "Could not initialize NNPACK!" warnings must stay switched off (TorchRuntime).
  if grep -q NNPACK "$out/stderr.txt"; then echo "demo check: NNPACK warnings on stderr" >&2; exit 1; fi
  test "$(grep -c '"frame"' "$out/short_hamilton_clip.predictions.json")" -eq 30
else
  echo "demo check: $clip is absent, video skipped"
fi
echo "demo check passed: $out"
