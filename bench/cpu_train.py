"""CPU training throughput: `hrm-run train` vs a PyTorch eager training loop
(fp32), same model, same gradient schedule, same optimizer.

usage: /usr/bin/python3 bench/cpu_train.py MODEL.json [--batch B]
       [--seq-len S] [--steps N] [--threads T]

Compiles MODEL.json with `hrmc compile --train` (the compiled AdamW,
`train_step`) and times `hrm-run train --steps N` on GPL-3's text as bytes:
the tokens/s of its last progress line, which counts every step, the first
included, and one validation batch at the end. PyTorch trains the oracle's
implementation (test/oracle/oracle.py) in float32 from the same parameters
on batches of the same text (consecutive ones; hrm-run shuffles), laid out
as hrm-run lays them out, under the description's gradient schedule (the steps
outside the window run under no_grad, as in hrmc), with torch.optim.AdamW
and clipping as hrm-run's defaults; its figure is the median step after two
warm-up steps. Both run on --threads threads (default 1). Both sides'
losses are printed, so a run shows they train alike.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "oracle"))
import oracle  # noqa: E402

TEXT = "/usr/share/common-licenses/GPL-3"


def hrmc_train(args, tmp):
    """Compiles and trains; returns (compile s, tokens/s, first and last
    loss, the initial parameters' path)."""
    tool = lambda name: os.path.join(args.bin, name)
    art = os.path.join(tmp, "art")
    params = os.path.join(tmp, "params.safetensors")
    data = os.path.join(tmp, "text.bin")
    t0 = time.perf_counter()
    subprocess.run([tool("hrmc"), "compile", args.model, "-o", art, "--batch",
                    str(args.batch), "--seq-len", str(args.seq_len),
                    "--train"], check=True)
    compile_s = time.perf_counter() - t0
    subprocess.run([tool("hrm-run"), "init", art, "-o", params], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([tool("hrm-run"), "prepare-data", TEXT, "-o", data],
                   check=True, stdout=subprocess.DEVNULL)
    log = os.path.join(tmp, "log.csv")
    out = subprocess.run(
        [tool("hrm-run"), "train", art, "--data", data, "--params", params,
         "--steps", str(args.steps), "--val-every", str(args.steps),
         "--val-batches", "1", "--lr-schedule", "constant", "--warmup", "0",
         "--lr", str(args.lr), "--cpu-threads", str(args.threads),
         "--log", log, "--optimizer", "compiled"],
        check=True, capture_output=True, text=True).stderr
    rate = float(re.findall(r"([0-9.]+) tok/s", out)[-1])
    with open(log) as f:
        header = f.readline().strip().split(",")
        rows = [dict(zip(header, line.strip().split(","))) for line in f]
    losses = [float(r["train_loss"]) for r in rows]
    return compile_s, rate, losses, params, data


def torch_train(args, params_path, data_path):
    """Trains the oracle's model on the first batches of the same token
    file; returns (median ms/step, losses)."""
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    config = oracle.load_config(args.model)
    frozen = oracle.frozen_params(config)
    start = oracle.read_safetensors(params_path)
    leaves = {k: v.to(torch.float32).clone().requires_grad_(k not in frozen)
              for k, v in start.items()}
    model = oracle.Model(config, {}, torch.float32)
    model.p = leaves
    trained = [leaves[k] for k in sorted(leaves) if k not in frozen]
    opt = torch.optim.AdamW(
        [{"params": [p for p in trained if p.dim() >= 2],
          "weight_decay": 0.1},
         {"params": [p for p in trained if p.dim() < 2],
          "weight_decay": 0.0}],
        lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    # prepare-data's file (runtime/include/hrmrt/TokenFile.h): "HRMTOK1\n",
    # u32 vocabulary size, u64 count, then u32 tokens. A batch is batch x
    # seq_len consecutive tokens, its targets the same shifted by one.
    tokens = torch.from_numpy(
        np.fromfile(data_path, dtype="<u4", offset=20).astype(np.int64))
    window = args.batch * args.seq_len
    times, losses = [], []
    for step in range(args.steps):
        at = step * window
        inputs = tokens[at:at + window].reshape(args.batch, args.seq_len)
        targets = tokens[at + 1:at + window + 1].reshape(args.batch,
                                                         args.seq_len)
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = model.loss(inputs, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trained, 1.0)
        opt.step()
        times.append(time.perf_counter() - t0)
        losses.append(float(loss))
    timed = sorted(times[2:] if len(times) > 4 else times)
    return timed[len(timed) // 2] * 1e3, losses


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--seq-len", type=int, default=64)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        compile_s, rate, ours, params, data = hrmc_train(args, tmp)
        torch_ms, theirs = torch_train(args, params, data)

    tokens = args.batch * args.seq_len
    torch_rate = tokens / torch_ms * 1e3
    config = oracle.load_config(args.model)
    schedule = config.get("schedule", {}).get("grad", "full")
    print(f"model {config.get('name')} [{schedule}]: batch {args.batch} x "
          f"seq {args.seq_len}, {args.steps} steps, threads {args.threads}")
    print(f"  hrmc compile --train {compile_s:8.2f} s")
    print(f"  hrmc train           {tokens / rate * 1e3:8.2f} ms/step "
          f"{rate:10.0f} tokens/s  loss {ours[0]:.4f} -> {ours[-1]:.4f}")
    print(f"  PyTorch eager f32    {torch_ms:8.2f} ms/step "
          f"{torch_rate:10.0f} tokens/s  loss {theirs[0]:.4f} -> "
          f"{theirs[-1]:.4f}")
    print(f"  hrmc / PyTorch throughput ratio: {rate / torch_rate:.3f}")


if __name__ == "__main__":
    main()
