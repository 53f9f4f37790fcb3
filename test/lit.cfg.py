# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "HRM"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.hrm_obj_root, "test")
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "unittests"]

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%hrm_src", config.hrm_src_root))
config.substitutions.append(("%hrm_obj", config.hrm_obj_root))
config.substitutions.append(("%examples", os.path.join(config.hrm_src_root, "examples")))

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.hrm_tools_dir, append_path=True)

# Compiled CPU libraries run on OpenMP threads, one per core by default;
# lit already runs a test per core, and libomp's idle threads spin, so each
# test gets one thread unless it asks for more (hrm-run --cpu-threads).
config.environment["OMP_NUM_THREADS"] = "1"

tool_dirs = [config.hrm_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(["hrm-opt", "hrmc", "hrm-run"], tool_dirs)

# The oracle runs under Debian's interpreter, which has python3-torch; the
# python3 on PATH may be another one.
config.substitutions.append(("%oracle", "/usr/bin/python3 " + os.path.join(
    config.hrm_src_root, "test", "oracle", "check.py")))
config.substitutions.append(("%check-grads", "/usr/bin/python3 " + os.path.join(
    config.hrm_src_root, "test", "oracle", "check_grads.py")))
config.substitutions.append(("%check-adamw", "/usr/bin/python3 " + os.path.join(
    config.hrm_src_root, "test", "oracle", "check_adamw.py")))
config.substitutions.append(("%close", "/usr/bin/python3 " + os.path.join(
    config.hrm_src_root, "test", "oracle", "close.py")))
config.substitutions.append(("%text", "/usr/share/common-licenses/GPL-3"))

# ptxas (CUDA) checks the PTX that --target cuda emits; no GPU is needed.
if os.path.exists(config.ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", config.ptxas))
else:
    lit_config.note("ptxas not found at %s: PTX tests are unsupported" %
                    config.ptxas)

# Passes whose output runs on the CPU as well are checked by running it.
llvm_config.add_tool_substitutions(["mlir-runner"], [config.llvm_tools_dir])
llvm_lib_dir = os.path.join(os.path.dirname(config.llvm_tools_dir), "lib")
config.substitutions.append(("%mlir_runner_utils", ",".join(
    os.path.join(llvm_lib_dir, lib) for lib in
    ("libmlir_runner_utils.so", "libmlir_c_runner_utils.so"))))

# A hung test (a miscompiled loop under mlir-runner, a deadlocked kernel)
# fails after 15 minutes instead of stalling the run; lit needs psutil
# (python3-psutil, from scripts/setup.sh) to enforce it.
try:
    import psutil  # noqa: F401
    lit_config.maxIndividualTestTime = 900
except ImportError:
    lit_config.note("no per-test time limit: python3-psutil is missing")

config.substitutions.append(("%mock_cuda", os.path.join(
    config.hrm_obj_root, "lib", "libhrmrt_cuda_mock.so")))

# GPU tests (test/gpu, REQUIRES: cuda-device) run where the runtime's CUDA
# backend finds a device.
import subprocess
try:
    devices = subprocess.run(
        [os.path.join(config.hrm_tools_dir, "hrm-run"), "devices"],
        capture_output=True, text=True, timeout=60).stdout
except (OSError, subprocess.TimeoutExpired) as e:
    devices = "cuda: unavailable (%s)" % e
cuda_line = [l for l in devices.splitlines() if l.startswith("cuda:")]
if cuda_line and "unavailable" not in cuda_line[0]:
    config.available_features.add("cuda-device")
    # Hopper (compute capability 9.0) runs sm_90a kernels (wgmma).
    try:
        caps = subprocess.run(
            ["nvidia-smi", "--query-gpu=compute_cap", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=60).stdout.split()
    except (OSError, subprocess.TimeoutExpired):
        caps = []
    if caps and caps[0] == "9.0":
        config.available_features.add("cuda-sm90")
    else:
        lit_config.note("sm_90a (wgmma) GPU tests skipped: compute "
                        "capability " + (caps[0] if caps else "unknown"))
else:
    lit_config.note("GPU tests skipped: " +
                    (cuda_line[0] if cuda_line else "hrm-run devices failed"))
