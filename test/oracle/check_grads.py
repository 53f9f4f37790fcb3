"""Compares the gradients `hrm-run eval --dump DIR` wrote (from an artifact
compiled with `hrmc compile --train`) with the float64 oracle's, computed
under the model's gradient schedule.

usage: /usr/bin/python3 check_grads.py MODEL.json PARAMS.safetensors DIR [--tol T]

For every parameter: max |ours - oracle| / max |oracle| over its elements
(a parameter the oracle gives no gradient must get exactly zero). Prints the
worst, and exits 1 when it or the loss's relative error exceeds the
tolerance, or when a parameter that should get a gradient got none.
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("config")
    parser.add_argument("params")
    parser.add_argument("dump")
    parser.add_argument("--tol", type=float, default=1e-4)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()

    config = oracle.with_grad_window(oracle.load_config(args.config),
                                     args.dump)
    # A training checkpoint also holds the optimizer's and trainer's state.
    params = {k: v for k, v in oracle.read_safetensors(args.params).items()
              if not k.startswith(("adam.", "train."))}
    load = lambda name: np.load(os.path.join(args.dump, name))
    tokens, targets = oracle.read_batch(args.dump)
    loss, grads = oracle.gradients(config, params, tokens, targets,
                                   oracle.read_noise_draw(args.dump),
                                   oracle.read_trip_count(args.dump),
                                   oracle.read_halt_last(args.dump))
    ours_loss = float(load("loss.npy"))
    loss_err = abs(ours_loss - loss) / abs(loss)

    worst, worst_name, failures, with_grad = 0.0, "", [], 0
    for name in sorted(oracle.frozen_params(config) & set(params)):
        if os.path.exists(os.path.join(args.dump, f"grad.{name}.npy")):
            failures.append(f"{name}: frozen, but a gradient was dumped")
    for name, g in grads.items():
        path = os.path.join(args.dump, f"grad.{name}.npy")
        if not os.path.exists(path):
            failures.append(f"{name}: no gradient dumped")
            continue
        ours = torch.from_numpy(np.load(path).astype(np.float64))
        if ours.shape != g.shape:
            failures.append(f"{name}: shape {tuple(ours.shape)}, oracle "
                            f"{tuple(g.shape)}")
            continue
        scale = float(g.abs().max())
        if scale == 0.0:
            if float(ours.abs().max()) != 0.0:
                failures.append(f"{name}: oracle gradient is zero, ours is "
                                f"{float(ours.abs().max()):.3e}")
            continue
        with_grad += 1
        err = float((ours - g).abs().max()) / scale
        if args.verbose:
            print(f"  {name}: rel err {err:.3e} (max |grad| {scale:.3e})")
        if err > worst:
            worst, worst_name = err, name
    ok = not failures and worst < args.tol and loss_err < args.tol
    schedule = config.get("schedule", {}).get("grad", "full")
    print(f"{config.get('name', 'model')} [{schedule}]: {with_grad} of "
          f"{len(grads)} parameters get gradient; max rel err {worst:.3e} "
          f"({worst_name}); loss rel err {loss_err:.3e}; tolerance "
          f"{args.tol:g}: {'ok' if ok else 'FAIL'}")
    for f in failures:
        print("  " + f)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
