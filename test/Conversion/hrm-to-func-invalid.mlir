// RUN: hrm-opt %s --convert-hrm-to-func -verify-diagnostics

hrm.model @a {
  hrm.param @w : tensor<8xf32> init <ones>
}
// expected-error @below {{convert-hrm-to-func lowers one hrm.model per module; found another here}}
hrm.model @b {
  hrm.param @w : tensor<8xf32> init <ones>
}
