#!/usr/bin/env bash
# Proves what a NuGet consumer experiences: packs the four Fer.* packages into a local folder, creates a
# throw-away console app outside the solution that takes Fer.* from that folder only (everything else from
# the usual NuGet source), and runs it: with no configuration, the shipped model finds the smiling face in a
# real photo Happy, with no manual native fix and fresh caches.
# It touches nothing of the user's: the app restores into its own packages folder under the temporary folder and
# reads the user's global packages only as a read-only fallback (so TorchSharp and libtorch are not downloaded
# again), through a view that leaves out any Fer.* from earlier builds.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/personalfer-consumer.XXXXXX)"
trap 'rm -rf "$work"' EXIT
fer_ids=(Fer.Data Fer.Detection Fer.Model Fer.Pipeline)

echo "consumer check: packing Fer.* into $work/feed"
dotnet pack "$repo/PersonalFer.sln" -c Release -o "$work/feed" -v quiet -nologo
for id in "${fer_ids[@]}"; do
  ls "$work/feed/$id".*.nupkg >/dev/null
done

# The user's global packages, seen through symbolic links to every package but Fer.*: NuGet takes a package from a
# fallback folder before any source, so a Fer.* of the same version from an earlier build must not be visible there.
global="$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')"
global="${global%/}"
fallback="$work/fallback"
mkdir -p "$fallback"
if [ -d "$global" ]; then
  fer_folders=" ${fer_ids[*],,} "
  for package in "$global"/*/; do
    id="$(basename "$package")"
    [[ "$fer_folders" == *" $id "* ]] || ln -s "${package%/}" "$fallback/$id"
  done
fi

version="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$repo/Directory.Build.props" | head -1)"
app="$work/app"
mkdir -p "$app"
cp "$repo/samples/Fer.Demo/media/astronaut.png" "$app/"
cat > "$app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <config>
    <add key="globalPackagesFolder" value="$work/packages" />
  </config>
  <fallbackPackageFolders>
    <clear />
    <add key="user-packages-without-fer" value="$fallback" />
  </fallbackPackageFolders>
  <packageSources>
    <add key="local-fer" value="$work/feed" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="local-fer"><package pattern="Fer.*" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
XML
cat > "$app/ConsumerApp.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Fer.Pipeline" Version="$version" />
    <PackageReference Include="TorchSharp-cpu" Version="0.107.0" />
    <PackageReference Include="Microsoft.Extensions.DependencyInjection" Version="11.0.0" />
    <PackageReference Include="OpenCvSharp4.official.runtime.linux-x64" Version="4.13.0.20260627" />
  </ItemGroup>
</Project>
XML
cat > "$app/Program.cs" <<'CS'
using Microsoft.Extensions.DependencyInjection;
using OpenCvSharp;
using PersonalFer;
using PersonalFer.Data;
using PersonalFer.Model;

// No configuration: the embedded YuNet detector and the general model shipped inside Fer.Model.
using var provider = new ServiceCollection().AddPersonalFer().BuildServiceProvider();
var pipeline = provider.GetRequiredService<ExpressionPipeline>();
using var frame = Cv2.ImRead("astronaut.png");
var faces = pipeline.Classify(frame);
foreach (var face in faces)
{
    Console.WriteLine($"face at {face.Box}: {face.Expression} {face.Confidence:F3}");
}

var model = provider.GetRequiredService<ExpressionModel>();
Console.WriteLine($"model: {model.Architecture}, replay faces {model.GeneralReplay?.Count ?? 0}; torch: {TorchRuntime.Description}");
return faces.Count == 1 && faces[0].Probabilities.Count == Expressions.Count && faces[0].Expression == Expression.Happy ? 0 : 1;
CS

echo "consumer check: restoring and running a console app that references Fer.Pipeline $version from the local feed"
# --packages wins over NUGET_PACKAGES and every config (the nuget.config above covers a plain dotnet build);
# the HTTP cache of anything downloaded stays here too.
(cd "$app" && NUGET_HTTP_CACHE_PATH="$work/http-cache" dotnet restore --packages "$work/packages" -v quiet -nologo)
(cd "$app" && dotnet build --no-restore -c Release -v quiet -nologo)
assets="$app/obj/project.assets.json"
grep -q '"Fer.Model/' "$assets"

# Restore used only the check's own folders, and each Fer.* in it is the freshly packed one, byte for byte.
if [ -n "$global" ] && grep -qF "\"$global/" "$assets"; then
  echo "consumer check: FAILED: the restore used the global packages folder $global directly" >&2
  exit 1
fi
for id in "${fer_ids[@]}"; do
  folder="$work/packages/${id,,}/$version"
  if ! cmp -s "$work/feed/$id.$version.nupkg" "$folder/${id,,}.$version.nupkg"; then
    echo "consumer check: FAILED: $id $version in $folder is not the package just packed" >&2
    exit 1
  fi
done

output="$(cd "$app" && PERSONALFER_CACHE="$work/cache" dotnet bin/Release/net10.0/ConsumerApp.dll 2>&1)" || {
  echo "$output" >&2
  echo "consumer check: FAILED" >&2
  exit 1
}
echo "$output" | grep -v NNPACK
echo "consumer check: passed"
