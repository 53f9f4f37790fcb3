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
      `hrm.apply`.
    - `factor(k)`: a flat loop keeps looping with k bodies per iteration; a
      hierarchical loop becomes an `hrm.loop` over N/(k/T) iterations whose
      body holds k/T whole cycles. Only a `full` gradient schedule can be
      partially unrolled; otherwise the pass fails with an error naming the
      loop.

    With `force=full` or `force=rolled` every loop is treated so, whatever
    its schedule.
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

#endif // HRMC_TRANSFORMS_PASSES_TD
