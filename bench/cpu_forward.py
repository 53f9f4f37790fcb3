"""CPU forward throughput: hrmc's compiled artifact vs PyTorch eager (fp32).

usage: /usr/bin/python3 bench/cpu_forward.py MODEL.json [--batch B]
       [--seq-len S] [--iters N] [--threads T]

Compiles MODEL.json with hrmc, times `hrm-run bench` (median of N forward
passes of the `logits` entry point), then times the same model in PyTorch
eager float32 (the oracle's implementation, test/oracle/oracle.py, with the
same parameters) in the same run, and prints both and their ratio. Both
run on --threads threads (default 1: hrm-run --cpu-threads, PyTorch's
torch.set_num_threads), so that the comparison is like for like; --threads
0 leaves both at their default (one thread per core).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "oracle"))
import oracle  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--seq-len", type=int, default=64)
    parser.add_argument("--iters", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        art = os.path.join(tmp, "art")
        params = os.path.join(tmp, "params.safetensors")
        t0 = time.perf_counter()
        subprocess.run([os.path.join(args.bin, "hrmc"), "compile", args.model,
                        "-o", art, "--batch", str(args.batch), "--seq-len",
                        str(args.seq_len)], check=True)
        compile_s = time.perf_counter() - t0
        subprocess.run([os.path.join(args.bin, "hrm-run"), "init", art, "-o",
                        params], check=True, stdout=subprocess.DEVNULL)
        out = subprocess.run([os.path.join(args.bin, "hrm-run"), "bench", art,
                              "--params", params, "--iters", str(args.iters),
                              "--cpu-threads", str(args.threads)],
                             check=True, capture_output=True, text=True).stdout
        ms = float(re.search(r"median ([0-9.]+) ms", out).group(1))

        if args.threads > 0:
            torch.set_num_threads(args.threads)
        config = oracle.load_config(args.model)
        model = oracle.Model(config, oracle.read_safetensors(params),
                             torch.float32)
        tokens = (torch.arange(args.batch * args.seq_len) * 7919 % 256
                  ).reshape(args.batch, args.seq_len)
        times = []
        with torch.no_grad():
            model.logits(tokens)
            for _ in range(args.iters):
                t0 = time.perf_counter()
                model.logits(tokens)
                times.append(time.perf_counter() - t0)
        times.sort()
        torch_ms = times[len(times) // 2] * 1e3

    tokens = args.batch * args.seq_len
    print(f"model {config.get('name')}: batch {args.batch} x seq "
          f"{args.seq_len}, torch threads {torch.get_num_threads()}")
    print(f"  hrmc compile      {compile_s:8.2f} s")
    device = re.search(r"on (cpu[^:]*):", out).group(1)
    print(f"  {'hrmc, ' + device:17} {ms:8.2f} ms/forward "
          f"{tokens / ms * 1e3:10.0f} tokens/s")
    print(f"  PyTorch eager f32 {torch_ms:8.2f} ms/forward "
          f"{tokens / torch_ms * 1e3:10.0f} tokens/s")
    print(f"  hrmc / PyTorch throughput ratio: {torch_ms / ms:.3f}")


if __name__ == "__main__":
    main()
