//===- Optimizer.h - AdamW with clipping and a learning-rate schedule -*- C++ -*-===//
#ifndef HRMRT_OPTIMIZER_H
#define HRMRT_OPTIMIZER_H

#include "hrmrt/Tensor.h"

#include <array>
#include <string>
#include <vector>

namespace hrmrt {

struct AdamWConfig {
  double lr = 3e-3;
  double minLr = 3e-4;       // the cosine schedule's floor
  int64_t warmup = 0;        // linear warm-up steps
  int64_t totalSteps = 1000; // where the cosine schedule reaches minLr
  bool cosine = true;        // false: constant after warm-up
  double beta1 = 0.9, beta2 = 0.95, eps = 1e-8;
  double weightDecay = 0.1; // on matrices only, decoupled (AdamW)
  double clipNorm = 1.0;    // global gradient norm bound; 0: no clipping
};

/// The learning rate at 0-based `step`.
double learningRate(const AdamWConfig &config, int64_t step);

/// The slots of the hyperparameter vector (float64) that a compiled
/// training step (`train_step`, hrm-adamw-entry) takes as its `adamw` input.
enum AdamWSlot : int64_t {
  kAdamWLr,
  kAdamWBeta1,
  kAdamWBeta2,
  kAdamWEps,
  kAdamWWeightDecay,
  kAdamWClipNorm,
  kAdamWCorrection1, // 1 - beta1^t
  kAdamWCorrection2, // 1 - beta2^t
  kAdamWSlots
};

/// That vector for the update after `steps` earlier ones, as AdamW::step
/// computes it.
std::array<double, kAdamWSlots> adamwHyperparameters(const AdamWConfig &config,
                                                     int64_t steps);

/// AdamW over float32 parameters. The moments are kept in float32 like the
/// parameters; the arithmetic is in double and in a fixed order, so a run
/// resumed from a checkpoint repeats an uninterrupted one bit for bit.
class AdamW {
public:
  /// One slot per parameter, with its spec (name, shape).
  explicit AdamW(const std::vector<TensorSpec> &params);

  /// Clips the gradients to the global norm bound, then updates every
  /// parameter in place. Returns the global norm before clipping.
  double step(const AdamWConfig &config, const std::vector<float *> &params,
              const std::vector<const float *> &grads);

  int64_t steps() const { return steps_; }
  void setSteps(int64_t steps) { steps_ = steps; }
  /// The first and second moments, named "adam.m.<param>", "adam.v.<param>".
  std::vector<HostTensor> &moments() { return moments_; }
  const std::vector<HostTensor> &moments() const { return moments_; }

private:
  std::vector<TensorSpec> params_;
  std::vector<HostTensor> moments_; // m0, v0, m1, v1, ...
  int64_t steps_ = 0;
};

} // namespace hrmrt

#endif // HRMRT_OPTIMIZER_H
