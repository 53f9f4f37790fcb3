#!/usr/bin/env python3
"""Compares two files of printed numbers (printMemrefF32's output, say) to a
relative tolerance: in each printed memref (or the whole file), the largest
difference over the largest magnitude of the reference; the worst of them.
For kernels that round differently from their reference (the tensor cores'
bf16), where `diff` would be too strict.

  close.py REFERENCE OTHER --tol T
"""
import argparse
import math
import re
import sys

NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf)")


def blocks(path):
    """The numbers of each printed memref (a block starts at its
    descriptor line), or of the whole file."""
    result = [[]]
    with open(path) as f:
        for line in f:
            # The descriptor lines (rank, offsets, sizes, strides) are shapes.
            if "rank =" in line:
                if result[-1]:
                    result.append([])
                continue
            result[-1] += [float(x) for x in NUMBER.findall(line)]
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reference")
    parser.add_argument("other")
    parser.add_argument("--tol", type=float, required=True)
    args = parser.parse_args()
    ref, other = blocks(args.reference), blocks(args.other)
    sizes = [len(b) for b in ref]
    if not ref[0] or sizes != [len(b) for b in other]:
        print(f"error: numbers per block {sizes} in {args.reference}, "
              f"{[len(b) for b in other]} in {args.other}")
        return 1
    err = 0.0
    for r, o in zip(ref, other):
        if any(not math.isfinite(x) for x in r + o):
            print("error: a number is not finite")
            return 1
        scale = max(abs(x) for x in r) or 1.0
        err = max(err, max(abs(x - y) for x, y in zip(r, o)) / scale)
    ok = err <= args.tol
    print(f"{sum(sizes)} numbers in {len(sizes)} blocks, rel err {err:.3g}, "
          f"tolerance {args.tol:g}: {'ok' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
