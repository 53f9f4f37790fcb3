//===- Train.h - hrm-run train ----------------------------------*- C++ -*-===//
#ifndef HRMC_TOOLS_HRM_RUN_TRAIN_H
#define HRMC_TOOLS_HRM_RUN_TRAIN_H

#include "hrmrt/Model.h"

/// Whether `hrm-run train` was chosen on the command line.
bool trainSelected();
/// Model::load on the device `--device` names, with `--cuda-graph` applied.
llvm::Expected<std::unique_ptr<hrmrt::Model>>
loadOnSelectedDevice(llvm::StringRef dir,
                     llvm::ArrayRef<std::string> entries = {});
int runTrain();

#endif // HRMC_TOOLS_HRM_RUN_TRAIN_H
