#!/usr/bin/env python3
"""Compares two files of printed numbers (printMemrefF32's output, say) to a
relative tolerance: the largest difference over the largest magnitude of the
reference. For kernels that round differently from their reference (the
tensor cores' bf16), where `diff` would be too strict.

  close.py REFERENCE OTHER --tol T
"""
import argparse
import math
import re
import sys

NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf)")


def numbers(path):
    values = []
    with open(path) as f:
        for line in f:
            # The descriptor lines (rank, offsets, sizes, strides) are shapes.
            if "rank =" in line:
                continue
            values += [float(x) for x in NUMBER.findall(line)]
    return values


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference")
    parser.add_argument("other")
    parser.add_argument("--tol", type=float, required=True)
    args = parser.parse_args()
    ref, other = numbers(args.reference), numbers(args.other)
    if not ref or len(ref) != len(other):
        print(f"error: {len(ref)} numbers in {args.reference}, "
              f"{len(other)} in {args.other}")
        return 1
    if any(not math.isfinite(x) for x in ref + other):
        print("error: a number is not finite")
        return 1
    scale = max(abs(x) for x in ref)
    err = max(abs(x - y) for x, y in zip(ref, other)) / scale
    ok = err <= args.tol
    print(f"{len(ref)} numbers, rel err {err:.3g}, tolerance {args.tol:g}: "
          f"{'ok' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
