"""GPU forward throughput: hrmc's CUDA artifact vs PyTorch (eager and
torch.compile, bf16, scaled_dot_product_attention), in one run.

usage: /usr/bin/python3 bench/gpu_forward.py [MODEL.json ...] [--batch B]
       [--seq-len S] [--iters N] [--device cuda|cpu]

For each model (default: examples/hrm_lm.json and
examples/transformer_l12.json): compiles it with `hrmc compile --target
cuda`, times `hrm-run bench --device cuda` (median of N forward passes of
the `logits` entry point; kernel launches per forward) three ways: with a
wait after every kernel (HRMRT_CUDA_SYNC=each, as gpu-to-llvm's host code
asks), without (the default: one wait per call), and replaying a CUDA
graph (`--cuda-graph`), for each --precisions (default f32; bf16 matmuls
on the tensor cores, `hrmc compile --matmul-precision bf16`, with
mma.sync; and bf16-wgmma, the same for sm_90a alone, which puts them on
Hopper's wgmma); measures its heap
with `hrm-run memory`, then times the same model and parameters in
PyTorch (test/oracle/oracle.py's implementation with SDPA attention) in
bf16, eager and torch.compile, with the CUDA kernels of one forward counted
by the profiler. FLOPs per token come from `hrmc stats` (matmuls only); the
bf16 matmul rate is measured in the same run (8192^3). A table at the end.

A machine without hrmc (a lent GPU machine with no LLVM 22) takes the
artifacts from a machine with it: `--prepare DIR` compiles each model into
DIR/<model>/ (artifact, parameters, `hrmc stats --json`) and times nothing;
`--prebuilt DIR` then times those without calling hrmc
(scripts/device-bundle.sh and scripts/device-run.sh do both).

--device cpu runs the same steps on the CPU (fp32, no torch.compile, no
kernel counts): a smoke test of the script on machines without a GPU, not
a benchmark. Results go to docs/performance.md with device, date and
command.
"""
import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "oracle"))
import oracle  # noqa: E402


class SDPAModel(oracle.Model):
    """The oracle's model with fused attention (causal masks only) and RoPE
    tables built on the activations' device."""

    def rope(self, x):
        s, hd = x.shape[2], x.shape[3]
        i = torch.arange(hd // 2, dtype=torch.float64, device=x.device)
        freq = self.c["rope_theta"] ** (-2.0 * i / hd)
        angle = (torch.arange(s, dtype=torch.float64, device=x.device)[:, None]
                 * freq[None, :])
        cos, sin = torch.cos(angle).to(x.dtype), torch.sin(angle).to(x.dtype)
        a, b = x[..., 0::2], x[..., 1::2]
        return torch.stack((a * cos - b * sin, a * sin + b * cos),
                           -1).flatten(-2)

    def attention(self, x, query, prefix):
        c, p = self.c, self.p
        if c["attention_mask"] != "causal":
            return super().attention(x, query, prefix)
        bsz, s, d = x.shape
        h = c["n_heads"]

        def heads(t):
            return t.reshape(bsz, s, h, d // h).transpose(1, 2)

        q = heads((x if query is None else query) @ p[prefix + ".wq"])
        k = heads(x @ p[prefix + ".wk"])
        v = heads(x @ p[prefix + ".wv"])
        if c["rope"]:
            q, k = self.rope(q), self.rope(k)
        if hasattr(F, "scaled_dot_product_attention"):
            out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:  # PyTorch < 2.0 (Debian's): the same, unfused
            s_mask = torch.ones(s, s, dtype=torch.bool,
                                device=x.device).triu(1)
            scores = (q @ k.transpose(-1, -2)) / (d // h) ** 0.5
            out = torch.softmax(scores.masked_fill(s_mask, float("-inf")),
                                -1) @ v
        return out.transpose(1, 2).reshape(bsz, s, d) @ p[prefix + ".wo"]


def run(*args, env=None):
    return subprocess.run([str(a) for a in args], check=True,
                          capture_output=True, text=True,
                          env=dict(os.environ, **(env or {}))).stdout


def sync(device):
    if device == "cuda":
        torch.cuda.synchronize()


def median_seconds(fn, iters, device):
    fn()
    fn()  # warm-up (and compilation)
    times = []
    for _ in range(iters):
        sync(device)
        t0 = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


def cuda_kernels(fn):
    """CUDA kernels one call of fn launches (torch profiler)."""
    from torch.profiler import ProfilerActivity, profile
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        fn()
        torch.cuda.synchronize()
    return sum(1 for e in prof.events()
               if e.device_type == torch.autograd.DeviceType.CUDA)


def matmul_tflops(device, dtype):
    n = 8192 if device == "cuda" else 1024
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    s = median_seconds(lambda: a @ b, 10, device)
    return 2 * n ** 3 / s / 1e12


def artifact(folder, precision):
    return os.path.join(folder, "art" if precision == "f32"
                        else "art-" + precision)


def compile_model(args, model_path, folder):
    """Artifacts (one per matmul precision) and matmul FLOPs of one model,
    in folder."""
    bin_dir = args.bin
    target = []
    if args.device == "cuda":
        target = ["--target", "cuda"] + (["--chips", args.chips]
                                         if args.chips else [])
    for precision in args.precisions:
        flags = ["--matmul-precision", precision] + target
        if precision == "bf16-wgmma":
            flags = ["--matmul-precision", "bf16", "--target", "cuda",
                     "--chips", "sm_90a"]
        run(os.path.join(bin_dir, "hrmc"), "compile", model_path, "-o",
            artifact(folder, precision), "--batch", args.batch, "--seq-len",
            args.seq_len, *flags)
    with open(os.path.join(folder, "stats.json"), "w") as f:
        f.write(run(os.path.join(bin_dir, "hrmc"), "stats", model_path,
                    "--json", "--seq-len", args.seq_len, "--batch",
                    args.batch))


def model_folder(prebuilt, model_path):
    return os.path.join(prebuilt,
                        os.path.splitext(os.path.basename(model_path))[0])


def hrmc_figures(args, tmp, precision):
    bin_dir = args.bin
    art = artifact(tmp, precision)
    # Every precision's artifact takes the same parameters.
    params = os.path.join(tmp, "params.safetensors")
    if not os.path.exists(params):
        run(os.path.join(bin_dir, "hrm-run"), "init", art, "-o", params)

    def bench(*extra, env=None):
        out = run(os.path.join(bin_dir, "hrm-run"), "bench", art, "--params",
                  params, "--iters", args.iters, "--device", args.device,
                  *extra, env=env)
        launches = re.search(r"kernel launches per forward: ([0-9]+)", out)
        return (float(re.search(r"median ([0-9.]+) ms", out).group(1)),
                int(launches.group(1)) if launches else None)

    ms, kernels = bench()
    timings = {"": ms}
    if args.device == "cuda":
        timings[", wait per kernel"] = bench(
            env={"HRMRT_CUDA_SYNC": "each"})[0]
        timings[", CUDA graph"] = bench("--cuda-graph")[0]
    mem = run(os.path.join(bin_dir, "hrm-run"), "memory", art, "--params",
              params, "--entry", "logits", "--device", args.device)
    heap = int(re.search(r"peak heap ([0-9]+) bytes", mem).group(1))
    arena = int(re.search(r"arena \(parameters, inputs, outputs\): ([0-9]+)",
                          mem).group(1))
    with open(os.path.join(tmp, "stats.json")) as f:
        stats = json.load(f)
    return {"ms": ms, "timings": timings, "kernels": kernels,
            "memory": heap + arena, "params": params,
            "flops_per_token": stats["forward_flops_per_token"]}


def torch_figures(args, config, params_path, compiled, dtype):
    device = args.device
    params = {k: v.to(device) for k, v in
              oracle.read_safetensors(params_path).items()}
    model = SDPAModel(config, params, dtype)
    tokens = (torch.arange(args.batch * args.seq_len, device=device) * 7919
              % 256).reshape(args.batch, args.seq_len)
    fn = torch.compile(model.logits) if compiled else model.logits
    with torch.no_grad():
        if device == "cuda":
            torch.cuda.reset_peak_memory_stats()
        s = median_seconds(lambda: fn(tokens), args.iters, device)
        kernels = cuda_kernels(lambda: fn(tokens)) if device == "cuda" else None
        memory = torch.cuda.max_memory_allocated() if device == "cuda" else None
    return {"ms": s * 1e3, "kernels": kernels, "memory": memory}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("models", nargs="*", default=[
        os.path.join(ROOT, "examples", "hrm_lm.json"),
        os.path.join(ROOT, "examples", "transformer_l12.json")])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--seq-len", type=int, default=128)
    parser.add_argument("--iters", type=int, default=20)
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    parser.add_argument("--bin", default=os.path.join(
        os.environ.get("HRMC_BUILD_DIR", os.path.join(ROOT, "build")), "bin"))
    parser.add_argument("--chips", help="hrmc compile --chips (default: "
                        "hrmc's)")
    parser.add_argument("--prepare", metavar="DIR",
                        help="only compile the models into DIR")
    parser.add_argument("--prebuilt", metavar="DIR",
                        help="time the models --prepare compiled into DIR")
    parser.add_argument("--precisions", default=None,
                        help="hrmc compile --matmul-precision values to time, "
                        "comma-separated, or bf16-wgmma (bf16 for sm_90a: "
                        "wgmma) (default: f32,bf16,bf16-wgmma on cuda, f32 "
                        "on cpu)")
    args = parser.parse_args()
    args.precisions = (args.precisions or (
        "f32,bf16,bf16-wgmma" if args.device == "cuda" else "f32")).split(",")
    if args.device != "cuda" and "bf16-wgmma" in args.precisions:
        sys.exit("error: bf16-wgmma needs --device cuda (a Hopper GPU)")
    if args.prepare:
        for path in args.models:
            folder = model_folder(args.prepare, path)
            os.makedirs(folder, exist_ok=True)
            compile_model(args, path, folder)
            print(f"prepared {folder}")
        return
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("error: PyTorch sees no CUDA device (use --device cpu for a "
                 "smoke test)")
    if ("bf16-wgmma" in args.precisions and
            torch.cuda.get_device_capability() != (9, 0)):
        print("note: not timing bf16-wgmma: sm_90a kernels need compute "
              "capability 9.0, this GPU has %d.%d" %
              torch.cuda.get_device_capability(), file=sys.stderr)
        args.precisions.remove("bf16-wgmma")
    if args.device == "cuda" and not hasattr(torch, "compile"):
        sys.exit("error: PyTorch " + torch.__version__ + " has no "
                 "torch.compile; install PyTorch >= 2 for the GPU benchmark")

    torch_dtype = torch.bfloat16 if args.device == "cuda" else torch.float32
    peak = matmul_tflops(args.device, torch_dtype)
    tokens = args.batch * args.seq_len
    rows = []
    for path in args.models:
        config = oracle.load_config(path)
        name = config.get("name", os.path.basename(path))
        with tempfile.TemporaryDirectory() as tmp:
            if args.prebuilt:
                tmp = model_folder(args.prebuilt, path)
            else:
                compile_model(args, path, tmp)
            variants = []
            for precision in args.precisions:
                ours = hrmc_figures(args, tmp, precision)
                matmuls = {"f32": "fp32",
                           "bf16-wgmma": "bf16 wgmma tensor cores"}.get(
                    precision, precision + (" tensor cores" if args.device ==
                                            "cuda" else " rounding"))
                variants += [(f"hrmc {matmuls}" + how, dict(ours, ms=ms))
                             for how, ms in ours["timings"].items()]
            variants.append((f"PyTorch eager {str(torch_dtype)[6:]}",
                             torch_figures(args, config, ours["params"], False,
                                           torch_dtype)))
            if args.device == "cuda":
                variants.append(("PyTorch compile bf16",
                                 torch_figures(args, config, ours["params"],
                                               True, torch_dtype)))
        for label, f in variants:
            tflops = ours["flops_per_token"] * tokens / (f["ms"] / 1e3) / 1e12
            rows.append((name, label, f["ms"], tokens / f["ms"] * 1e3, tflops,
                         tflops / peak, f["kernels"], f["memory"]))

    device = (torch.cuda.get_device_name() if args.device == "cuda"
              else "CPU")
    print(f"{device}, {datetime.date.today()}, batch {args.batch} x seq "
          f"{args.seq_len}, median of {args.iters}; measured "
          f"{str(torch_dtype)[6:]} matmul rate {peak:.3f} TFLOP/s")
    print("| model | implementation | ms/forward | tokens/s | TFLOP/s | "
          "of matmul rate | kernels/forward | peak memory (MiB) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, label, ms, tps, tf, frac, kernels, memory in rows:
        print(f"| {name} | {label} | {ms:.3f} | {tps:.0f} | {tf:.3f} | "
              f"{frac:.2%} | {kernels if kernels is not None else '-'} | "
              f"{memory / 2**20 if memory else float('nan'):.1f} |")


if __name__ == "__main__":
    main()
