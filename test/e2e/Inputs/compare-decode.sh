#!/usr/bin/env bash
# compare-decode.sh MODEL.json DIR: greedy generation with and without the
# KV cache must produce the same bytes.
# HRM_DECODE_TARGET=cuda compiles the decode artifact with --target cuda
# and generates on the GPU (the full window stays on the CPU).
# With HRM_PREBUILT set it uses DIR/window and DIR/decode as they are (a GPU
# machine without hrmc: scripts/device-run.sh).
set -euo pipefail
model=$1 dir=$2
target=${HRM_DECODE_TARGET:-cpu}
mkdir -p "$dir"
if [ -z "${HRM_PREBUILT:-}" ]; then
  hrmc compile "$model" -o "$dir/window" --batch 1 --seq-len 16
  hrmc compile "$model" -o "$dir/decode" --batch 1 --seq-len 16 --decode \
    --target "$target"
fi
hrm-run init "$dir/window" -o "$dir/params.safetensors" --seed 9 > /dev/null
hrm-run generate "$dir/window" --params "$dir/params.safetensors" \
  --prompt "The li" --max-new-tokens 10 > "$dir/window.txt"
hrm-run generate "$dir/decode" --device "$target" \
  --params "$dir/params.safetensors" \
  --prompt "The li" --max-new-tokens 10 > "$dir/decode.txt"
cmp "$dir/window.txt" "$dir/decode.txt"
