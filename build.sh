#!/usr/bin/env bash
# PersonalFer's one entry point. Installs what the machine lacks, then:
#   ./build.sh demo [input]   run the demo on an image or video (default: the bundled public-domain photo)
#   ./build.sh web            run the browser app (samples/Fer.Web) on http://127.0.0.1:5080
#   ./build.sh web-check      build and run the browser app's tests alone (real chromium, fake camera, SQLite)
#   ./build.sh test           build the solution, run every test, the demo check, then the NuGet consumer check
#   ./build.sh benchmarks     every speed target beside the seed anchor, in one run (docs/BENCHMARKS.md)
#   ./build.sh pack           pack the four Fer.* packages into artifacts/packages
set -euo pipefail
cd "$(dirname "$0")"

if [ "${1:-}" = "benchmarks" ]; then scripts/install-prerequisites.sh --benchmarks; else scripts/install-prerequisites.sh; fi

case "${1:-}" in
  demo)
    shift
    dotnet run --project samples/Fer.Demo -c Release -- "$@"
    ;;
  web)
    shift
    dotnet run --project samples/Fer.Web -c Release -- "$@"
    ;;
  web-check)
    dotnet build tests/Fer.Web.Tests -c Release
    dotnet test tests/Fer.Web.Tests -c Release --no-build
    ;;
  test)
    # The solution's test run includes tests/Fer.Web.Tests (the web check) once.
    dotnet build PersonalFer.sln -c Release
    dotnet test PersonalFer.sln -c Release --no-build
    scripts/demo-check.sh
    scripts/consumer-check.sh
    ;;
  benchmarks)
    dotnet run -c Release --project benchmarks/Fer.Benchmarks -- targets
    ;;
  pack)
    dotnet pack PersonalFer.sln -c Release -o artifacts/packages
    ;;
  *)
    echo "usage: ./build.sh demo [image|video] [--camera N] [--out dir] | web [--urls http://127.0.0.1:5080] | web-check | test | benchmarks | pack" >&2
    exit 2
    ;;
esac
