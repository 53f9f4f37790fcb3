#!/usr/bin/env bash
# Runs on a lent GPU machine, in the repository root, over the bundle that
# scripts/device-bundle.sh made: the runtime's tests, test/gpu/oracle.test's
# and wgmma.test's checks (each model's logits and gradients on the GPU
# against the float64 oracle, f32 and on the tensor cores; KV-cached generation on the GPU against the CPU's full window;
# the training step's heap on the GPU and the CPU, printed side by side), a training run on the GPU and on the CPU from the same seed (and
# on the GPU with a wait after every kernel and from CUDA graphs: the same
# losses bit for bit), bench/gpu_forward.py, and the CPU forward on one
# thread and on every core.
#   scripts/device-run.sh [BUNDLE [WORK]]     STEPS="check train bench"
# Every step runs; the exit status is 1 if any failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bundle=$(cd "${1:-$root/.device}" && pwd)
work=${2:-/tmp/hrm-device}
steps=${STEPS:-check train bench}
export PATH=$bundle/bin:$PATH
export HRMRT_CUDA_LIBRARY=$bundle/lib/libhrmrt_cuda.so
# libomp for the CPU libraries (before their runpath, /usr/lib/llvm-22/lib).
export LD_LIBRARY_PATH=$bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export HRM_PYTHON=${HRM_PYTHON:-python3} HRM_PREBUILT=1 PYTHONUNBUFFERED=1
rm -rf "$work" && mkdir -p "$work"
failed=0
step() {
  echo "=== $*"
  "$@" || { echo "FAILED (exit $?): $*"; failed=1; }
}
date -u
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
step hrm-run devices

case " $steps " in *" check "*)
  step HrmRuntimeTests --gtest_brief=1
  for m in hrm_n2_t3 transformer_l3 universal fully_looped recurrent_depth_sampled hrm_grad_warmup hrm_text recurrent_depth_grad_warmup looped_taps hrm_segments hrm_act universal_act; do
    mkdir -p "$work/$m" && cp -r "$bundle/oracle/$m/art" "$work/$m/"
    step "$root/test/gpu/Inputs/check-cuda.sh" "$root/test/e2e/Inputs/$m.json" "$work/$m"
  done
  for mp in hrm_n2_t3:bf16 transformer_l3:tf32; do
    m=${mp%:*} p=${mp#*:}
    mkdir -p "$work/$m-$p" && cp -r "$bundle/oracle/$m-$p/art" "$work/$m-$p/"
    HRM_MATMUL_PRECISION=$p step "$root/test/gpu/Inputs/check-cuda.sh" \
      "$root/test/e2e/Inputs/$m.json" "$work/$m-$p"
  done
  # The tensor-core attention with a whole key tile (16 positions).
  mkdir -p "$work/hrm_n2_t3-bf16-s16" && cp -r "$bundle/oracle/hrm_n2_t3-bf16-s16/art" "$work/hrm_n2_t3-bf16-s16/"
  HRM_MATMUL_PRECISION=bf16 step "$root/test/gpu/Inputs/check-cuda.sh" \
    "$root/test/e2e/Inputs/hrm_n2_t3.json" "$work/hrm_n2_t3-bf16-s16"
  # wgmma (sm_90a): Hopper only.
  if [ "$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1)" = 9.0 ]; then
    mkdir -p "$work/hrm_n2_t3-wgmma" && cp -r "$bundle/oracle/hrm_n2_t3-wgmma/art" "$work/hrm_n2_t3-wgmma/"
    HRM_MATMUL_PRECISION=bf16 step "$root/test/gpu/Inputs/check-cuda.sh" \
      "$root/test/e2e/Inputs/hrm_n2_t3.json" "$work/hrm_n2_t3-wgmma"
  else
    echo "=== wgmma check skipped: not a compute capability 9.0 GPU"
  fi
  for m in hrm_n2_t3 transformer_l3; do
    mkdir -p "$work/decode-$m" && cp -r "$bundle/decode/$m/"* "$work/decode-$m/"
    HRM_DECODE_TARGET=cuda step "$root/test/e2e/Inputs/compare-decode.sh" \
      "$root/test/e2e/Inputs/$m.json" "$work/decode-$m"
  done
  for d in cuda cpu; do
    step hrm-run memory "$work/hrm_n2_t3/art" --device $d --entry loss_grad \
      --params "$work/hrm_n2_t3/params.safetensors"
  done
esac

case " $steps " in *" train "*)
  step hrm-run prepare-data "$bundle/train/text.txt" -o "$work/text.bin"
  train() { # NAME DEVICE [ARGS...]
    local name=$1 d=$2
    shift 2
    step hrm-run train "$bundle/train/art" --device $d --data "$work/text.bin" \
      --steps ${TRAIN_STEPS:-30} --warmup 5 --lr 3e-3 --val-every 10 --seed 0 \
      --log "$work/train-$name.csv" "$@"
  }
  train cuda cuda
  train cpu cpu
  HRMRT_CUDA_SYNC=each train each cuda
  train graph cuda --cuda-graph
  train host-adamw cuda --optimizer host
  for mode in each graph; do
    cut -d, -f1-5 "$work/train-cuda.csv" > "$work/cuda.cut"
    cut -d, -f1-5 "$work/train-$mode.csv" > "$work/$mode.cut"
    step cmp "$work/cuda.cut" "$work/$mode.cut"
  done
  step "$HRM_PYTHON" - "$work/train-cuda.csv" "$work/train-cpu.csv" \
    "$work/train-host-adamw.csv" <<'PY'
import csv, sys
gpu, cpu, host = ([r for r in csv.DictReader(open(p))] for p in sys.argv[1:])
worst = lambda x, y: max(abs(float(a["train_loss"]) - float(b["train_loss"]))
                         for a, b in zip(x, y))
rate = lambda rows: sorted(float(r["tokens_per_s"]) for r in rows)[len(rows) // 2]
print(f"train loss, GPU vs CPU over {len(gpu)} steps: max |diff| "
      f"{worst(gpu, cpu):.2e}; GPU with the host's AdamW vs CPU "
      f"{worst(host, cpu):.2e}; tokens/s GPU {rate(gpu):.0f} (AdamW on the "
      f"GPU), {rate(host):.0f} (AdamW on the host), CPU {rate(cpu):.0f}")
sys.exit(0 if len(gpu) == len(cpu) == len(host) and
         max(worst(gpu, cpu), worst(host, cpu)) < 1e-3 else 1)
PY
esac

case " $steps " in *" bench "*)
  step "$HRM_PYTHON" "$root/bench/gpu_forward.py" --prebuilt "$bundle/bench" \
    --bin "$bundle/bin" --iters ${BENCH_ITERS:-20}
  step "$HRM_PYTHON" "$root/bench/gpu_forward.py" --prebuilt "$bundle/bench-long" \
    --bin "$bundle/bin" --iters ${BENCH_ITERS:-20} --batch 2 --seq-len 1024 \
    --precisions bf16 "$bundle/bench-long/hrm_lm.json" "$bundle/bench-long/transformer_l12.json"
  # The same f32 artifacts' CPU libraries, on one thread and on every core.
  for m in hrm_lm transformer_l12; do
    for t in 1 0; do
      step hrm-run bench "$bundle/bench/$m/art" --device cpu --cpu-threads $t \
        --iters ${BENCH_ITERS:-20}
    done
  done
esac
exit $failed
