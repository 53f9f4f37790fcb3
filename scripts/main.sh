#!/usr/bin/env bash
# The main job: compile the HRM-LM example for the CPU, initialise it, evaluate
# it on real text and generate a sample, showing the IR stages on the way.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${HRMC_BUILD_DIR:-$root/build}
model=${1:-$root/examples/hrm_lm.json}
text=${HRMC_TEXT:-/usr/share/common-licenses/GPL-3}
"$root/scripts/build.sh" >/dev/null
bin=$build/bin
work=$build/main
mkdir -p "$work"

echo "=== 1. import: $model -> hrm IR (entry point)"
"$bin/hrmc" import "$model" -o "$work/model.mlir"
sed -n '/func.func @logits/,/^    }/p' "$work/model.mlir"
echo "=== 2. statistics"
"$bin/hrmc" stats "$model"
echo "=== 3. lowered to linalg (first lines of the entry point; full: $work/linalg.mlir)"
"$bin/hrm-opt" "$work/model.mlir" --hrm-to-linalg="batch=4 seq-len=64" -o "$work/linalg.mlir"
sed -n '/func.func @logits/,$p' "$work/linalg.mlir" | head -20
echo "=== 4. compile for this CPU (pipeline below) -> $work/artifact"
"$bin/hrmc" compile "$model" --batch 4 --seq-len 64 --print-pipeline
"$bin/hrmc" compile "$model" -o "$work/artifact" --batch 4 --seq-len 64
"$bin/hrmc" compile "$model" -o "$work/artifact-gen" --batch 1 --seq-len 128 --decode
ls -l "$work/artifact"
echo "=== 5. initialise parameters"
"$bin/hrm-run" init "$work/artifact" -o "$work/params.safetensors" --seed 0
echo "=== 6. evaluate on $text (byte tokens)"
"$bin/hrm-run" eval "$work/artifact" --params "$work/params.safetensors" --text "$text" --batches 4
echo "=== 7. generate through the KV cache (untrained parameters: expect noise)"
"$bin/hrm-run" generate "$work/artifact-gen" --params "$work/params.safetensors" \
  --prompt "The GNU General Public License" --max-new-tokens 48 --temperature 0.8 --top-k 40 --seed 1
echo "(Training is issue 4 and the GPU issue 5: see docs/status.md.)"
