//===- HrmAttrs.td - hrm enums and attributes --------------*- tablegen -*-===//
#ifndef HRM_ATTRS_TD
#define HRM_ATTRS_TD

include "hrm/HrmDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Hrm_MaskKind : I32EnumAttr<"MaskKind", "attention mask", [
    I32EnumAttrCase<"causal", 0>,
    I32EnumAttrCase<"bidirectional", 1>,
    I32EnumAttrCase<"prefix", 2>]> {
  let cppNamespace = "::mlir::hrm";
}

def Hrm_MlpKind : I32EnumAttr<"MlpKind", "MLP variant", [
    I32EnumAttrCase<"swiglu", 0>,
    I32EnumAttrCase<"gelu", 1>]> {
  let cppNamespace = "::mlir::hrm";
}

def Hrm_InitKind : I32EnumAttr<"InitKind", "parameter initialisation", [
    I32EnumAttrCase<"normal", 0>,
    I32EnumAttrCase<"trunc_normal", 1>,
    I32EnumAttrCase<"zeros", 2>,
    I32EnumAttrCase<"ones", 3>,
    I32EnumAttrCase<"constant", 4>]> {
  let cppNamespace = "::mlir::hrm";
  let genSpecializedAttr = 0;
}

def Hrm_UnrollKind : I32EnumAttr<"UnrollKind", "unroll schedule", [
    I32EnumAttrCase<"rolled", 0>,
    I32EnumAttrCase<"factor", 1>,
    I32EnumAttrCase<"full", 2>]> {
  let cppNamespace = "::mlir::hrm";
  let genSpecializedAttr = 0;
}

def Hrm_GradKind : I32EnumAttr<"GradKind", "gradient schedule", [
    I32EnumAttrCase<"full", 0>,
    I32EnumAttrCase<"truncated", 1>,
    I32EnumAttrCase<"one_step", 2>,
    I32EnumAttrCase<"slow_first", 3>]> {
  let cppNamespace = "::mlir::hrm";
  let genSpecializedAttr = 0;
}

def Hrm_MemoryPolicy : I32EnumAttr<"MemoryPolicy", "activation memory policy", [
    I32EnumAttrCase<"keep", 0>,
    I32EnumAttrCase<"recompute", 1>]> {
  let cppNamespace = "::mlir::hrm";
  let genSpecializedAttr = 0;
}
def Hrm_MemoryPolicyAttr : EnumAttr<Hrm_Dialect, Hrm_MemoryPolicy, "memory"> {
  let assemblyFormat = "`<` $value `>`";
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

class Hrm_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Hrm_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def Hrm_InitAttr : Hrm_Attr<"Init", "init"> {
  let summary = "how a parameter is initialised";
  let description = [{
    `normal(std)` and `trunc_normal(std)` draw from a normal distribution with
    the given standard deviation (truncated at two standard deviations);
    `zeros` and `ones` fill, and `constant(v)` fills with `v` (held in the
    `std` parameter; a halting head's bias starts at -5).

    ```mlir
    #hrm.init<trunc_normal(0.125)>
    #hrm.init<ones>
    #hrm.init<constant(-5.0)>
    ```
  }];
  let parameters = (ins "InitKind":$kind, "::llvm::APFloat":$std);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

def Hrm_ScheduleAttr : Hrm_Attr<"Schedule", "schedule"> {
  let summary = "unroll, gradient and memory schedule of a loop";
  let description = [{
    - `unroll`: `rolled` keeps the loop (code size independent of the trip
      count), `factor(k)` unrolls k steps per iteration, `full` unrolls all.
      For `hrm.hier_loop`, k counts fast steps and must hold whole slow
      cycles.
    - `grad`: `full` differentiates every step (BPTT), `truncated(k)` only the
      last k module applications (earlier ones run without gradient and the
      carried state is detached), `one_step` only the last application of
      each module (HRM's one-step gradient). `slow_first(k)` (HRM-Text's
      schedule, `hrm.hier_loop` only) gives gradient to k applications
      chosen per module, slow ones first: the last min(N, k - 1) slow
      applications and the last k - min(N, k - 1) fast ones. Every other
      application runs without gradient wherever it falls, so its result is
      detached, while a state it leaves unchanged keeps its gradient (no
      carried state is detached at a window start).
    - `memory`: what the forward pass stores for the backward pass inside the
      gradient window: `keep` every activation, `recompute` only the state at
      each step boundary.

    ```mlir
    #hrm.schedule<unroll = factor(3), grad = truncated(4), memory = recompute>
    #hrm.schedule<unroll = rolled, grad = slow_first(3), memory = keep>
    ```
  }];
  let parameters = (ins "UnrollKind":$unroll, "int64_t":$unrollFactor,
                        "GradKind":$grad, "int64_t":$gradSteps,
                        "MemoryPolicy":$memory);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Module applications, out of `total`, that carry gradient.
    int64_t gradientApplications(int64_t total, int64_t distinctModules) const;

    /// Why this schedule cannot drive a loop of `cycles` iterations (named
    /// `cyclesName`) of `cycleLength` steps and `applications` module
    /// applications in all; empty when it can.
    std::string diagnoseLoop(int64_t cycles, StringRef cyclesName,
                             int64_t cycleLength, int64_t applications) const;
  }];
}

#endif // HRM_ATTRS_TD
