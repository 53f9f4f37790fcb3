// RUN: hrm-opt %s --hrm-specialize-shapes="batch=1 seq-len=9" -verify-diagnostics

// expected-error @below {{seq-len 9 exceeds the model's max_seq_len 8}}
hrm.model @too_long attributes {max_seq_len = 8 : i64} {
  hrm.param @embed : tensor<16x8xf32> init <normal(1.0)>
}
