"""Compares what `hrm-run eval --dump DIR` wrote with the float64 oracle.

usage: /usr/bin/python3 check.py MODEL.json PARAMS.safetensors DIR [--tol T]

Prints the relative errors and exits 1 when either exceeds the tolerance:
max |ours - oracle| / max |oracle| over the logits, and
|ours - oracle| / |oracle| for the loss.
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
    parser.add_argument("--tol", type=float, default=1e-5)
    args = parser.parse_args()

    config = oracle.load_config(args.config)
    model = oracle.Model(config, oracle.read_safetensors(args.params),
                         noise_draw=oracle.read_noise_draw(args.dump),
                         trip_count=oracle.read_trip_count(args.dump),
                         halt_last=oracle.read_halt_last(args.dump))
    load = lambda name: np.load(os.path.join(args.dump, name))
    tokens, targets = oracle.read_batch(args.dump)
    ours_logits = torch.from_numpy(load("logits.npy").astype(np.float64))
    ours_loss = float(load("loss.npy"))

    with torch.no_grad():
        logits = model.logits(tokens)
        loss = float(model.loss(tokens, targets))
    if logits.shape != ours_logits.shape:
        print(f"FAIL: logits shape {tuple(ours_logits.shape)}, oracle "
              f"{tuple(logits.shape)}")
        return 1
    logits_err = float((ours_logits - logits).abs().max() / logits.abs().max())
    loss_err = abs(ours_loss - loss) / abs(loss)
    ok = logits_err < args.tol and loss_err < args.tol
    # Halting: the last segment's Q values too.
    halting = ""
    if config.get("halting") is not None and os.path.exists(
            os.path.join(args.dump, "halt.q.npy")):
        with torch.no_grad():
            _, q, correct = model.halting_loss(tokens, targets)
        ours_q = torch.from_numpy(load("halt.q.npy").astype(np.float64))
        q_err = float((ours_q - q).abs().max() / q.abs().max())
        ok = ok and q_err < args.tol
        halting = (f", halt.q rel err {q_err:.3e} ({int(correct.sum())} of "
                   f"{len(correct)} sequences correct)")
    # ACT: how many steps the positions took, so a test can tell that some
    # halted early and some ran every step.
    if config.get("act") is not None:
        remainders, updates = model._ponder
        steps = sorted(set(int(n) for n in updates.flatten().tolist()))
        running = int((remainders.flatten() == 0).sum())
        halting += (f", act steps {'/'.join(map(str, steps))}, {running} of "
                    f"{remainders.numel()} positions never halted")
        # The mean ponder time the loss entry returns (act.ponder).
        path = os.path.join(args.dump, "act_ponder.npy")
        if os.path.exists(path):
            ponder = float((remainders + updates).mean())
            ours_ponder = float(np.load(path))
            ponder_err = abs(ours_ponder - ponder) / abs(ponder)
            ok = ok and ponder_err < args.tol
            halting += (f", ponder time {ours_ponder:.4f} vs oracle "
                        f"{ponder:.4f}")
    print(f"{config.get('name', 'model')}: logits rel err {logits_err:.3e}, "
          f"loss {ours_loss:.6f} vs oracle {loss:.6f} (rel err "
          f"{loss_err:.3e}){halting}, tolerance {args.tol:g}: "
          f"{'ok' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
