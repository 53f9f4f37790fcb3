"""An independent float64 PyTorch implementation of every hrmc architecture.

Written from the model description reference (docs/model-description.md),
the parameter names (docs/parameters.md) and the hrm dialect reference
(docs/dialect/HrmDialect.md), not from the compiler. It reads a model
description, a .safetensors parameter file and a batch of tokens, and
computes logits and the mean next-token cross-entropy, and, under the
model's gradient schedule, the gradient of that loss with respect to every
parameter (`Model.gradients`).

Gradient schedules (docs/model-description.md): a loop runs A module
applications (N*T fast + N slow for HRM, `steps` or `loops` for a flat
loop). `full` differentiates all of them; `truncated(k)` the last k;
`one_step` the last application of each module (2 for HRM, 1 for a flat
loop). The applications before that window run under torch.no_grad(), and
every carried state entering the window is detached (also one no earlier
application changed, such as HRM's slow state during the first fast steps).
`slow_first(k)` (HRM only, HRM-Text's schedule) differentiates the last
min(N, k-1) slow applications and the last k - min(N, k-1) fast ones; every
other application runs under torch.no_grad() wherever it falls, and nothing
is detached besides (a state no application without gradient wrote keeps
its gradient).

Run it with Debian's interpreter, /usr/bin/python3 (python3-torch).
"""
import json
import math
import os
import struct

import numpy as np
import torch

DT = torch.float64

DEFAULTS = {
    "mlp": "swiglu", "norm": "pre", "final_norm": True, "norm_weight": False,
    "norm_eps": 1e-5, "attention_mask": "causal", "prefix_len": 0,
    "rope": True, "rope_theta": 10000.0, "embed_scale": True,
    "tie_embeddings": False, "injection": "add",
    "fast_injection": "slow+input", "fast_init": "zeros",
    "slow_init": "embedding", "n_layers": 1, "step_embedding": True,
    "state_init": "noise", "state_std": 1.0, "state_seed": 0,
    "train_initial_states": False,
}


def frozen_params(config):
    """The parameters training leaves alone: HRM keeps its fixed initial
    states as buffers (nn.Buffer), unless the description trains them."""
    if config["architecture"] != "hrm" or config["train_initial_states"]:
        return set()
    return {f"{m}.init" for m in ("fast", "slow")
            if config[f"{m}_init"] == "fixed"}


def load_config(path):
    with open(path) as f:
        config = json.load(f)
    return {**DEFAULTS, **config}


def read_safetensors(path):
    dtypes = {"F32": np.float32, "F64": np.float64, "I32": np.int32,
              "I64": np.int64}
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    payload = data[8 + n:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        array = np.frombuffer(payload[begin:end], dtype=dtypes[entry["dtype"]])
        tensors[name] = torch.from_numpy(
            array.reshape(entry["shape"]).astype(np.float64))
    return tensors


def read_batch(dump):
    """The tokens and targets `hrm-run eval --dump` (or `train --dump-steps`)
    wrote into the folder `dump`."""
    load = lambda name: torch.from_numpy(np.load(os.path.join(dump, name)))
    return load("tokens.npy"), load("targets.npy")


def read_noise_draw(dump):
    """The noise sample the dumped run drew (noise_draw.npy; 0 without)."""
    path = os.path.join(dump, "noise_draw.npy")
    return int(np.load(path)) if os.path.exists(path) else 0


def read_trip_count(dump):
    """The loop count the dumped run used (trip_count.npy), or None: the
    description's."""
    path = os.path.join(dump, "trip_count.npy")
    return int(np.load(path)) if os.path.exists(path) else None


def read_halt_last(dump):
    """The halting mask of the dumped run's last segment (halt_last.npy), or
    None: every row at its last segment."""
    path = os.path.join(dump, "halt_last.npy")
    return torch.from_numpy(np.load(path)) if os.path.exists(path) else None


def with_grad_window(config, dump):
    """The config under the gradient window the dumped run used
    (grad_window.npy, a model whose training warms k up): the k of its
    truncated(k) or slow_first(k) replaced by it."""
    path = os.path.join(dump, "grad_window.npy")
    if not os.path.exists(path):
        return config
    grad = config["schedule"]["grad"]
    kind = grad[:grad.index("(")]
    out = dict(config)
    out["schedule"] = dict(config["schedule"],
                           grad=f"{kind}({int(np.load(path))})")
    return out


def hash32(x):
    """lowbias32 on uint32 values held in int64 numpy arrays."""
    m = 0xFFFFFFFF
    x = x & m
    x ^= x >> 16
    x = (x * 0x7FEB352D) & m
    x ^= x >> 15
    x = (x * 0x846CA68B) & m
    x ^= x >> 16
    return x


def random_normal(shape, std, seed, draw=0):
    """hrm.random_normal_like: Box-Muller over hash32 of (seed, draw, row,
    position, feature), as docs/pipeline.md specifies."""
    batch, seq, d = shape
    m = 0xFFFFFFFF
    key = int(hash32(np.array([seed & m], dtype=np.int64))[0])
    key ^= int(hash32(np.array([draw & m], dtype=np.int64))[0])
    b = np.arange(batch, dtype=np.int64)[:, None, None]
    s = np.arange(seq, dtype=np.int64)[None, :, None]
    f = np.arange(d, dtype=np.int64)[None, None, :]
    row = hash32((key + b * 0x9E3779B1 + s * 0x85EBCA77) & m)
    base = (row + 2 * f) & m
    u1 = ((hash32(base) >> 8) + 0.5) / 16777216.0
    u2 = ((hash32((base + 1) & m) >> 8) + 0.5) / 16777216.0
    z = np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * math.pi * u2)
    return torch.from_numpy(z * std)


def grad_window(config, total, distinct):
    """Module applications, out of `total`, that carry gradient."""
    grad = config.get("schedule", {}).get("grad", "full")
    if grad == "full":
        return total
    if grad == "one_step":
        return min(distinct, total)
    for kind in ("truncated(", "slow_first("):
        if grad.startswith(kind) and grad.endswith(")"):
            return min(int(grad[len(kind):-1]), total)
    raise ValueError(f"unknown gradient schedule {grad!r}")


class Model:
    def __init__(self, config, params, dtype=torch.float64, noise_draw=0,
                 trip_count=None, halt_last=None):
        self.c = config
        self.dtype = dtype
        self.noise_draw = noise_draw
        self.trip_count = trip_count
        self.halt_last = halt_last
        self.p = {k: v.to(dtype) for k, v in params.items()}
        self._start = 0  # first application in the gradient window
        self._app = 0
        self._taps = None  # each step's output, under loss_taps = every_step

    def _steps(self, key):
        """A flat loop's count: the run's trip count, if it chose one."""
        return self.c[key] if self.trip_count is None else self.trip_count

    def _window(self, total, distinct):
        self._start = total - grad_window(self.c, total, distinct)
        self._app = 0

    def _apply(self, fn, *args):
        """Runs one module application; before the window, without grad."""
        a = self._app
        self._app += 1
        if a < self._start:
            with torch.no_grad():
                out = fn(*args)
        else:
            out = fn(*args)
        if self._taps is not None:  # with whether it carries gradient
            self._taps.append((out[-1] if isinstance(out, list) else out,
                               a >= self._start))
        return out

    def _detach_at_window(self, *states):
        """The carried states, detached when the next application is the
        first of a window that does not start at 0."""
        if self._app != self._start or self._start == 0:
            return states if len(states) > 1 else states[0]
        out = tuple([t.detach() for t in s] if isinstance(s, list)
                    else s.detach() for s in states)
        return out if len(out) > 1 else out[0]

    # -- pieces ------------------------------------------------------------
    def norm(self, x, name):
        y = x / torch.sqrt((x * x).mean(-1, keepdim=True) + self.c["norm_eps"])
        if self.c["norm_weight"]:
            y = y * self.p[name]
        return y

    def rope(self, x):
        # x: [B, H, S, hd]; rotate adjacent pairs (2i, 2i+1).
        s, hd = x.shape[2], x.shape[3]
        i = torch.arange(hd // 2, dtype=DT)
        freq = self.c["rope_theta"] ** (-2.0 * i / hd)
        angle = torch.arange(s, dtype=DT)[:, None] * freq[None, :]
        cos = torch.cos(angle).to(self.dtype)
        sin = torch.sin(angle).to(self.dtype)
        a, b = x[..., 0::2], x[..., 1::2]
        out = torch.empty_like(x)
        out[..., 0::2] = a * cos - b * sin
        out[..., 1::2] = a * sin + b * cos
        return out

    def attention(self, x, query, prefix):
        c, p = self.c, self.p
        bsz, s, d = x.shape
        h = c["n_heads"]
        hd = d // h
        q_src = x if query is None else query

        def heads(t):
            return t.reshape(bsz, s, h, hd).transpose(1, 2)

        q = heads(q_src @ p[prefix + ".wq"])
        k = heads(x @ p[prefix + ".wk"])
        v = heads(x @ p[prefix + ".wv"])
        if c["rope"]:
            q, k = self.rope(q), self.rope(k)
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
        i = torch.arange(s)[:, None]
        j = torch.arange(s)[None, :]
        mask = c["attention_mask"]
        if mask == "causal":
            hidden = j > i
        elif mask == "prefix":
            hidden = (j > i) & (j >= c["prefix_len"])
        else:
            hidden = torch.zeros(s, s, dtype=torch.bool)
        scores = scores.masked_fill(hidden, float("-inf"))
        out = torch.softmax(scores, -1) @ v
        return out.transpose(1, 2).reshape(bsz, s, d) @ p[prefix + ".wo"]

    def mlp(self, x, prefix):
        p = self.p
        up = x @ p[prefix + ".up"]
        if self.c["mlp"] == "swiglu":
            hidden = torch.nn.functional.silu(x @ p[prefix + ".gate"]) * up
        else:
            hidden = torch.nn.functional.gelu(up, approximate="tanh")
        return hidden @ p[prefix + ".down"]

    def block(self, h, query, prefix):
        norm = self.c["norm"]
        attn, mlp = prefix + ".attn", prefix + ".mlp"
        if norm == "pre":
            q = None if query is None else self.norm(query, attn + "_norm")
            h = h + self.attention(self.norm(h, attn + "_norm"), q, attn)
            return h + self.mlp(self.norm(h, mlp + "_norm"), mlp)
        if norm == "post":
            h = self.norm(h + self.attention(h, query, attn), attn + "_norm")
            return self.norm(h + self.mlp(h, mlp), mlp + "_norm")
        q = None if query is None else self.norm(query, attn + "_norm")
        a = self.attention(self.norm(h, attn + "_norm"), q, attn)
        h = h + self.norm(a, attn + "_post_norm")
        m = self.mlp(self.norm(h, mlp + "_norm"), mlp)
        return h + self.norm(m, mlp + "_post_norm")

    def stack(self, name, layers, h, injection=None, final_norm=False):
        if injection is not None:
            kind = self.c["injection"]
            if kind == "add":
                h = h + injection
            elif kind == "concat_linear":
                h = torch.cat([h, injection], -1) @ self.p[name + ".inject"]
        for layer in range(layers):
            h = self.block(h, None, f"{name}.blocks.{layer}")
        if final_norm:
            h = self.norm(h, name + ".final_norm")
        return h

    def initial(self, kind, name, x):
        if kind == "zeros":
            return torch.zeros_like(x)
        if kind == "embedding":
            return x
        if kind == "fixed":
            return self.p[name].expand_as(x).clone()
        raise ValueError(kind)

    # -- architectures -------------------------------------------------------
    def hrm(self, x):
        return self._hrm_segments(x)[1]

    def _hrm_segments(self, x):
        c = self.c
        zf = self.initial(c["fast_init"], "fast.init", x)
        zs = self.initial(c["slow_init"], "slow.init", x)
        # Deep supervision: each segment starts from the detached states
        # the last one ended with; only the last one's loss is differentiated
        # here (the earlier ones were earlier optimizer steps).
        segments = c.get("segments", 1)
        for k in range(segments):
            with torch.set_grad_enabled(k == segments - 1 and
                                        torch.is_grad_enabled()):
                if k > 0:
                    zf, zs = zf.detach(), zs.detach()
                zf, zs = self._hrm_segment(x, zf, zs)
        return zf, zs

    def q_head(self, zs):
        """HRM's halting head: (halt, continue) logits from one position."""
        pos = -1 if self.c["halting"].get("position") == "last" else 0
        return zs[:, pos] @ self.p["halt.weight"] + self.p["halt.bias"]

    def halting_loss(self, tokens, targets):
        """HRM's ACT loss for the last segment: the cross-entropy plus
        weight / batch x (bce(q_halt, sequence correct) + bce(q_continue,
        sigmoid of the head one segment later: its halt logit at a row's
        last segment, the larger logit before)). Returns (loss, q, the
        sequences every target of which is the argmax)."""
        x = self.embed(tokens)
        tapped = self.c.get("loss_taps", "last") != "last"
        self._taps = [] if tapped else None
        zf, zs = self._hrm_segments(x)
        logits = self.head(zs)
        if tapped:  # the last segment's cycles' losses
            taps, self._taps = self._taps, None
            lm = self._tap_loss(taps, targets)
        else:
            lm = cross_entropy(logits, targets)
        q = self.q_head(zs)
        with torch.no_grad():
            picked = logits.gather(-1, targets.long()[..., None])[..., 0]
            correct = (picked >= logits.max(-1).values).all(-1).to(q.dtype)
            _, next_zs = self._hrm_segment(x, zf.detach(), zs.detach())
            nq = self.q_head(next_zs)
            last = (torch.ones(q.shape[0], dtype=torch.bool)
                    if self.halt_last is None else self.halt_last != 0)
            target = torch.sigmoid(
                torch.where(last, nq[:, 0], torch.maximum(nq[:, 0], nq[:, 1])))
        bce = torch.nn.functional.binary_cross_entropy_with_logits
        halt = (bce(q[:, 0], correct, reduction="sum") +
                bce(q[:, 1], target, reduction="sum"))
        weight = self.c["halting"].get("loss_weight", 0.5)
        return lm + weight * halt / q.shape[0], q, correct

    def _hrm_segment(self, x, zf, zs):
        c = self.c
        injected = c["injection"] != "none"
        self._window(c["N"] * c["T"] + c["N"], 2)
        with_input = c["fast_injection"] == "slow+input"
        fast = lambda zf, zs: self.stack(
            "fast", c["fast_layers"], zf,
            (zs + x if with_input else zs) if injected else None,
            c["final_norm"])
        slow = lambda zs, zf: self.stack(
            "slow", c["slow_layers"], zs, zf if injected else None,
            c["final_norm"])
        grad = c.get("schedule", {}).get("grad", "full")
        if grad.startswith("slow_first("):
            return self._hrm_slow_first(int(grad[len("slow_first("):-1]),
                                        fast, slow, zf, zs)
        for _ in range(c["N"]):
            for _ in range(c["T"]):
                zf, zs = self._detach_at_window(zf, zs)
                zf = self._apply(fast, zf, zs)
            zf, zs = self._detach_at_window(zf, zs)
            zs = self._apply(slow, zs, zf)
        return zf, zs

    def _hrm_slow_first(self, k, fast, slow, zf, zs):
        """HRM-Text's schedule: gradient through the last `slow_grad` slow
        and the last `fast_grad` fast applications only."""
        n, t = self.c["N"], self.c["T"]
        slow_grad = max(0, min(n, k - 1))
        fast_grad = min(k - slow_grad, n * t)

        def run(enabled, fn, *args):
            if enabled:
                return fn(*args)
            with torch.no_grad():
                return fn(*args)

        for i in range(n):
            for j in range(t):
                enabled = i * t + j >= n * t - fast_grad
                zf = run(enabled, fast, zf, zs)
                if self._taps is not None:
                    self._taps.append((zf, enabled))
            zs = run(i >= n - slow_grad, slow, zs, zf)
            if self._taps is not None:
                self._taps.append((zs, i >= n - slow_grad))
        return zf, zs

    def transformer(self, x):
        return self.stack("blocks", self.c["n_layers"], x)

    def universal(self, x):
        self._window(self.c["steps"], 1)

        def step(states, i):
            h = states[0]
            if self.c["step_embedding"]:
                h = h + self.p["step_embedding"][i]
            return h, [self.stack("shared", self.c["n_layers"], h)]
        return self._loop([x], 0, step, self.c["steps"])

    def _loop(self, states, output, step, steps):
        """A flat loop: step(states, i) gives the pondering unit's input and
        the next states; returns state `output`, or with `act` that state
        weighted by its steps' halting probabilities."""
        if self.c.get("act") is None:
            for i in range(steps):
                states = self._detach_at_window(*states)
                states = list(states) if isinstance(states, tuple) else [states]
                states = self._apply(lambda *s: step(list(s), i)[1], *states)
            return states[output]
        return self._act(states, output, step, steps)

    def _act(self, states, output, body, steps):
        """ACT per position (tensor2tensor's universal_transformer_act): a
        halting probability per position and step; the output mixes each
        step's state by its weight. Runs all `steps`: a halted position's
        weight is 0 from then on."""
        threshold = self.c["act"].get("threshold", 0.99)
        n = len(states)
        like = states[output]
        zeros = like.new_zeros(like.shape[:-1] + (1,))

        def step(*carried):
            *carried, i = carried
            out, halting, remainders, updates = carried[n:]
            h, nxt = body(carried[:n], i)
            t = nxt[output]
            p = torch.sigmoid(h @ self.p["act.weight"] + self.p["act.bias"])
            with torch.no_grad():
                was = (halting < 1.0).to(t.dtype)
                new_halt = ((halting + p * was) > threshold).to(t.dtype) * was
                running = ((halting + p * was) <= threshold).to(t.dtype) * was
            halting = halting + p * running
            remainders = remainders + new_halt * (1 - halting)
            halting = halting + new_halt * remainders
            updates = updates + running + new_halt
            w = p * running + new_halt * remainders
            return nxt + [t * w + out * (1 - w), halting, remainders, updates]

        state = list(states) + [torch.zeros_like(like), zeros, zeros, zeros]
        for i in range(steps):
            state = self._apply(step, *self._detach_at_window(*state), i)
        self._ponder = (state[n + 2], state[n + 3])
        return state[n]

    def looped(self, x):
        self._window(self._steps("loops"), 1)

        def step(states, _):
            # With act, the pondering unit reads the step's input before
            # its norm: x0 + h, the embedding at the first step.
            h = states[0] + x
            inner = self.norm(h, "stack.inject_norm")
            for layer in range(self.c["n_layers"]):
                inner = self.block(inner, None, f"stack.blocks.{layer}")
            return h, [inner]
        return self._loop([torch.zeros_like(x)], 0, step,
                          self._steps("loops"))

    def fully_looped(self, x):
        x0 = self.norm(x, "stack.input_norm")
        self._window(self._steps("loops"), 1)

        def step(prev, _):
            # With act, the pondering unit reads the previous loop's output.
            h, outs = x0, []
            for layer in range(self.c["n_layers"]):
                h = self.block(h, prev[layer], f"stack.blocks.{layer}")
                outs.append(h)
            return prev[-1], outs
        layers = self.c["n_layers"]
        return self._loop([x0] * layers, layers - 1, step,
                          self._steps("loops"))

    def recurrent_depth(self, x):
        c = self.c
        e = self.stack("prelude", c["prelude_layers"], x)
        if c["state_init"] == "zeros":
            s = torch.zeros_like(e)
        else:
            s = random_normal(tuple(e.shape), c["state_std"],
                              c["state_seed"], self.noise_draw).to(self.dtype)
        self._window(self._steps("steps"), 1)

        def step(s):
            h = torch.cat([s, e], -1) @ self.p["core.inject"]
            for layer in range(c["core_layers"]):
                h = self.block(h, None, f"core.blocks.{layer}")
            return h
        for _ in range(self._steps("steps")):
            s = self._apply(step, self._detach_at_window(s))
        return self.stack("coda", c["coda_layers"], s)

    def embed(self, tokens):
        c = self.c
        x = self.p["embed"][tokens.long()]
        if c["embed_scale"]:
            x = x * math.sqrt(c["d_model"])
        return x

    def logits(self, tokens):
        return self.head(getattr(self, self.c["architecture"])(
            self.embed(tokens)))

    def head(self, h):
        """The final norm (non-HRM) and the head: hidden state -> logits."""
        c, p = self.c, self.p
        if c["architecture"] != "hrm" and c["final_norm"]:
            h = self.norm(h, "final_norm")
        return h @ (p["embed"].T if c["tie_embeddings"] else p["lm_head"])

    def loss(self, tokens, targets):
        if self.c.get("halting") is not None:
            return self.halting_loss(tokens, targets)[0]
        if self.c.get("act") is not None:
            # The cross-entropy plus ACT's ponder cost: the mean over
            # positions of the steps taken and the last step's remainder.
            ce = cross_entropy(self.logits(tokens), targets)
            remainders, updates = self._ponder
            weight = self.c["act"].get("ponder_weight", 0.01)
            return ce + weight * (remainders + updates).mean()
        if self.c.get("loss_taps", "last") == "last":
            return cross_entropy(self.logits(tokens), targets)
        self._taps = []
        self.logits(tokens)
        taps, self._taps = self._taps, None
        return self._tap_loss(taps, targets)

    def _tap_loss(self, taps, targets):
        """The mean over the loop's steps (every one, or the listed 1-based
        steps) of each step's loss, or the weighted sum over the listed
        steps ({"steps": [...], "weights": [...]}), from the (state, with
        gradient) pairs the loop recorded; a step before the gradient
        window runs without gradient, its loss included. On an hrm model a
        step is a cycle, its state the slow one, and with segments the
        cycles are the last segment's; recurrent depth reads a step's state
        out through the coda, as the last one."""
        tapped = self.c["loss_taps"]
        if self.c["architecture"] == "hrm":
            per_segment = self.c["N"] * (self.c["T"] + 1)
            taps = taps[-per_segment:][self.c["T"]::self.c["T"] + 1]
        if isinstance(tapped, dict):
            steps, weights = tapped["steps"], tapped["weights"]
        elif tapped == "every_step":
            steps = range(1, len(taps) + 1)
            weights = [1.0 / len(taps)] * len(taps)
        else:
            steps, weights = tapped, [1.0 / len(tapped)] * len(tapped)
        total = 0
        for s, w in zip(steps, weights):
            h, grad = taps[s - 1]
            with torch.set_grad_enabled(grad and torch.is_grad_enabled()):
                if self.c["architecture"] == "recurrent_depth":
                    # read out through the coda, as the last step is
                    h = self.stack("coda", self.c["coda_layers"], h)
                total = total + w * cross_entropy(self.head(h), targets)
        return total


def cross_entropy(logits, targets):
    """The mean next-token cross-entropy."""
    lse = torch.logsumexp(logits, -1)
    picked = logits.gather(-1, targets.long()[..., None])[..., 0]
    return (lse - picked).mean()


def gradients(config, params, tokens, targets, noise_draw=0, trip_count=None,
              halt_last=None):
    """The loss and d loss / d parameter for every trainable parameter, in
    float64, under the model's gradient schedule."""
    frozen = frozen_params(config)
    leaves = {k: v.to(DT).clone().requires_grad_(k not in frozen)
              for k, v in params.items()}
    model = Model(config, {}, dtype=DT, noise_draw=noise_draw,
                  trip_count=trip_count, halt_last=halt_last)
    model.p = leaves
    loss = model.loss(tokens, targets)
    names = [n for n in leaves if n not in frozen]
    grads = torch.autograd.grad(loss, [leaves[n] for n in names],
                                allow_unused=True)
    out = {}
    for n, g in zip(names, grads):
        out[n] = torch.zeros_like(leaves[n]) if g is None else g.detach()
    return float(loss), out
