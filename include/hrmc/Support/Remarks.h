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
#include "mlir/IR/Location.h"
#include "mlir/IR/Remarks.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Pass/Pass.h"

#include <utility>

namespace hrmc {

/// Where a remark about an op goes, taken before a rewrite erases the op:
/// its location, the symbol it is in, and the layer of the description it
/// came from (the front end names each layer's ops after its parameters;
/// lowered ops keep the name).
struct RemarkSite {
  RemarkSite(mlir::Operation *op) : loc(op->getLoc()) {
    for (mlir::Operation *at = op; at; at = at->getParentOp())
      if (auto symbol = at->getAttrOfType<mlir::StringAttr>(
              mlir::SymbolTable::getSymbolAttrName())) {
        function = symbol.getValue();
        break;
      }
    if (auto name = loc->findInstanceOf<mlir::NameLoc>())
      layer = name.getName().getValue();
  }
  /// Any op class or interface.
  template <typename OpT,
            typename = decltype(std::declval<OpT>().getOperation())>
  RemarkSite(OpT op) : RemarkSite(op.getOperation()) {}

  mlir::Location loc;
  llvm::StringRef function, layer;
};

namespace detail {
using EmitFn = mlir::remark::detail::InFlightRemark (*)(
    mlir::Location, mlir::remark::RemarkOpts);
inline mlir::remark::detail::InFlightRemark emit(EmitFn fn,
                                                 const mlir::Pass &pass,
                                                 llvm::StringRef name,
                                                 const RemarkSite &site) {
  auto opts = mlir::remark::RemarkOpts::name(name)
                  .category(pass.getArgument())
                  .function(site.function);
  mlir::remark::detail::InFlightRemark r = fn(site.loc, opts);
  if (!site.layer.empty())
    r << mlir::remark::metric("layer", site.layer);
  return r;
}
} // namespace detail

/// Remark `name` of `pass` at `site`: its category is the pass's argument
/// (what the filters match).
inline mlir::remark::detail::InFlightRemark
remarkPassed(const mlir::Pass &pass, llvm::StringRef name,
             const RemarkSite &site) {
  return detail::emit(&mlir::remark::passed, pass, name, site);
}
inline mlir::remark::detail::InFlightRemark
remarkMissed(const mlir::Pass &pass, llvm::StringRef name,
             const RemarkSite &site) {
  return detail::emit(&mlir::remark::missed, pass, name, site);
}
inline mlir::remark::detail::InFlightRemark
remarkAnalysis(const mlir::Pass &pass, llvm::StringRef name,
               const RemarkSite &site) {
  return detail::emit(&mlir::remark::analysis, pass, name, site);
}

} // namespace hrmc

#endif // HRMC_SUPPORT_REMARKS_H
