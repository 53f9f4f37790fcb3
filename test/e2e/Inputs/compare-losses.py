"""Compares the train_loss and grad_norm columns of hrm-run train CSV logs.

  compare-losses.py TOLERANCE REFERENCE.csv OTHER.csv [OTHER.csv ...]

Exits 1 if the logs differ in length or any value differs from the
reference's by more than TOLERANCE, relative.
"""
import csv
import sys


def main():
    tol = float(sys.argv[1])
    logs = [list(csv.DictReader(open(p))) for p in sys.argv[2:]]
    reference = logs[0]
    ok = True
    for path, rows in zip(sys.argv[3:], logs[1:]):
        worst = 0.0
        if len(rows) != len(reference):
            ok = False
        for a, b in zip(reference, rows):
            for key in ("train_loss", "grad_norm"):
                x, y = float(a[key]), float(b[key])
                worst = max(worst, abs(x - y) / max(abs(x), 1e-30))
        good = len(rows) == len(reference) and worst <= tol
        ok &= good
        print(f"{path}: {len(rows)} steps, max rel diff {worst:.2e} "
              f"(tolerance {tol:g}): {'ok' if good else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
