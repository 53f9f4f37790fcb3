#!/usr/bin/env bash
# The main job: compile the HRM-LM example description and show the IR after each stage.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${HRMC_BUILD_DIR:-$root/build}
model=${1:-$root/examples/hrm_lm.json}
"$root/scripts/build.sh" >/dev/null
bin=$build/bin
echo "=== 1. import: $model -> hrm IR"
"$bin/hrmc" import "$model" -o "$build/main.mlir"
cat "$build/main.mlir"
echo "=== 2. verify + round trip through hrm-opt"
"$bin/hrm-opt" "$build/main.mlir" -o "$build/main.rt.mlir"
"$bin/hrm-opt" "$build/main.rt.mlir" | diff -q - "$build/main.rt.mlir" >/dev/null && echo "round trip: identical"
echo "=== 3. hrm-unroll (force=full), entry point only"
"$bin/hrm-opt" "$build/main.mlir" --hrm-unroll=force=full | sed -n '/func.func @logits/,/^    }/p'
echo "=== 4. statistics"
"$bin/hrmc" stats "$model"
echo "(Lowering to CPU/GPU code and running the model are not built yet: see docs/status.md.)"
