#!/bin/sh
# usage: check-cuda.sh MODEL.json DIR
# Compiles MODEL with --target cuda and --train, runs its logits and
# loss_grad entry points on the GPU (hrm-run --device cuda) and compares
# logits and every parameter gradient with the float64 oracle.
# With HRM_PREBUILT set it skips the compile and uses DIR/art as it is (a
# GPU machine without hrmc: scripts/device-run.sh); HRM_PYTHON names the
# interpreter that has PyTorch (default /usr/bin/python3).
# HRM_MATMUL_PRECISION=bf16|tf32 compiles the matmuls for the tensor cores
# and checks with test/e2e/matmul-precision.test's tolerances. HRM_CHIPS
# (hrmc compile --chips), HRM_BATCH (default 2) and HRM_SEQ_LEN (default 8)
# change the build: HRM_CHIPS=sm_90a with bf16 and a batch of 8 (64
# tokens, wgmma's M) puts the matmuls on wgmma; bf16 puts the fused
# attention on the tensor cores too (hrm-attention-to-mma-sync), at 8
# positions in a half-masked tile of 16 keys, at 16 in a whole one.
set -e
model=$1 dir=$2
here=$(dirname "$0")
oracle=$here/../../oracle
e2e=$here/../../e2e/Inputs
mkdir -p "$dir"
python=${HRM_PYTHON:-/usr/bin/python3}
precision=${HRM_MATMUL_PRECISION:-f32}
case $precision in
  f32) tol= ; gtol= ;;
  bf16) tol="--tol 1e-2" gtol="--tol 3e-2" ;;
  tf32) tol="--tol 5e-3" gtol="--tol 1e-2" ;;
  *) echo "check-cuda.sh: HRM_MATMUL_PRECISION must be f32, bf16 or tf32" >&2; exit 2 ;;
esac
if [ -z "${HRM_PREBUILT:-}" ]; then
  hrmc compile "$model" -o "$dir/art" --batch "${HRM_BATCH:-2}" --seq-len "${HRM_SEQ_LEN:-8}" \
    --train --target cuda ${HRM_CHIPS:+--chips "$HRM_CHIPS"} \
    --matmul-precision "$precision" --opt-level 1
fi
hrm-run init "$dir/art" -o "$dir/params.safetensors" --seed 11 > /dev/null
hrm-run eval "$dir/art" --device cuda --params "$dir/params.safetensors" \
  --text "$e2e/grad-text.txt" --batches 1 --dump "$dir/dump" > /dev/null
"$python" "$oracle/check.py" "$model" "$dir/params.safetensors" "$dir/dump" $tol
"$python" "$oracle/check_grads.py" "$model" "$dir/params.safetensors" "$dir/dump" $gtol
