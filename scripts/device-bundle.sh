#!/usr/bin/env bash
# Prepares, on a machine with LLVM 22, what a lent GPU machine (CUDA and
# PyTorch, but no LLVM 22) needs to run the GPU checks, a training run and
# the GPU benchmark: scripts/device-run.sh there.
#   scripts/device-bundle.sh [BUNDLE]    (default: .device, git-ignored)
# BUNDLE/bin, lib: hrm-run, HrmRuntimeTests and libhrmrt_cuda.so, linked
#   against static LLVMSupport (HRM_PORTABLE_RUNTIME) in build-device/;
#   libomp.so.5, which the artifacts' CPU libraries load.
# BUNDLE/oracle/<model>/art: test/gpu/oracle.test's artifacts (--train).
# BUNDLE/decode/<model>: its KV-cached generation check's artifacts.
# BUNDLE/train: HRM-LM's training graph for CUDA and a text to train on.
# BUNDLE/bench/<model>: bench/gpu_forward.py --prepare; BUNDLE/bench-long:
# the same at 1024 positions in bf16.
# Kernels for sm_90 alone (H100, H200): half the bytes that travel; the
# wgmma builds for sm_90a. Without the artifacts' ptx/ copies (the PTX is
# in each model.cuda.so); more than 64 MiB (what the device tool carries)
# is an error.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bundle=${1:-$root/.device}
build=${HRMC_BUILD_DIR:-$root/build}
portable=$root/build-device
"$root/scripts/build.sh" >/dev/null
HRMC_BUILD_DIR=$portable HRMC_CMAKE_ARGS=-DHRM_PORTABLE_RUNTIME=ON \
  "$root/scripts/build.sh" hrm-run hrmrt_cuda HrmRuntimeTests >/dev/null
rm -rf "$bundle"
mkdir -p "$bundle/bin" "$bundle/lib" "$bundle/oracle" "$bundle/train"
cp "$portable/bin/hrm-run" "$portable/bin/HrmRuntimeTests" "$bundle/bin/"
cp "$portable/lib/libhrmrt_cuda.so" "$bundle/lib/"
# The CPU libraries run on LLVM's OpenMP runtime, which that machine lacks.
cp -L /usr/lib/llvm-22/lib/libomp.so.5 "$bundle/lib/"
hrmc=$build/bin/hrmc
for m in hrm_n2_t3 transformer_l3 universal fully_looped recurrent_depth_sampled hrm_grad_warmup hrm_text recurrent_depth_grad_warmup looped_taps hrm_segments hrm_act universal_act; do
  "$hrmc" compile "$root/test/e2e/Inputs/$m.json" -o "$bundle/oracle/$m/art" \
    --batch 2 --seq-len 8 --train --target cuda --chips sm_90 --opt-level 1
done
# The tensor-core builds test/gpu/oracle.test checks.
"$hrmc" compile "$root/test/e2e/Inputs/hrm_n2_t3.json" -o "$bundle/oracle/hrm_n2_t3-bf16/art" \
  --batch 2 --seq-len 8 --train --target cuda --chips sm_90 --matmul-precision bf16 --opt-level 1
# 16 positions: the tensor-core attention's key tile whole (at 8, half
# masked).
"$hrmc" compile "$root/test/e2e/Inputs/hrm_n2_t3.json" -o "$bundle/oracle/hrm_n2_t3-bf16-s16/art" \
  --batch 2 --seq-len 16 --train --target cuda --chips sm_90 --matmul-precision bf16 --opt-level 1
"$hrmc" compile "$root/test/e2e/Inputs/transformer_l3.json" -o "$bundle/oracle/transformer_l3-tf32/art" \
  --batch 2 --seq-len 8 --train --target cuda --chips sm_90 --matmul-precision tf32 --opt-level 1
# test/gpu/wgmma.test's build: sm_90a alone, 64 tokens (wgmma's M).
"$hrmc" compile "$root/test/e2e/Inputs/hrm_n2_t3.json" -o "$bundle/oracle/hrm_n2_t3-wgmma/art" \
  --batch 8 --seq-len 8 --train --target cuda --chips sm_90a --matmul-precision bf16 --opt-level 1
# KV-cached generation on the GPU against the CPU's full window.
for m in hrm_n2_t3 transformer_l3; do
  "$hrmc" compile "$root/test/e2e/Inputs/$m.json" -o "$bundle/decode/$m/window" \
    --batch 1 --seq-len 16
  "$hrmc" compile "$root/test/e2e/Inputs/$m.json" -o "$bundle/decode/$m/decode" \
    --batch 1 --seq-len 16 --decode --target cuda --chips sm_90
done
"$hrmc" compile "$root/examples/hrm_lm.json" -o "$bundle/train/art" \
  --batch 4 --seq-len 64 --train --target cuda --chips sm_90 --opt-level 1
# One book of the King James Bible (scripts/corpus.sh has the whole).
if command -v bible >/dev/null; then
  bible -f "Gen1:1-Gen50:26" > "$bundle/train/text.txt"
else
  cp /usr/share/common-licenses/GPL-3 "$bundle/train/text.txt"
fi
/usr/bin/python3 "$root/bench/gpu_forward.py" --prepare "$bundle/bench" \
  --chips sm_90 --bin "$build/bin" >/dev/null
# 1024 positions (batch 2), bf16: attention's share of the FLOPs is large
# there, so the tensor-core attention shows.
mkdir -p "$bundle/bench-long"
for m in hrm_lm transformer_l12; do
  sed 's/"max_seq_len": [0-9]*/"max_seq_len": 1024/' "$root/examples/$m.json" \
    > "$bundle/bench-long/$m.json"
done
/usr/bin/python3 "$root/bench/gpu_forward.py" --prepare "$bundle/bench-long" \
  --chips sm_90 --bin "$build/bin" --batch 2 --seq-len 1024 --precisions bf16 \
  "$bundle/bench-long/hrm_lm.json" "$bundle/bench-long/transformer_l12.json" >/dev/null
# The device tool carries at most 64 MiB. Each artifact's PTX is embedded
# in its model.cuda.so (and its ptxas report in the manifest); the ptx/
# copies are for inspection and ptxas only, so they stay here.
find "$bundle" -type d -name ptx -prune -exec rm -r {} +
bytes=$(du -sb "$bundle" | cut -f1)
if [ "$bytes" -gt $((64 * 1024 * 1024)) ]; then
  echo "device-bundle: $bundle is $((bytes / 1048576)) MiB; the device tool carries 64 MiB" >&2
  exit 1
fi
du -sh --apparent-size "$bundle"
