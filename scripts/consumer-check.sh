#!/usr/bin/env bash
# Proves what a NuGet consumer experiences: packs the four Fer.* packages into a local folder, creates a
# throw-away console app outside the solution that takes Fer.* from that folder only (everything else from
# the usual NuGet source), and runs it: with no configuration, the shipped model finds the smiling face in a
# real photo Happy, with no manual native fix and a fresh native cache.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/personalfer-consumer.XXXXXX)"
trap 'rm -rf "$work"' EXIT

echo "consumer check: packing Fer.* into $work/feed"
dotnet pack "$repo/PersonalFer.sln" -c Release -o "$work/feed" -v quiet -nologo
for id in Fer.Data Fer.Detection Fer.Model Fer.Pipeline; do
  ls "$work/feed/$id".*.nupkg >/dev/null
done

# Packages of this version from an earlier run must not be taken from the global cache.
global="$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')"
rm -rf "$global"/fer.data "$global"/fer.detection "$global"/fer.model "$global"/fer.pipeline

version="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$repo/Directory.Build.props" | head -1)"
app="$work/app"
mkdir -p "$app"
cp "$repo/samples/Fer.Demo/media/astronaut.png" "$app/"
cat > "$app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
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
(cd "$app" && dotnet build -c Release -v quiet -nologo)
grep -q '"Fer.Model/' "$app/obj/project.assets.json"
output="$(cd "$app" && PERSONALFER_NATIVE_CACHE="$work/native-cache" dotnet bin/Release/net10.0/ConsumerApp.dll 2>&1)" || {
  echo "$output" >&2
  echo "consumer check: FAILED" >&2
  exit 1
}
echo "$output" | grep -v NNPACK
echo "consumer check: passed"
