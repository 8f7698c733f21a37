#!/usr/bin/env bash
# Runs the README's main job the way a user does and checks what it writes: the bundled photo (one face, an
# annotated PNG, JSON and CSV) and, where ../shared is present, 30 frames of the real test clip (annotated MP4, and
# the same predictions with --batch),
# then Fer.Personalize's enrolment flow on that clip: capture per expression, enroll, classify live with the profile;
# and, with FER2013 there, the shipped model through PyTorch's state_dict format and back.
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
  # --batch classifies several frames at once on every core: the same predictions, in the same order.
  "${demo[@]}" "$clip" --out "$out/batch" --max-frames 30 --detection-side 320 --batch > /dev/null
  cmp "$out/short_hamilton_clip.predictions.csv" "$out/batch/short_hamilton_clip.predictions.csv"

  personalize=(dotnet run --project samples/Fer.Personalize -c Release --no-build --)
  "${personalize[@]}" capture --video "$clip" --out "$out/faces" --per-expression 2 --gap 0.2 > "$out/capture.txt"
  test "$(find "$out/faces" -name '*.png' | wc -l)" -eq 14
  "${personalize[@]}" enroll --folder "$out/faces" --out "$out/me.ferprofile" --name me > "$out/enroll.txt"
  grep -q "Profile 'me': 14 faces" "$out/enroll.txt"
  # live prints every 15th frame: the profile's prediction next to the general model's.
  "${personalize[@]}" live --video "$clip" --profile "$out/me.ferprofile" --max-frames 30 > "$out/live.txt"
  test "$(grep -c '^frame ' "$out/live.txt")" -eq 2
  grep -q "me: .*(general: " "$out/live.txt"
else
  echo "demo check: $clip is absent, video skipped"
fi

fer2013=../shared/data/fer2013/fer2013.csv.gz
if [ -f "$fer2013" ]; then
  # The shipped model out to PyTorch's format and back in must keep the model card's PrivateTest accuracy.
  train=(dotnet run --project samples/Fer.Train -c Release --no-build --)
  "${train[@]}" export-pytorch --model default --to "$out/vggbn.pt" > /dev/null
  "${train[@]}" import-pytorch --state-dict "$out/vggbn.pt" --arch VggBn --to "$out/imported.fermodel" > /dev/null
  "${train[@]}" evaluate --model "$out/imported.fermodel" --data "$fer2013" --split PrivateTest --precision Float32 --json "$out/imported.json" > /dev/null
  grep -q '"accuracy": 0.70214' "$out/imported.json"  # 2,520 of 3,589
else
  echo "demo check: $fer2013 is absent, PyTorch round trip skipped"
fi
echo "demo check passed: $out"
