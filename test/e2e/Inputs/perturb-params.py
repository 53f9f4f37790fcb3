"""Overwrites tensors of a safetensors file in place with seeded normal
values, so a test can start a parameter away from its initialisation (a
halting head starts at zero weight and a constant bias).

usage: /usr/bin/python3 perturb-params.py PARAMS.safetensors NAME STD [NAME STD ...]
"""
import json
import struct
import sys

import numpy as np


def main():
    path, pairs = sys.argv[1], sys.argv[2:]
    if not pairs or len(pairs) % 2:
        sys.exit(__doc__)
    with open(path, "r+b") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        rng = np.random.default_rng(7)
        for name, std in zip(pairs[::2], pairs[1::2]):
            if name not in header or header[name]["dtype"] != "F32":
                sys.exit(f"{path}: no F32 tensor '{name}'")
            begin, end = header[name]["data_offsets"]
            values = rng.normal(0.0, float(std), (end - begin) // 4)
            f.seek(8 + n + begin)
            f.write(values.astype("<f4").tobytes())


if __name__ == "__main__":
    main()
