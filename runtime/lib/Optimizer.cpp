//===- Optimizer.cpp - AdamW ----------------------------------------------===//
#include "hrmrt/Optimizer.h"

#include <cmath>
#include <cstring>

using namespace hrmrt;

double hrmrt::learningRate(const AdamWConfig &c, int64_t step) {
  if (c.warmup > 0 && step < c.warmup)
    return c.lr * static_cast<double>(step + 1) / static_cast<double>(c.warmup);
  if (!c.cosine)
    return c.lr;
  int64_t span = std::max<int64_t>(1, c.totalSteps - c.warmup);
  double progress =
      std::min(1.0, static_cast<double>(step - c.warmup) / static_cast<double>(span));
  return c.minLr + 0.5 * (c.lr - c.minLr) * (1.0 + std::cos(M_PI * progress));
}

std::array<double, kAdamWSlots>
hrmrt::adamwHyperparameters(const AdamWConfig &c, int64_t steps) {
  double t = static_cast<double>(steps + 1);
  std::array<double, kAdamWSlots> h{};
  h[kAdamWLr] = learningRate(c, steps);
  h[kAdamWBeta1] = c.beta1;
  h[kAdamWBeta2] = c.beta2;
  h[kAdamWEps] = c.eps;
  h[kAdamWWeightDecay] = c.weightDecay;
  h[kAdamWClipNorm] = c.clipNorm;
  h[kAdamWCorrection1] = 1.0 - std::pow(c.beta1, t);
  h[kAdamWCorrection2] = 1.0 - std::pow(c.beta2, t);
  return h;
}

AdamW::AdamW(const std::vector<TensorSpec> &params) : params_(params) {
  for (const TensorSpec &p : params)
    for (const char *kind : {"adam.m.", "adam.v."}) {
      HostTensor t;
      t.spec = {kind + p.name, DType::F32, p.shape};
      t.data.assign(t.spec.bytes(), 0);
      moments_.push_back(std::move(t));
    }
}

double AdamW::step(const AdamWConfig &c, const std::vector<float *> &params,
                   const std::vector<const float *> &grads) {
  double sumSq = 0;
  for (size_t i = 0; i < params_.size(); ++i) {
    int64_t n = params_[i].numElements();
    for (int64_t k = 0; k < n; ++k)
      sumSq += static_cast<double>(grads[i][k]) * grads[i][k];
  }
  double norm = std::sqrt(sumSq);
  double scale = c.clipNorm > 0 && norm > c.clipNorm ? c.clipNorm / norm : 1.0;
  double lr = learningRate(c, steps_);
  ++steps_;
  double correction1 = 1.0 - std::pow(c.beta1, static_cast<double>(steps_));
  double correction2 = 1.0 - std::pow(c.beta2, static_cast<double>(steps_));
  for (size_t i = 0; i < params_.size(); ++i) {
    float *m = moments_[2 * i].as<float>();
    float *v = moments_[2 * i + 1].as<float>();
    float *p = params[i];
    const float *g = grads[i];
    bool decay = params_[i].shape.size() >= 2;
    int64_t n = params_[i].numElements();
    for (int64_t k = 0; k < n; ++k) {
      double gk = g[k] * scale;
      double mk = c.beta1 * m[k] + (1.0 - c.beta1) * gk;
      double vk = c.beta2 * v[k] + (1.0 - c.beta2) * gk * gk;
      m[k] = static_cast<float>(mk);
      v[k] = static_cast<float>(vk);
      double update = (mk / correction1) / (std::sqrt(vk / correction2) + c.eps);
      if (decay)
        update += c.weightDecay * p[k];
      p[k] = static_cast<float>(p[k] - lr * update);
    }
  }
  return norm;
}
