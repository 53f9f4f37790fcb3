#!/bin/sh
# usage: check-grads.sh MODEL.json GRAD MEMORY DIR [UNROLL]
# Compiles MODEL with its schedule's grad and memory (and unroll, if given)
# replaced, computes one batch's parameter gradients with the loss_grad
# entry, and compares them with the float64 oracle's
# (test/oracle/check_grads.py).
set -e
model=$1 grad=$2 memory=$3 dir=$4 unroll=${5:-}
here=$(dirname "$0")
mkdir -p "$dir"
/usr/bin/python3 - "$model" "$grad" "$memory" "$dir/model.json" "$unroll" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
if config["architecture"] != "transformer":  # no loop, no schedule
    schedule = config.setdefault("schedule", {})
    schedule["grad"], schedule["memory"] = sys.argv[2], sys.argv[3]
    if sys.argv[5]:
        schedule["unroll"] = sys.argv[5]
json.dump(config, open(sys.argv[4], "w"))
PY
# -O0: a training graph compiles several times faster, and the numbers are
# the same up to rounding.
hrmc compile "$dir/model.json" -o "$dir/art" --batch 2 --seq-len 8 --train --opt-level 0
hrm-run init "$dir/art" -o "$dir/params.safetensors" --seed 11 > /dev/null
hrm-run eval "$dir/art" --params "$dir/params.safetensors" \
  --text "$here/grad-text.txt" --batches 1 --dump "$dir/dump" > /dev/null
/usr/bin/python3 "$here/../../oracle/check_grads.py" "$dir/model.json" \
  "$dir/params.safetensors" "$dir/dump"
