//===- Train.h - hrm-run train ----------------------------------*- C++ -*-===//
#ifndef HRMC_TOOLS_HRM_RUN_TRAIN_H
#define HRMC_TOOLS_HRM_RUN_TRAIN_H

#include "hrmrt/Model.h"

/// The device `--device` names (auto, cpu or cuda), for every subcommand.
llvm::Expected<hrmrt::Device> selectedDevice();

/// Whether `hrm-run train` was chosen on the command line.
bool trainSelected();
int runTrain();

#endif // HRMC_TOOLS_HRM_RUN_TRAIN_H
