//===- Remarks.h - optimization remarks of the hrm passes -------*- C++ -*-===//
//
// The passes report what they transformed (passed), what they could not
// (missed, with the reason) and what they found (analysis) through MLIR's
// remark engine: `hrm-opt --remarks-filter=<regex>` or `hrmc compile
// --remarks=<regex>` print them, matched against the pass's argument.
//
//===----------------------------------------------------------------------===//
#ifndef HRMC_SUPPORT_REMARKS_H
#define HRMC_SUPPORT_REMARKS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Remarks.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Pass/Pass.h"

namespace hrmc {

/// Remark `name` of `pass` about `op`: its category is the pass's argument
/// (what the filters match) and its function the symbol `op` is in.
inline mlir::remark::RemarkOpts
remarkOpts(const mlir::Pass &pass, llvm::StringRef name, mlir::Operation *op) {
  auto opts = mlir::remark::RemarkOpts::name(name).category(pass.getArgument());
  for (mlir::Operation *at = op; at; at = at->getParentOp())
    if (auto symbol = at->getAttrOfType<mlir::StringAttr>(
            mlir::SymbolTable::getSymbolAttrName()))
      return opts.function(symbol.getValue());
  return opts;
}

} // namespace hrmc

#endif // HRMC_SUPPORT_REMARKS_H
