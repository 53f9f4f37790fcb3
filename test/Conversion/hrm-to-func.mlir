// RUN: hrm-opt %s --convert-hrm-to-func | FileCheck %s

// Parameters become the leading arguments of every function; weights read
// them, applications call the module's function with them.
// CHECK: module attributes {hrm.max_seq_len = 8 : i64, hrm.model = "m"}
// CHECK-NOT: hrm.model
// CHECK-LABEL: func.func private @hrm_module_f(
// CHECK-SAME: %[[E:[a-z0-9]+]]: tensor<16x8xf32> {hrm.param = "embed"}
// CHECK-SAME: %[[G:[a-z0-9]+]]: tensor<8xf32> {hrm.param = "gain"}
// CHECK-SAME: %[[Z:[a-z0-9]+]]: tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
// CHECK: %[[N:.*]] = hrm.rmsnorm %[[Z]] weight %[[G]]
// CHECK: return %[[N]]
// CHECK-LABEL: func.func @logits(
// CHECK-SAME: %[[E2:[a-z0-9]+]]: tensor<16x8xf32> {hrm.param = "embed"}, %[[G2:[a-z0-9]+]]: tensor<8xf32> {hrm.param = "gain"}, %[[T:[a-z0-9]+]]: tensor<2x4xi32>)
// CHECK-SAME: attributes {hrm.entry, llvm.emit_c_interface}
// CHECK: %[[X:.*]] = hrm.embed %[[T]], %[[E2]]
// CHECK: %[[Y:.*]] = call @hrm_module_f(%[[E2]], %[[G2]], %[[X]])
// The entry's own argument attributes stay with their arguments.
// CHECK-LABEL: func.func @twice(
// CHECK-SAME: %{{[a-z0-9]+}}: tensor<8xf32> {hrm.param = "gain"}, %{{[a-z0-9]+}}: tensor<2x4xi32> {hrm.name = "tokens"})
// CHECK: call @logits(%{{.*}}, %{{.*}}, %{{.*}})
// CHECK-NOT: hrm.weight
// CHECK-NOT: hrm.apply

hrm.model @m attributes {max_seq_len = 8 : i64} {
  hrm.param @embed : tensor<16x8xf32> init <normal(1.0)>
  hrm.param @gain : tensor<8xf32> init <ones>
  hrm.module @f(%z: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
    %g = weight @gain : tensor<8xf32>
    %n = rmsnorm %z weight %g eps 1.0e-05 : tensor<2x4x8xf32>, tensor<8xf32>
    yield %n : tensor<2x4x8xf32>
  }
  func.func @logits(%t: tensor<2x4xi32>) -> tensor<2x4x8xf32> {
    %w = hrm.weight @embed : tensor<16x8xf32>
    %x = hrm.embed %t, %w scale 1.0 : tensor<2x4xi32>, tensor<16x8xf32> -> tensor<2x4x8xf32>
    %y = hrm.apply @f(%x) : (tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
    return %y : tensor<2x4x8xf32>
  }
  func.func @twice(%t: tensor<2x4xi32> {hrm.name = "tokens"}) -> tensor<2x4x8xf32> {
    %y = call @logits(%t) : (tensor<2x4xi32>) -> tensor<2x4x8xf32>
    return %y : tensor<2x4x8xf32>
  }
}
