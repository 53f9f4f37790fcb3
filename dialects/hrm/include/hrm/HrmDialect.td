//===- HrmDialect.td - the hrm dialect ---------------------*- tablegen -*-===//
#ifndef HRM_DIALECT_TD
#define HRM_DIALECT_TD

include "mlir/IR/OpBase.td"

def Hrm_Dialect : Dialect {
  let name = "hrm";
  let cppNamespace = "::mlir::hrm";
  let summary = "Recurrent transformer graphs with shared weights";
  let description = [{
    The `hrm` dialect describes language models whose depth comes from
    recurrence over shared weights: the hierarchical reasoning model (a fast
    module applied every step and a slow module every T steps, for N cycles),
    universal and looped transformers, recurrent-depth models and, as the
    degenerate case, a flat transformer.

    Shared parameters are symbols (`hrm.param`) inside an `hrm.model`; every
    use reads them through `hrm.weight`, so unrolled or rolled steps refer to
    one parameter and never to copies. Modules (`hrm.module`) are named stacks
    of transformer blocks applied with `hrm.apply`. Loops (`hrm.hier_loop`,
    `hrm.loop`) carry their unroll, gradient and memory schedules as the
    first-class `#hrm.schedule` attribute.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
  }];
}

class Hrm_Op<string mnemonic, list<Trait> traits = []>
    : Op<Hrm_Dialect, mnemonic, traits>;

#endif // HRM_DIALECT_TD
