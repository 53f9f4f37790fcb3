//===- ModelBuilder.h - model description -> hrm IR ------------*- C++ -*-===//
#ifndef HRMC_FRONTEND_MODELBUILDER_H
#define HRMC_FRONTEND_MODELBUILDER_H

#include "hrmc/FrontEnd/ModelConfig.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace hrmc {

/// Loads the dialects the front end emits into `context`.
void loadFrontEndDialects(mlir::MLIRContext &context);

/// Builds a verified builtin module holding one `hrm.model` for `config`,
/// with the entry points `@logits(tokens)` and `@loss(tokens, targets)`.
/// Fails (after reporting through the context's diagnostics) if the result
/// does not verify.
mlir::OwningOpRef<mlir::ModuleOp> buildModel(const ModelConfig &config,
                                             mlir::MLIRContext &context);

} // namespace hrmc

#endif // HRMC_FRONTEND_MODELBUILDER_H
