"""Replays `hrm-run train --dump-steps DIR` with torch.optim.AdamW and
compares the parameters and moments of hrm-run's final checkpoint.

usage: /usr/bin/python3 check_adamw.py MODEL.json START.safetensors
           CHECKPOINT.safetensors DIR --steps K [optimizer flags of the run]

Step 1's dumped gradients are first checked against the float64 oracle on
the dumped batch (so the dump is the batch the run trained on). Then torch
applies clip_grad_norm_ and AdamW (decay on matrices only, the learning
rate of each step from warm-up + cosine or constant, written out again
here) to the starting parameters with hrm-run's gradients, in float64.
The error is measured against each tensor's total update; exits 1 over the
tolerance.
"""
import argparse
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle  # noqa: E402


def learning_rate(args, step):
    """The rate of optimizer step `step` (0-based), as docs/training.md says."""
    if args.warmup > 0 and step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    if args.lr_schedule == "constant":
        return args.lr
    min_lr = args.min_lr if args.min_lr >= 0 else args.lr / 10
    span = max(1, args.steps - args.warmup)
    progress = min(1.0, (step - args.warmup) / span)
    return min_lr + 0.5 * (args.lr - min_lr) * (1 + math.cos(math.pi * progress))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("config")
    parser.add_argument("start")
    parser.add_argument("checkpoint")
    parser.add_argument("dump")
    parser.add_argument("--steps", type=int, required=True)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--min-lr", type=float, default=-1)
    parser.add_argument("--warmup", type=int, default=0)
    parser.add_argument("--lr-schedule", default="cosine")
    parser.add_argument("--weight-decay", type=float, default=0.1)
    parser.add_argument("--beta1", type=float, default=0.9)
    parser.add_argument("--beta2", type=float, default=0.95)
    parser.add_argument("--eps", type=float, default=1e-8)
    parser.add_argument("--clip", type=float, default=1.0)
    parser.add_argument("--tol", type=float, default=1e-4)
    args = parser.parse_args()

    config = oracle.load_config(args.config)
    start = oracle.read_safetensors(args.start)
    final = oracle.read_safetensors(args.checkpoint)
    step_dir = lambda k: os.path.join(args.dump, f"step{k}")
    load = lambda k, name: torch.from_numpy(
        np.load(os.path.join(step_dir(k), name)).astype(np.float64))

    # The dump is the batch of step 1: its gradients are the oracle's.
    tokens, targets = oracle.read_batch(step_dir(1))
    _, grads = oracle.gradients(oracle.with_grad_window(config, step_dir(1)),
                                start, tokens, targets,
                                oracle.read_noise_draw(step_dir(1)),
                                oracle.read_trip_count(step_dir(1)))
    grad_err = max(
        float((load(1, f"grad.{n}.npy") - g).abs().max()) /
        max(float(g.abs().max()), 1e-30)
        for n, g in grads.items() if float(g.abs().max()) > 0)

    # Frozen parameters (HRM's fixed initial states) never change and have
    # no moments.
    frozen = oracle.frozen_params(config)
    for n in sorted(frozen & set(start)):
        if not torch.equal(final[n], start[n]) or f"adam.m.{n}" in final:
            print(f"{n}: frozen, but changed or given moments: FAIL")
            return 1
    names = sorted(set(start) - frozen)
    params = {n: torch.nn.Parameter(start[n].clone()) for n in names}
    groups = [
        {"params": [params[n] for n in names if params[n].dim() >= 2],
         "weight_decay": args.weight_decay},
        {"params": [params[n] for n in names if params[n].dim() < 2],
         "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=args.lr, betas=(args.beta1, args.beta2),
                            eps=args.eps)
    for k in range(1, args.steps + 1):
        for n in names:
            params[n].grad = load(k, f"grad.{n}.npy")
        if args.clip > 0:
            torch.nn.utils.clip_grad_norm_(list(params.values()), args.clip)
        for g in opt.param_groups:
            g["lr"] = learning_rate(args, k - 1)
        opt.step()

    worst, worst_name = 0.0, ""
    for n in names:
        p = params[n].detach()
        update = float((p - start[n]).abs().max())
        checks = [(n, final[n], p, update)]
        state = opt.state[params[n]]
        checks.append((f"adam.m.{n}", final[f"adam.m.{n}"], state["exp_avg"],
                       float(state["exp_avg"].abs().max())))
        checks.append((f"adam.v.{n}", final[f"adam.v.{n}"],
                       state["exp_avg_sq"],
                       float(state["exp_avg_sq"].abs().max())))
        for name, ours, theirs, scale in checks:
            if scale == 0:
                continue
            err = float((ours - theirs).abs().max()) / scale
            if err > worst:
                worst, worst_name = err, name
    ok = worst < args.tol and grad_err < args.tol
    print(f"{config.get('name', 'model')}: {args.steps} AdamW steps vs "
          f"torch.optim.AdamW: max rel err {worst:.3e} ({worst_name}); "
          f"step-1 gradients vs oracle {grad_err:.3e}; tolerance "
          f"{args.tol:g}: {'ok' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
