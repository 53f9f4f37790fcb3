"""Random differential testing: random model descriptions, compiled by
hrmc and run by hrm-run, against the float64 oracle.

Each case draws a small description (every architecture, norm placement,
mask, injection, initial state, unroll and gradient schedule, memory
policy, deep supervision, halting, ACT, loss taps, sampled trip counts),
compiles its training artifact at a random batch and sequence length
(sometimes with --fused-attention), dumps one batch with `hrm-run eval`
and checks the logits and loss (check.py) and every parameter gradient
(check_grads.py). A gradient that fails the oracle's tolerance is judged
against PyTorch's own float32 error on the same model: when float32
PyTorch misses the float64 answer by as much (a gradient that cancels to
almost nothing), the case is ill-conditioned, not wrong.

With --decode it checks generation instead: a causal description's greedy
continuation from the KV-cached `decode` entry (hrmc compile --decode)
must equal the one from re-running the whole window. With --cuda it compiles CUDA training builds (random matmul
precision and chips), every kernel of which ptxas must accept.

usage: fuzz.py --out DIR [--bin BUILD/bin] [--seed S] [--cases N]
               [--decode | --cuda]
Prints one line per case and a summary; exits 1 if any case is wrong.
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TEXT = os.path.join(HERE, "..", "e2e", "Inputs", "grad-text.txt")


def schedule(rng, total, loops, hrm, t=1):
    """A valid schedule for a loop of `loops` iterations (hrm: N cycles of
    T fast steps), `total` module applications (hrm: N*T + N)."""
    factor = rng.choice([d for d in range(1, loops + 1) if loops % d == 0])
    unroll = rng.choice(["rolled", "rolled", "full", f"factor({factor * t})"])
    grads = ["full", "one_step", f"truncated({rng.randint(1, total)})"]
    if hrm:
        grads.append(f"slow_first({rng.randint(2, total)})")
    return {"unroll": unroll, "grad": rng.choice(grads),
            "memory": rng.choice(["keep", "recompute"])}


def loss_taps(rng, steps):
    """Every step, some of the `steps` (1-based), or some with weights."""
    tapped = sorted(rng.sample(range(1, steps + 1), rng.randint(1, steps)))
    return rng.choice(["every_step", tapped, {
        "steps": tapped,
        "weights": [rng.choice([0.0, 0.5, 1.0, 2.0]) for _ in tapped]}])


def description(rng):
    arch = rng.choice(["hrm", "hrm", "transformer", "universal", "looped",
                       "fully_looped", "recurrent_depth"])
    c = {"name": "fuzz", "architecture": arch, "vocab_size": 256,
         "d_model": rng.choice([8, 16]), "n_heads": rng.choice([1, 2]),
         "max_seq_len": 8, "mlp_multiple_of": 8,
         "mlp": rng.choice(["swiglu", "gelu"]),
         "norm": rng.choice(["pre", "post", "sandwich"]),
         "final_norm": rng.random() < 0.5, "norm_weight": rng.random() < 0.5,
         "attention_mask": rng.choice(["causal", "causal", "bidirectional",
                                       "prefix"]),
         "rope": rng.random() < 0.7, "embed_scale": rng.random() < 0.5,
         "tie_embeddings": rng.random() < 0.3}
    if c["attention_mask"] == "prefix":
        c["prefix_len"] = rng.randint(0, 8)
    if arch == "hrm":
        n, t = rng.randint(1, 3), rng.randint(1, 3)
        c.update({"fast_layers": rng.randint(1, 2),
                  "slow_layers": rng.randint(1, 2), "N": n, "T": t,
                  "injection": rng.choice(["add", "concat_linear", "none"]),
                  "fast_init": rng.choice(["zeros", "fixed", "embedding"]),
                  "slow_init": rng.choice(["zeros", "fixed", "embedding"]),
                  "schedule": schedule(rng, n * t + n, n, True, t)})
        if c["injection"] != "none" and rng.random() < 0.3:
            c["fast_injection"] = "slow"
        # Mostly descriptions that read their tokens (the rest must be
        # rejected).
        reads = (c["slow_init"] == "embedding" or (
            c["injection"] != "none" and (c.get("fast_injection") != "slow"
                                          or c["fast_init"] == "embedding")))
        if not reads and rng.random() < 0.8:
            c["slow_init"] = "embedding"
        if rng.random() < 0.3:
            c["segments"] = rng.randint(1, 3)
            if c["segments"] >= 2 and rng.random() < 0.5:
                c["halting"] = rng.choice(
                    [{}, {"position": "last", "exploration": 0.5}])
        if "fixed" in (c["fast_init"], c["slow_init"]) and rng.random() < 0.3:
            c["train_initial_states"] = True
        if rng.random() < 0.3:  # with segments: one segment's cycles
            c["loss_taps"] = loss_taps(rng, n)
        grad = c["schedule"]["grad"]
        if (rng.random() < 0.2 and c["schedule"]["unroll"] == "rolled"
                and grad.startswith(("truncated", "slow_first"))):
            k = int(grad.split("(")[1][:-1])
            least = 2 if grad.startswith("slow_first") else 1
            c["grad_warmup"] = {"from": rng.randint(least, k),
                                "fraction": 0.2}
    elif arch == "transformer":
        c["n_layers"] = rng.randint(1, 3)
    else:
        steps = rng.randint(1, 4)
        if arch == "universal":
            c.update({"steps": steps, "step_embedding": rng.random() < 0.5,
                      "n_layers": rng.randint(1, 2)})
        elif arch in ("looped", "fully_looped"):
            c.update({"n_layers": rng.randint(1, 2), "loops": steps})
        else:
            c.update({"prelude_layers": 1, "core_layers": 1,
                      "coda_layers": 1, "steps": steps,
                      "state_init": rng.choice(["noise", "zeros"])})
        if arch in ("universal", "looped", "fully_looped") and rng.random() < 0.3:
            c["act"] = {"threshold": rng.choice([0.5, 0.9, 0.99]),
                        "ponder_weight": rng.choice([0.01, 0.1])}
        c["schedule"] = schedule(rng, steps, steps, False)
        if "act" not in c and rng.random() < 0.3:
            c["loss_taps"] = loss_taps(rng, steps)
        if (arch != "universal" and rng.random() < 0.3
                and c["schedule"]["unroll"] == "rolled"
                and c.get("loss_taps", "every_step") == "every_step"
                and "act" not in c):
            c["train_trip_count"] = rng.choice([
                {"distribution": "uniform", "min": 1, "max": steps + 1},
                {"distribution": "lognormal_poisson", "mean": steps,
                 "max": steps + 2}])
            if c["schedule"]["grad"] == "full":  # needs a bounded window
                c["schedule"]["grad"] = "one_step"
        grad = c["schedule"]["grad"]
        if (rng.random() < 0.2 and c["schedule"]["unroll"] == "rolled"
                and grad.startswith("truncated")):
            c["grad_warmup"] = {
                "from": rng.randint(1, int(grad.split("(")[1][:-1])),
                "fraction": 0.2}
    c["mlp_expansion"] = rng.choice([2, 4])
    c["rope_theta"] = rng.choice([100.0, 10000.0])
    return c


def in_both_precisions(compute):
    """compute(dtype) with the oracle in float64, then in float32."""
    results = []
    for dtype in (torch.float64, torch.float32):
        oracle.DT = dtype
        try:
            results.append(compute(dtype))
        finally:
            oracle.DT = torch.float64
    return results


# Float32 PyTorch's error on one set of parameters is one sample of its
# rounding noise, at times a lucky one (a gradient that cancels to almost
# nothing); the yardstick is its largest error over the parameters as
# given and these many copies moved by about one float32 ulp.
NEARBY = 3


def nearby_params(params):
    """The parameters, then NEARBY copies with each float32 element moved
    by about one ulp (a fixed generator: the same cases every run)."""
    yield params
    gen = torch.Generator().manual_seed(0)
    for _ in range(NEARBY):
        yield {k: v * (1 + 2.0 ** -23 * torch.randn(
                   v.shape, generator=gen, dtype=v.dtype))
               if torch.is_tensor(v) and v.is_floating_point() else v
               for k, v in params.items()}


def rel_err(value, exact):
    """Max |value - exact| over max |exact| (float64 tensors)."""
    return float((value - exact).abs().max()) / float(exact.abs().max())


def miss(name, ours, f32, tol):
    """[the complaint] when our error exceeds both `tol` and 20x float32
    PyTorch's, else []."""
    if ours > tol and ours > 20 * f32:
        return [f"{name}: {ours:.2e} (float32 PyTorch {f32:.2e})"]
    return []


def float32_baseline(model, params_path, dump):
    """Gradients whose error exceeds both the tolerance and 20x float32
    PyTorch's own error (its largest on nearby parameters; empty: the
    failure is conditioning)."""
    config = oracle.with_grad_window(oracle.load_config(model), dump)
    params = {k: v for k, v in oracle.read_safetensors(params_path).items()
              if not k.startswith(("adam.", "train."))}
    tokens, targets = oracle.read_batch(dump)

    def gradients(dtype, p):
        return oracle.gradients(
            config, {k: v.to(dtype) if torch.is_tensor(v) else v
                     for k, v in p.items()}, tokens, targets,
            oracle.read_noise_draw(dump), oracle.read_trip_count(dump),
            oracle.read_halt_last(dump))[1]

    exact = in_both_precisions(lambda dtype: gradients(dtype, params))[0]
    f32_err = {}
    for p in nearby_params(params):
        f32 = in_both_precisions(lambda dtype: gradients(dtype, p)
                                 if dtype == torch.float32 else None)[1]
        for name, g in exact.items():
            if float(g.abs().max()) != 0.0:
                err = rel_err(f32[name].double(), g.double())
                f32_err[name] = max(f32_err.get(name, 0.0), err)
    wrong = []
    for name, g in exact.items():
        g = g.double()
        if float(g.abs().max()) == 0.0:
            continue
        ours = torch.from_numpy(
            np.load(os.path.join(dump, f"grad.{name}.npy")).astype(np.float64))
        wrong += miss(name, rel_err(ours, g), f32_err[name], 1e-4)
    return wrong


def float32_forward_baseline(model, params_path, dump):
    """The logits and loss whose error exceeds both check.py's tolerance
    and 20x float32 PyTorch's own (its largest on nearby parameters;
    empty: a deep recurrence's rounding)."""
    config = oracle.load_config(model)
    params = oracle.read_safetensors(params_path)
    tokens, targets = oracle.read_batch(dump)

    def forward(dtype, p):
        if dtype == torch.float64 and p is not params:
            return None
        m = oracle.Model(config, p, dtype=dtype,
                         noise_draw=oracle.read_noise_draw(dump),
                         trip_count=oracle.read_trip_count(dump),
                         halt_last=oracle.read_halt_last(dump))
        with torch.no_grad():
            return (m.logits(tokens).double(),
                    torch.tensor(float(m.loss(tokens, targets)),
                                 dtype=torch.float64))

    (logits, loss), _ = in_both_precisions(lambda d: forward(d, params))
    logits_err = loss_err = 0.0
    for p in nearby_params(params):
        logits32, loss32 = in_both_precisions(lambda d: forward(d, p))[1]
        logits_err = max(logits_err, rel_err(logits32, logits))
        loss_err = max(loss_err, rel_err(loss32, loss))
    load = lambda name: torch.from_numpy(
        np.asarray(np.load(os.path.join(dump, name)), dtype=np.float64))
    return (miss("logits", rel_err(load("logits.npy"), logits), logits_err,
                 1e-5) +
            miss("loss", rel_err(load("loss.npy"), loss), loss_err, 1e-5))


def run(args):
    return subprocess.run(args, capture_output=True, text=True, timeout=900)


def tool(bin_dir, name):
    return os.path.join(bin_dir, name) if bin_dir else name


def corrupt(dump, what):
    """Adds 0.1% to the largest logit, or 1% to the largest element of the
    first nonzero gradient dumped (the self-test: such a case must come out
    wrong)."""
    if what == "logits":
        g = np.load(os.path.join(dump, "logits.npy"))
        g.flat[np.abs(g).argmax()] *= 1.001
        np.save(os.path.join(dump, "logits.npy"), g)
        return
    for name in sorted(f for f in os.listdir(dump) if f.startswith("grad.")):
        g = np.load(os.path.join(dump, name))
        if np.abs(g).max() > 0:
            g.flat[np.abs(g).argmax()] *= 1.01
            np.save(os.path.join(dump, name), g)
            return


def new_case(rng, bin_dir, case_dir, causal=False):
    """A fresh case folder with a random description (causal attention if
    asked): its model.json and, if the front end rejects it, the error
    (which names the key), else None."""
    shutil.rmtree(case_dir, ignore_errors=True)
    os.makedirs(case_dir)
    model = os.path.join(case_dir, "model.json")
    config = description(rng)
    if causal:
        config["attention_mask"] = "causal"
        config.pop("prefix_len", None)
    with open(model, "w") as f:
        json.dump(config, f, indent=1)
    p = run([tool(bin_dir, "hrmc"), "import", model, "-o", os.devnull])
    if p.returncode == 1 and "key '" in p.stderr:
        return model, "rejected: " + p.stderr.strip().splitlines()[-1]
    return model, None


def check_case(rng, bin_dir, case_dir, corruption=None):
    """'ok', 'rejected: ...' or 'WRONG: ...' for one random description."""
    model, rejected = new_case(rng, bin_dir, case_dir)
    if rejected:
        return rejected
    art, dump = os.path.join(case_dir, "art"), os.path.join(case_dir, "dump")
    params = os.path.join(case_dir, "params.safetensors")
    flags = ["--batch", str(rng.choice([1, 2, 3])),
             "--seq-len", str(rng.choice([3, 5, 8]))]
    if rng.random() < 0.4:
        flags.append("--fused-attention")
    steps = [[tool(bin_dir, "hrmc"), "compile", model, "-o", art,
              "--train", "--opt-level", "0"] + flags,
             [tool(bin_dir, "hrm-run"), "init", art, "-o", params,
              "--seed", str(rng.randint(0, 99))],
             [tool(bin_dir, "hrm-run"), "eval", art, "--params",
              params, "--text", TEXT, "--batches", "1", "--dump", dump]]
    for step in steps:
        p = run(step)
        if p.returncode != 0:
            return (f"WRONG: {' '.join(step[:2])} {' '.join(flags)} exited "
                    f"{p.returncode}: {p.stderr.strip()[-400:]}")
    if corruption:
        corrupt(dump, corruption)
    problems = []
    for check in ("check.py", "check_grads.py"):
        p = run([sys.executable, os.path.join(HERE, check), model, params,
                 dump])
        if p.returncode == 0:
            continue
        if check == "check.py" and "loss" in p.stdout:
            q_ok = "halt.q" not in p.stdout or float(
                p.stdout.split("halt.q rel err ")[1].split(" ")[0]) < 1e-5
            if q_ok:
                wrong = float32_forward_baseline(model, params, dump)
                if not wrong:
                    continue  # as close as float32 PyTorch gets
                problems += wrong
                continue
        if check == "check_grads.py" and "loss rel err" in p.stdout:
            loss_err = float(p.stdout.split("loss rel err ")[1].split(";")[0])
            if loss_err < 1e-4 and "oracle gradient is zero" not in p.stdout:
                wrong = float32_baseline(model, params, dump)
                if not wrong:
                    continue  # ill-conditioned, as float32 PyTorch is
                problems += wrong
                continue
        problems.append(p.stdout.strip() or p.stderr.strip()[-400:])
    if problems:
        return f"WRONG ({' '.join(flags)}): " + "; ".join(problems)
    return "ok"


def check_decode_case(rng, bin_dir, case_dir):
    """'ok', 'rejected: ...' or 'WRONG: ...': a causal random description's
    greedy continuation with the KV-cached `decode` entry against the one
    that re-runs the whole window."""
    model, rejected = new_case(rng, bin_dir, case_dir, causal=True)
    if rejected:  # (the caches need causal attention)
        return rejected
    params = os.path.join(case_dir, "params.safetensors")
    prompt = "".join(rng.choice("abcdefgh ") for _ in range(rng.randint(1, 4)))
    texts = []
    for name, flags in (("decode", ["--decode"]), ("window", [])):
        art = os.path.join(case_dir, name)
        steps = [[tool(bin_dir, "hrmc"), "compile", model, "-o", art,
                  "--batch", "1", "--seq-len", "8", "--opt-level", "0"] + flags]
        if name == "decode":
            steps.append([tool(bin_dir, "hrm-run"), "init", art, "-o", params,
                          "--seed", str(rng.randint(0, 99))])
        steps.append([tool(bin_dir, "hrm-run"), "generate", art, "--params",
                      params, "--prompt", prompt, "--max-new-tokens",
                      str(8 - len(prompt))])
        for step in steps:
            p = subprocess.run(step, capture_output=True, timeout=900)
            if p.returncode != 0:
                return (f"WRONG: {' '.join(step[:2])} {name} exited "
                        f"{p.returncode}: "
                        f"{p.stderr.decode(errors='replace').strip()[-400:]}")
        texts.append(p.stdout)
    if texts[0] != texts[1]:
        return f"WRONG: decode gave {texts[0]!r}, the window {texts[1]!r}"
    return "ok"


def check_cuda_case(rng, bin_dir, case_dir):
    """'ok', 'rejected: ...' or 'WRONG: ...': a random description's CUDA
    training build (random matmul precision and chips; under bf16 the
    attention is on the tensor cores, at times at head size 16 and 16
    positions, unpadded), whose every kernel ptxas must accept; no GPU
    needed."""
    model, rejected = new_case(rng, bin_dir, case_dir)
    if rejected:
        return rejected
    precision = rng.choice(["f32", "tf32", "bf16"])
    chips = rng.choice(["sm_80,sm_90"] + (["sm_90a"] if precision == "bf16"
                                          else []))
    seq_len = rng.choice([3, 5, 8])
    if precision == "bf16" and rng.random() < 0.5:
        # Head size 16 and 16 positions: the tensor-core attention
        # (hrm-attention-to-mma-sync) without padding or partial tiles.
        with open(model) as f:
            config = json.load(f)
        config.update(d_model=16 * config["n_heads"], max_seq_len=16)
        with open(model, "w") as f:
            json.dump(config, f, indent=1)
        seq_len = 16
    flags = ["--target", "cuda", "--train", "--opt-level", "0",
             "--matmul-precision", precision, "--chips", chips,
             "--batch", str(rng.choice([1, 2, 3])),
             "--seq-len", str(seq_len)]
    p = run([tool(bin_dir, "hrmc"), "compile", model, "-o",
             os.path.join(case_dir, "art")] + flags)
    if p.returncode != 0:
        return f"WRONG ({' '.join(flags)}): {p.stderr.strip()[-400:]}"
    return "ok"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", help="where hrmc and hrm-run are (default: "
                        "the PATH)")
    parser.add_argument("--out", required=True, help="a folder per case")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cases", type=int, default=10)
    parser.add_argument("--corrupt", choices=["logits", "gradient"],
                        help="self-test: alter the largest logit by 0.1%% or "
                        "one gradient by 1%% in every case, which must then "
                        "be wrong")
    parser.add_argument("--decode", action="store_true",
                        help="check KV-cached generation against re-running "
                        "the window instead (causal descriptions)")
    parser.add_argument("--cuda", action="store_true",
                        help="compile CUDA training builds instead, every "
                        "kernel through ptxas (no GPU needed)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    verdicts = []
    for i in range(args.cases):
        case_dir = os.path.join(args.out, f"case{i}")
        if args.decode:
            verdicts.append(check_decode_case(rng, args.bin, case_dir))
        elif args.cuda:
            verdicts.append(check_cuda_case(rng, args.bin, case_dir))
        else:
            verdicts.append(check_case(rng, args.bin, case_dir, args.corrupt))
        print(f"case {i}: {verdicts[-1]} ({case_dir}/model.json)", flush=True)
    count = lambda word: sum(v.startswith(word) for v in verdicts)
    reference = ("the window" if args.decode else
                 "ptxas" if args.cuda else "the oracle")
    print(f"{args.cases} cases: {count('ok')} agree with {reference}, "
          f"{count('rejected')} rejected by the front end, {count('WRONG')} "
          f"wrong")
    return 1 if count("WRONG") else 0


if __name__ == "__main__":
    sys.exit(main())
