// RUN: hrm-opt %s --convert-hrm-to-linalg -verify-diagnostics

func.func @dynamic(%x: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  // expected-error @below {{convert-hrm-to-linalg needs static shapes; run hrm-specialize-shapes first}}
  %n = hrm.rmsnorm %x eps 1.0e-05 : tensor<?x?x8xf32>
  return %n : tensor<?x?x8xf32>
}
