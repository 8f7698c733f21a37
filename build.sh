#!/usr/bin/env bash
# PersonalFer's one entry point. Installs what the machine lacks, then:
#   ./build.sh demo [image]   run the demo (default: the bundled public-domain photo)
#   ./build.sh test           build the solution, run every test, then the NuGet consumer check
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
    scripts/consumer-check.sh
    ;;
  pack)
    dotnet pack PersonalFer.sln -c Release -o artifacts/packages
    ;;
  *)
    echo "usage: ./build.sh demo [image] | test | pack" >&2
    exit 2
    ;;
esac
