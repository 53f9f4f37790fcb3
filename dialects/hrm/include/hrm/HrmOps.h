//===- HrmOps.h - hrm operations --------------------------------*- C++ -*-===//
#ifndef HRM_HRMOPS_H
#define HRM_HRMOPS_H

#include "hrm/HrmAttrs.h"
#include "hrm/HrmDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "hrm/HrmOps.h.inc"

namespace mlir::hrm {
/// The `window` operand of an hrm.loop or hrm.hier_loop (a gradient window
/// known only at run time), or null.
Value runTimeGradWindow(Operation *loop);
} // namespace mlir::hrm

#endif // HRM_HRMOPS_H
