//===- Passes.td - hrm passes ------------------------------*- tablegen -*-===//
#ifndef HRMC_TRANSFORMS_PASSES_TD
#define HRMC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def HrmUnroll : Pass<"hrm-unroll"> {
  let summary = "Unrolls hrm loops as their schedules say";
  let description = [{
    Each `hrm.hier_loop` and `hrm.loop` is rewritten by its
    `#hrm.schedule` unroll kind:

    - `rolled`: left as it is.
    - `full`: replaced by straight-line code: N*T fast and N slow step bodies
      (or `steps` bodies of a flat loop), with the step index as a constant.
      Every copy reads the same `hrm.param` symbols. The gradient schedule is
      kept by placing `hrm.detach` on the carried states where the gradient
      window begins, and the memory policy is recorded on every unrolled
      `hrm.apply`. Under `slow_first(k)` each application without gradient
      has its result detached instead, and only the chosen applications
      carry the memory policy.
    - `factor(k)`: a flat loop keeps looping with k bodies per iteration; a
      hierarchical loop becomes an `hrm.loop` over N/(k/T) iterations whose
      body holds k/T whole cycles. A gradient window (truncated or one-step)
      that starts on an iteration boundary becomes the new loop's window,
      counted in iterations. One that starts inside an iteration is peeled:
      the iterations before it stay a loop (its results reach the loss only
      through the detach, so `hrm-autodiff` stores nothing for it), the
      iteration the window starts in is straight-line code with
      `hrm.detach` at the window start and the memory policy on its window
      applications, and the iterations after it are a loop with a full
      window. The code holds at most two copies of the unrolled body,
      whatever N and T. Under `slow_first(k)` which applications carry
      gradient changes at most four times over the iterations: each run of
      iterations with one pattern is a loop with a full window (straight-
      line code when it is one iteration) whose applications without
      gradient have their result detached; a run without gradient has its
      results detached instead. At most five copies of the body.

    With `force=full` or `force=rolled` every loop is treated so, whatever
    its schedule.

    Remarks (docs/remarks.md): `unroll`, passed for each loop unrolled (the
    kind, and the step bodies or the factor), analysis for each kept rolled.
  }];
  let options = [
    Option<"force", "force", "std::string", /*default=*/"\"\"",
           "Ignore the schedules and unroll every loop this way (full or rolled)">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def HrmPrintStats : Pass<"hrm-print-stats", "::mlir::ModuleOp"> {
  let summary = "Prints parameter, FLOP and activation-memory counts of each model";
  let description = [{
    For every `hrm.model`: the parameter count; forward matmul FLOPs per
    token at the given sequence length; training FLOPs per token under the
    model's gradient schedule (backward = 2x forward inside the gradient
    window, plus one extra forward of the window under `memory = recompute`);
    and the activation memory the backward pass must hold, in bytes per token
    and for one batch. See docs/stats.md for the formulas.
  }];
  let options = [
    Option<"seqLen", "seq-len", "int64_t", /*default=*/"0",
           "Sequence length (default: the model's max_seq_len)">,
    Option<"batch", "batch", "int64_t", /*default=*/"1",
           "Batch size for the activation memory total">,
    Option<"json", "json", "bool", /*default=*/"false",
           "Print JSON instead of text">
  ];
}

def HrmAutodiff : Pass<"hrm-autodiff", "::mlir::ModuleOp"> {
  let summary = "Builds the training entry point: the loss and its parameter gradients";
  let description = [{
    Runs after `convert-hrm-to-func` (parameters are function arguments) and
    before `convert-hrm-loops-to-scf` (the loops still carry their
    schedules). For the entry point `entry` (a function returning a 0-d
    loss) it adds `@<entry>_grad` with the same arguments, returning the
    loss followed by the gradient of every `hrm.param` argument that is not
    `hrm.frozen` (tagged `hrm.grad`). Reverse mode:

    - Every differentiated function `f` (a module function or a loop step)
      gets `f_fwd`, returning its results and the values its backward needs,
      `f_bwd`, taking those values, and `f_vjp`, which recomputes them. The
      compute ops' gradients are the `hrm.*_grad` ops. An `hrm.rmsnorm`
      output that a gradient op reads (attention's, the MLP's, a linear
      layer's or the head's input) is not among those values: the backward
      makes it again from the norm's input, which the norm's gradient
      reads anyway.
    - A rolled `hrm.hier_loop` or `hrm.loop` keeps one `scf.for` per phase:
      the applications before the gradient window run forward only (their
      state is detached), the window's applications store what the backward
      needs in stacks indexed by application, and the backward loop walks
      the window in reverse. `memory = keep` stacks each step's `_fwd`
      values; `memory = recompute` stacks only the carried states and calls
      `_vjp`. Step code is never unrolled, so the IR size does not grow with
      N x T. Under `slow_first(k)` the window runs from the first
      application with gradient; one of its applications without gradient
      (told apart by an `scf.if` on the step index) is a plain call that
      stores nothing, and in the backward zeroes the gradient of the state
      it wrote and passes the other on; the initial state it did not
      overwrite keeps its gradient.
    - Unrolled code (straight-line calls) follows each call's `hrm.memory`
      and stops at `hrm.detach`.
    - The gradients of every use of a shared parameter are summed into that
      parameter's one gradient. The sums are passed into each backward
      function (`_bwd`, `_vjp`), which adds a weight's gradient into its
      sum where the gradient op makes it and returns the sum, so that the
      backward loop's sums are updated in place through the step's and the
      module's backward instead of each returning a set of gradients to
      add.
    - A loss that taps listed steps (`hrm.cross_entropy ... at %i taps`)
      makes its head's logits again in the backward instead of saving them
      at every step, and a final norm that feeds only the head too (from
      its input, which the norm's gradient reads anyway), so that
      `hrm-guard-loss-taps` can run the norm only where the step taps.

    Remarks (docs/remarks.md): `differentiate`, passed on the entry, with
    the functions differentiated, the rolled windows, their stacks and the
    norm outputs made again in the backward.
  }];
  let options = [
    Option<"entry", "entry", "std::string", /*default=*/"\"loss\"",
           "The entry point to differentiate">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

def HrmGuardLossTaps : Pass<"hrm-guard-loss-taps"> {
  let summary = "Computes a loss tap's head, loss and their gradients only at the steps that tap";
  let description = [{
    A loop whose loss taps a list of steps (`hrm.cross_entropy ... at %i
    taps [...]`) multiplies the loss of every other step by 0; its head
    (the final norm, the `lm_head` matmul over the vocabulary) and, in the
    training graph, the head's backward still ran at every step. Runs after
    `convert-hrm-loops-to-scf` (and `hrm-autodiff`), on every block that
    holds such an op:

    - `hrm.cross_entropy` with a step: the ops of its block that its logits
      depend on and that serve nothing else (the head, the final norm
      where nothing else reads it, and a call of a function whose body is
      pure ops, such as recurrent depth's coda, or in unrolled code the
      last step's module application when only the head reads it; not the
      loss's step, targets or sum) move with it into an `scf.if` on whether
      the step taps (a listed step whose weight, if weights are given, is
      not 0). Otherwise the loss sum passes through unchanged. The logits
      may also leave the block (a training step saves them for the loss
      gradient): elsewhere they are left unwritten (`tensor.empty`); the
      loss gradient's lowering selects 0 at an untapped step rather than
      multiplying by 0, so it reads nothing of them.
    - `hrm.cross_entropy_grad` with a step: it (with the `hrm.lm_head`
      that makes its logits, when that serves it alone: `hrm-autodiff`
      makes a listed-steps loss's logits again in the backward, and the
      `hrm.rmsnorm` that head reads, when only it and the gradient ops below
      read that) and the
      gradient ops that its result flows into (`hrm.linear_grad`, `hrm.rmsnorm_grad`, and sums
      of two of their results) move into an `scf.if` together with the sums
      that add one of their results into another gradient (`linalg.add` or
      `hrm.add`); otherwise those sums pass their other operand through and
      other uses get zeros.

    The numbers are those of the unguarded graph (whose untapped terms are
    exact zeros). Blocks where the ops cannot move (a value they use is
    made after a use of theirs) and values of dynamic shape (before
    `hrm-specialize-shapes`) are left alone.

    Remarks (docs/remarks.md): `guard`, passed for each tapped loss or loss
    gradient put under an `scf.if` (the ops moved), missed for one left to
    run at every step.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // HRMC_TRANSFORMS_PASSES_TD
