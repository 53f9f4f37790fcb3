"""Checks the trip_count column of an `hrm-run train --log` CSV against the
trip_count.npy each step of `--dump-steps` wrote.

usage: check-trip-counts.py LOG.csv STEPS_DIR MIN MAX

Exits 1 when a count is missing, outside [MIN, MAX], differs from its dump,
or when every step ran the same count (a sampler that samples nothing).
"""
import csv
import os
import sys

import numpy as np


def main():
    log, steps, lo, hi = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    rows = list(csv.DictReader(open(log)))
    counts = []
    for row in rows:
        if not row["trip_count"]:
            print(f"FAIL: step {row['step']} logs no trip count")
            return 1
        count = int(row["trip_count"])
        dumped = int(np.load(os.path.join(steps, f"step{row['step']}",
                                          "trip_count.npy")))
        if count != dumped or not lo <= count <= hi:
            print(f"FAIL: step {row['step']}: logged {count}, dumped {dumped}")
            return 1
        counts.append(count)
    if len(set(counts)) < 2:
        print(f"FAIL: every step ran {counts[0]} steps")
        return 1
    print(f"{len(counts)} steps, trip counts in [{lo}, {hi}], "
          f"{len(set(counts))} distinct, dumps agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
