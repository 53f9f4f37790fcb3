// RUN: hrm-opt %s --hrm-specialize-shapes="batch=1 seq-len=4" -verify-diagnostics

hrm.model @m attributes {max_seq_len = 8 : i64} {
  // expected-error @below {{cannot specialize 'tensor<?x?x?xf32>': only dimensions 0 (batch) and 1 (sequence) may be dynamic}}
  func.func @f(%x: tensor<?x?x?xf32>) -> tensor<?x?x?xf32> {
    return %x : tensor<?x?x?xf32>
  }
}
