#!/usr/bin/env bash
# Proves what a NuGet consumer experiences: packs the four Fer.* packages into a local folder and, in throw-away
# console apps outside the solution that take Fer.* from that folder only (everything else from the usual NuGet
# source), checks that
#   1. the README's C# code runs as pasted: every ```csharp block of README.md and src/PACKAGE.md (the package's
#      readme) is compiled verbatim and run, in an app that references exactly the packages the README adds (its
#      first `dotnet add package` block, which PACKAGE.md must repeat, plus any a section adds for its own example),
#      without a warning, with fresh caches;
#   2. an app that forgets the native runtime packages is warned at build time (PFER001, PFER002; not when
#      PersonalFerCheckNativeRuntimes=false) and told at run time which package to add;
#   3. each package carries what nuget.org shows (readme, icon, licence, release notes, NOTICE.md) and deterministic
#      symbols with SourceLink.
#
# The convention the README follows, so that its code stays true: EVERY ```csharp BLOCK IS A COMPLETE PROGRAM of
# top-level statements with its own usings (no block continues another), for a new `dotnet new console` project
# (implicit usings, nullable), run in a folder that holds photo.jpg (the bundled astronaut photo: one smiling face)
# and me/<expression>/*.jpg (labelled photos of one person). A block must exit with 0; all blocks together must
# report the photo's face Happy. Other languages' blocks (bash, xml) are not run.
#
# It touches nothing of the user's: the apps restore into their own packages folder under the temporary folder and
# read the user's global packages only as a read-only fallback (so TorchSharp and libtorch are not downloaded
# again), through a view that leaves out any Fer.* from earlier builds.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/personalfer-consumer.XXXXXX)"
trap 'rm -rf "$work"' EXIT
fer_ids=(Fer.Data Fer.Detection Fer.Model Fer.Pipeline)
fail() { echo "consumer check: FAILED: $*" >&2; exit 1; }

echo "consumer check: packing Fer.* into $work/feed"
dotnet pack "$repo/PersonalFer.sln" -c Release -o "$work/feed" -v quiet -nologo
version="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$repo/Directory.Build.props" | head -1)"
for id in "${fer_ids[@]}"; do
  [ -f "$work/feed/$id.$version.nupkg" ] && [ -f "$work/feed/$id.$version.snupkg" ] || fail "$id $version was not packed with its symbols"
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

# The packages a reader is told to add: "id version" per line of the first fenced block that has `dotnet add package`.
packages_of() {
  awk '/^```/ { if (open) { if (found) exit; open = 0 } else open = 1; next }
       open && $1 == "dotnet" && $2 == "add" && $3 == "package" { found = 1; print $4, ($5 == "--version" ? $6 : "") }' "$1"
}
# Packages a section adds for its own example (`dotnet add package` lines in later blocks) join the app too.
all_packages_of() {
  awk '/^```/ { open = !open; next } open && $1 == "dotnet" && $2 == "add" && $3 == "package" { print $4, ($5 == "--version" ? $6 : "") }' "$1" | sort -u
}
readme_packages="$(packages_of "$repo/README.md")"
[ -n "$readme_packages" ] || fail "README.md has no block of \`dotnet add package\` lines"
[ "$(packages_of "$repo/src/PACKAGE.md")" = "$readme_packages" ] || fail "src/PACKAGE.md does not list the packages README.md lists"
grep -qx "Fer.Pipeline $version" <<<"$readme_packages" || fail "README.md does not list Fer.Pipeline $version (the version packed)"
references=""
while read -r id package_version; do
  [ -n "$package_version" ] || fail "README.md adds $id without --version"
  references+="    <PackageReference Include=\"$id\" Version=\"$package_version\" />"$'\n'
done <<<"$(all_packages_of "$repo/README.md")"

# A console app per case, all restored from the local feed and the fallback view only.
new_app() { # folder, package references, extra project content
  mkdir -p "$1"
  cat > "$1/nuget.config" <<XML
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
  cat > "$1/ConsumerApp.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
  </PropertyGroup>
$3
  <ItemGroup>
$2  </ItemGroup>
</Project>
XML
  # --packages wins over NUGET_PACKAGES and every config (the nuget.config covers a plain dotnet build); the HTTP
  # cache of anything downloaded stays here too.
  (cd "$1" && NUGET_HTTP_CACHE_PATH="$work/http-cache" dotnet restore --packages "$work/packages" -v quiet -nologo)
}

# 1. The README's code. The app compiles one program at a time (programs/$(Program).cs): one restore, and the
#    native libraries are copied into bin/ once, whatever the number of blocks.
app="$work/app"
mkdir -p "$app/programs"
n=0
for doc in README.md src/PACKAGE.md; do
  awk -v dir="$app/programs" -v prefix="$(basename "$doc" .md)" '
    /^```csharp[ \t]*$/ { n++; file = sprintf("%s/%s-%d.cs", dir, prefix, n); open = 1; printf "" > file; next }
    open && /^```/ { open = 0; close(file); next }
    open { print > file }' "$repo/$doc"
done
programs=()
declare -A seen=()
for file in "$app"/programs/*.cs; do
  sum="$(md5sum < "$file")"
  if [ -n "${seen[$sum]:-}" ]; then rm "$file"; continue; fi # PACKAGE.md repeats a README block
  seen[$sum]=1
  programs+=("$(basename "$file" .cs)")
done
[ ${#programs[@]} -gt 0 ] || fail "README.md has no csharp block"
cat > "$app/programs/inspect-packages.cs" <<'CS'
using System.IO.Compression;
using System.Reflection.Metadata;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

// What nuget.org shows and a debugger finds in each packed Fer.* package. Arguments: the feed folder, the version.
string[] ids = ["Fer.Data", "Fer.Detection", "Fer.Model", "Fer.Pipeline"];
var sourceLinkKind = new Guid("CC110556-A091-4D38-9FEC-25AB9A351A6A");
var problems = new List<string>();
foreach (var id in ids)
{
    void Require(bool ok, string problem)
    {
        if (!ok)
        {
            problems.Add($"{id}: {problem}");
        }
    }

    using var package = ZipFile.OpenRead(Path.Combine(args[0], $"{id}.{args[1]}.nupkg"));
    var entries = package.Entries.Select(e => e.FullName).ToHashSet();
    using var nuspecStream = package.GetEntry($"{id}.nuspec")!.Open();
    var root = XDocument.Load(nuspecStream).Root!;
    var metadata = root.Element(root.Name.Namespace + "metadata")!;
    XElement? Field(string name) => metadata.Element(root.Name.Namespace + name);
    var (licenseType, license) = id switch
    {
        "Fer.Model" => ("file", "LICENSE.txt"),
        "Fer.Detection" => ("expression", "MIT AND BSD-3-Clause"),
        _ => ("expression", "MIT"),
    };
    string[] files = id switch
    {
        "Fer.Model" => ["LICENSE.txt", "buildTransitive/Fer.Model.targets", "runtimes/linux-x64/native/libpersonalfer_glibcxx_compat.so"],
        "Fer.Detection" => ["buildTransitive/Fer.Detection.targets", "Models/face_detection_yunet_2023mar.LICENSE", "Models/haarcascade_frontalface_default.LICENSE"],
        _ => [],
    };
    Require(Field("readme")?.Value == "PACKAGE.md", "the readme is not PACKAGE.md");
    Require(Field("icon")?.Value == "icon.png", "the icon is not icon.png");
    Require(!string.IsNullOrWhiteSpace(Field("releaseNotes")?.Value), "no release notes");
    Require(Field("license")?.Attribute("type")?.Value == licenseType && Field("license")?.Value == license, $"the licence is {Field("license")}, not the {licenseType} {license}");
    Require(Field("repository")?.Attribute("commit")?.Value.Length == 40, "no repository commit");
    foreach (var file in (string[])["PACKAGE.md", "icon.png", "NOTICE.md", .. files])
    {
        Require(entries.Contains(file), $"{file} is not in the package");
    }

    using var symbols = ZipFile.OpenRead(Path.Combine(args[0], $"{id}.{args[1]}.snupkg"));
    using var pdbBytes = new MemoryStream();
    using (var pdbEntry = symbols.GetEntry($"lib/net10.0/{id}.pdb")!.Open())
    {
        pdbEntry.CopyTo(pdbBytes);
    }

    pdbBytes.Position = 0;
    using var pdbProvider = MetadataReaderProvider.FromPortablePdbStream(pdbBytes);
    var pdb = pdbProvider.GetMetadataReader();
    var sourceLink = pdb.CustomDebugInformation.Select(pdb.GetCustomDebugInformation)
        .Where(c => pdb.GetGuid(c.Kind) == sourceLinkKind)
        .Select(c => Encoding.UTF8.GetString(pdb.GetBlobBytes(c.Value)))
        .FirstOrDefault() ?? "";
    Require(Regex.IsMatch(sourceLink, @"""/_/\*"":\s*""https://raw\.githubusercontent\.com/personalfer/personalfer/[0-9a-f]{40}/\*"""), $"source link '{sourceLink}'");
    var documents = pdb.Documents.Select(d => pdb.GetString(pdb.GetDocument(d).Name)).ToList();
    var local = documents.Where(d => !d.StartsWith("/_/", StringComparison.Ordinal)).ToList();
    Require(documents.Count > 0 && local.Count == 0, $"source paths are not deterministic: {string.Join(", ", local.Take(3))}");
    Console.WriteLine($"{id}: readme, icon, NOTICE.md, release notes, licence {license}; {documents.Count} sources under /_/, linked to GitHub");
}

problems.ForEach(Console.Error.WriteLine);
return problems.Count == 0 ? 0 : 1;
CS
new_app "$app" "$references" \
  '  <ItemGroup>
    <!-- One program per build: the README blocks are each a complete top-level program. -->
    <Compile Remove="programs/**" />
    <Compile Include="programs/$(Program).cs" />
  </ItemGroup>'
assets="$app/obj/project.assets.json"
grep -q '"Fer.Model/' "$assets" || fail "the app did not resolve Fer.Model"

# Restore used only the check's own folders, and each Fer.* in it is the freshly packed one, byte for byte.
if [ -n "$global" ] && grep -qF "\"$global/" "$assets"; then
  fail "the restore used the global packages folder $global directly"
fi
for id in "${fer_ids[@]}"; do
  folder="$work/packages/${id,,}/$version"
  cmp -s "$work/feed/$id.$version.nupkg" "$folder/${id,,}.$version.nupkg" || fail "$id $version in $folder is not the package just packed"
done

build() { # folder, extra arguments; prints the build's output
  local folder="$1"
  shift
  (cd "$folder" && dotnet build --no-restore -c Release -nologo -v minimal -clp:NoSummary "$@" 2>&1)
}
run() { # program name, arguments
  build "$app" -warnaserror -p:Program="$1" >"$work/build.log" || { cat "$work/build.log" >&2; fail "$1 did not build without warnings"; }
  local name="$1"
  shift
  (cd "$app" && PERSONALFER_CACHE="$work/cache" dotnet bin/Release/net10.0/ConsumerApp.dll "$@" 2>&1) >"$work/$name.out" \
    || { cat "$work/$name.out" >&2; fail "$name exited with an error"; }
}

cp "$repo/samples/Fer.Demo/media/astronaut.png" "$app/photo.jpg" # OpenCV reads images by content, not by name
for expression in happy neutral; do
  mkdir -p "$app/me/$expression"
  for i in 1 2 3; do cp "$repo/samples/Fer.Demo/media/astronaut.png" "$app/me/$expression/$i.jpg"; done
done
happy=""
for program in "${programs[@]}"; do
  echo "consumer check: running $program (a csharp block of ${program%-*}.md, verbatim)"
  start=$SECONDS
  run "$program"
  sed 's/^/    /' "$work/$program.out"
  echo "    ($((SECONDS - start)) s with its build)"
  grep -q ': Happy ' "$work/$program.out" && happy=yes
done
[ -n "$happy" ] || fail "no README block reported the photo's smiling face Happy"

run inspect-packages "$work/feed" "$version"
sed 's/^/    /' "$work/inspect-packages.out"

# 2. An app with Fer.Pipeline alone: warned at build time, told at run time.
bare="$work/bare"
new_app "$bare" "    <PackageReference Include=\"Fer.Pipeline\" Version=\"$version\" />"$'\n' ""
cat > "$bare/Program.cs" <<'CS'
using PersonalFer.Data;
using PersonalFer.Detection;
using PersonalFer.Model;

try
{
    using var detector = new YuNetFaceDetector();
    Console.WriteLine("detector: loaded");
}
catch (OpenCvRuntimeException e)
{
    Console.WriteLine($"detector: {e.Message}");
}

try
{
    using var model = ExpressionModel.LoadDefault();
    Console.WriteLine("model: loaded");
}
catch (TorchRuntimeException e)
{
    Console.WriteLine($"model: {e.Message}");
}
CS
warnings="$(build "$bare")" || { echo "$warnings" >&2; fail "the app without native runtimes did not build"; }
for code in PFER001 PFER002; do
  grep -q "warning $code: " <<<"$warnings" || { echo "$warnings" >&2; fail "an app without native runtimes got no $code warning"; }
done
grep -m1 -o 'warning PFER001: [^[]*' <<<"$warnings" | sed 's/^/    /'
output="$(cd "$bare" && PERSONALFER_CACHE="$work/bare-cache" dotnet bin/Release/net10.0/ConsumerApp.dll 2>&1)" || { echo "$output" >&2; fail "the app without runtimes crashed"; }
echo "$output" | sed 's/^/    /'
grep -q '^detector: .*`dotnet add package OpenCvSharp4.official.runtime.linux-x64`' <<<"$output" || fail "the missing OpenCV runtime was not named"
grep -q '^model: .*`dotnet add package TorchSharp-cpu`' <<<"$output" || fail "the missing libtorch runtime was not named"
if build "$bare" -p:PersonalFerCheckNativeRuntimes=false | grep 'PFER00' >/dev/null; then
  fail "PersonalFerCheckNativeRuntimes=false did not turn the warnings off"
fi
echo "consumer check: passed"
