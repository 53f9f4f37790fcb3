//===- HrmDialect.cpp - the hrm dialect -----------------------------------===//
#include "hrm/HrmDialect.h"
#include "hrm/HrmAttrs.h"
#include "hrm/HrmOps.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::hrm;

#include "hrm/HrmDialect.cpp.inc"

void HrmDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "hrm/HrmOps.cpp.inc"
      >();
  registerAttributes();
}
