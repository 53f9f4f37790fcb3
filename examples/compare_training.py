#!/usr/bin/python3
"""Trains HRM-LM, HRM-Text, T-L12, UniTF and UniTF with ACT with about
equal parameter counts for the same number of steps on the CPU, on the
King James Bible, and draws their validation curves in one PNG (an
example, not a test).

usage: examples/compare_training.py [--steps N] [--out DIR]

Needs a build (scripts/build.sh) and the corpus tool (scripts/corpus.sh).
Writes DIR/<model>.csv, DIR/compare.png (blue: HRM-LM, purple: HRM-Text,
orange: T-L12, green: UniTF, red: UniTF with ACT) and prints a table;
docs/training.md records a run.
"""
import argparse
import csv
import json
import os
import struct
import subprocess
import sys
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(os.environ.get("HRMC_BUILD_DIR", os.path.join(ROOT, "build")), "bin")

COMMON = {"vocab_size": 256, "n_heads": 4, "max_seq_len": 64,
          "mlp_multiple_of": 64}
MODELS = {
    # 4 blocks of width 128, one-step gradient: 0.92M parameters.
    "hrm_lm": json.load(open(os.path.join(ROOT, "examples", "hrm_lm.json"))),
    # The same blocks as HRM-Text trains them: the fast module injected
    # with the slow state alone, slow_first(5) warmed up from 2.
    "hrm_text": json.load(open(os.path.join(ROOT, "examples",
                                            "hrm_text.json"))),
    # 12 independent blocks of width 72: 0.78M parameters.
    "t_l12": {**COMMON, "name": "t_l12", "architecture": "transformer",
              "d_model": 72, "n_layers": 12},
    # One shared 4-block stack of width 128 looped 3 times (12 block
    # applications, like T-L12), full BPTT: 0.85M parameters.
    "unitf": {**COMMON, "name": "unitf", "architecture": "universal",
              "d_model": 128, "n_layers": 4, "steps": 3,
              "step_embedding": True,
              "schedule": {"unroll": "rolled", "grad": "full",
                           "memory": "keep"}},
}
# UniTF with ACT per position: each position takes 1 to 3 steps of the
# same stack (the pondering unit adds 129 parameters).
MODELS["unitf_act"] = {**MODELS["unitf"], "name": "unitf_act",
                       "act": {"threshold": 0.99, "ponder_weight": 0.01,
                               "bias_init": 1.0}}
COLORS = {"hrm_lm": (31, 119, 180), "hrm_text": (148, 103, 189),
          "t_l12": (255, 127, 14), "unitf": (44, 160, 44),
          "unitf_act": (214, 39, 40)}


def run(*args):
    subprocess.run(args, check=True)


def png(path, width, height, series):
    xs = [x for pts in series.values() for x, _ in pts]
    ys = [y for pts in series.values() for _, y in pts]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    x1, y1 = (x1 if x1 > x0 else x0 + 1), (y1 if y1 > y0 else y0 + 1)
    m = 40
    img = [[(255, 255, 255)] * width for _ in range(height)]

    def line(a, b, c, color, thick=2):
        (ax, ay), (bx, by) = a, b
        n = int(max(abs(bx - ax), abs(by - ay))) + 1
        for i in range(n + 1):
            t = i / n
            x, y = round(ax + t * (bx - ax)), round(ay + t * (by - ay))
            for dx in range(thick):
                for dy in range(thick):
                    if 0 <= x + dx < width and 0 <= y + dy < height:
                        img[y + dy][x + dx] = color

    px = lambda x: m + (x - x0) / (x1 - x0) * (width - 2 * m)
    py = lambda y: height - m - (y - y0) / (y1 - y0) * (height - 2 * m)
    for i in range(11):
        gx, gy = m + i * (width - 2 * m) / 10, m + i * (height - 2 * m) / 10
        line((gx, m), (gx, height - m), None, (225, 225, 225), 1)
        line((m, gy), (width - m, gy), None, (225, 225, 225), 1)
    for name, pts in series.items():
        for a, b in zip(pts, pts[1:]):
            line((px(a[0]), py(a[1])), (px(b[0]), py(b[1])), None,
                 COLORS[name])
    raw = b"".join(b"\0" + bytes(c for p in row for c in p) for row in img)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(
            ">I", zlib.crc32(body))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                           0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw)))
        f.write(chunk(b"IEND", b""))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--out", default=os.path.join(ROOT, "build", "compare"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    data = os.path.join(args.out, "kjv.bin")
    if not os.path.exists(data):
        run(os.path.join(ROOT, "scripts", "corpus.sh"), data)
    curves, rows = {}, []
    for name, config in MODELS.items():
        cfg = os.path.join(args.out, name + ".json")
        json.dump(config, open(cfg, "w"))
        art = os.path.join(args.out, name)
        run(os.path.join(BIN, "hrmc"), "compile", cfg, "-o", art, "--batch",
            "4", "--seq-len", "64", "--train", "--opt-level", "1")
        manifest = json.load(open(os.path.join(art, "manifest.json")))
        params = sum(eval("*".join(map(str, p["shape"])) or "1")
                     for p in manifest["params"])
        log = os.path.join(args.out, name + ".csv")
        run(os.path.join(BIN, "hrm-run"), "train", art, "--data", data,
            "--steps", str(args.steps), "--warmup", str(args.steps // 10),
            "--lr", "3e-3", "--val-every", str(max(1, args.steps // 10)),
            "--seed", "0", "--log", log)
        with open(log) as f:
            table = list(csv.DictReader(f))
        val = [(int(r["step"]), float(r["val_loss"])) for r in table
               if r["val_loss"]]
        speed = sum(float(r["tokens_per_s"]) for r in table) / len(table)
        curves[name] = val
        rows.append((name, params, val[-1][1], speed))
    png(os.path.join(args.out, "compare.png"), 800, 500, curves)
    print(f"\n{'model':9} {'params':>9} {'val loss':>9} {'tokens/s':>9}")
    for name, params, loss, speed in rows:
        print(f"{name:9} {params:9d} {loss:9.4f} {speed:9.0f}")
    print(f"plot: {os.path.join(args.out, 'compare.png')}")


if __name__ == "__main__":
    sys.exit(main())
