#!/usr/bin/env bash
# PersonalFer's one entry point. Installs what the machine lacks, then:
#   ./build.sh demo [input]   run the demo on an image or video (default: the bundled public-domain photo)
#   ./build.sh test           build the solution, run every test, the demo check, then the NuGet consumer check
#   ./build.sh pack           pack the four Fer.* packages into artifacts/packages
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-prerequisites.sh

case "${1:-}" in
  demo)
    shift
    dotnet run --project samples/Fer.Demo -c Release -- "$@"
    ;;
  test)
    dotnet build PersonalFer.sln -c Release
    dotnet test PersonalFer.sln -c Release --no-build
    scripts/demo-check.sh
    scripts/consumer-check.sh
    ;;
  pack)
    dotnet pack PersonalFer.sln -c Release -o artifacts/packages
    ;;
  *)
    echo "usage: ./build.sh demo [image|video] [--camera N] [--out dir] | test | pack" >&2
    exit 2
    ;;
esac
