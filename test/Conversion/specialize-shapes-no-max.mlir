// RUN: hrm-opt %s --hrm-specialize-shapes -verify-diagnostics

// expected-error @below {{seq-len is required: the model has no max_seq_len}}
hrm.model @no_max {
  hrm.param @embed : tensor<16x8xf32> init <normal(1.0)>
}
