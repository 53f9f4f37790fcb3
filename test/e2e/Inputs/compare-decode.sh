#!/usr/bin/env bash
# compare-decode.sh MODEL.json DIR: greedy generation with and without the
# KV cache must produce the same bytes.
set -euo pipefail
model=$1 dir=$2
mkdir -p "$dir"
hrmc compile "$model" -o "$dir/window" --batch 1 --seq-len 16
hrmc compile "$model" -o "$dir/decode" --batch 1 --seq-len 16 --decode
hrm-run init "$dir/window" -o "$dir/params.safetensors" --seed 9 > /dev/null
hrm-run generate "$dir/window" --params "$dir/params.safetensors" \
  --prompt "The li" --max-new-tokens 10 > "$dir/window.txt"
hrm-run generate "$dir/decode" --params "$dir/params.safetensors" \
  --prompt "The li" --max-new-tokens 10 > "$dir/decode.txt"
cmp "$dir/window.txt" "$dir/decode.txt"
