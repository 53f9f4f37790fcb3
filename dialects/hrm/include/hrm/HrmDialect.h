//===- HrmDialect.h - the hrm dialect ---------------------------*- C++ -*-===//
#ifndef HRM_HRMDIALECT_H
#define HRM_HRMDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Dialect.h"

#include "hrm/HrmDialect.h.inc"

#endif // HRM_HRMDIALECT_H
