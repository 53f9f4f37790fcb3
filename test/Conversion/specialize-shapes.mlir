// RUN: hrm-opt %s --hrm-specialize-shapes="batch=3 seq-len=5" | FileCheck %s
// RUN: hrm-opt %s --hrm-specialize-shapes | FileCheck %s --check-prefix=MAX

// Batch and sequence become static everywhere: values, block arguments and
// the signatures of modules and entry points.
// CHECK-LABEL: hrm.module @f(%{{.*}}: tensor<3x5x8xf32>) -> tensor<3x5x8xf32>
// CHECK: rmsnorm %{{.*}} : tensor<3x5x8xf32>
// CHECK-LABEL: func.func @logits(%{{.*}}: tensor<3x5xi32>) -> tensor<3x5x8xf32>
// CHECK: hrm.embed {{.*}} -> tensor<3x5x8xf32>
// CHECK: hrm.loop steps 2 iter(%{{.*}} : tensor<3x5x8xf32>) -> tensor<3x5x8xf32>
// CHECK: ^bb0(%{{.*}}: index, %{{.*}}: tensor<3x5x8xf32>):
// CHECK: hrm.apply @f(%{{.*}}) : (tensor<3x5x8xf32>) -> tensor<3x5x8xf32>

// Without seq-len the model's max_seq_len is used; batch defaults to 1.
// MAX: func.func @logits(%{{.*}}: tensor<1x8xi32>) -> tensor<1x8x8xf32>

hrm.model @m attributes {max_seq_len = 8 : i64} {
  hrm.param @embed : tensor<16x8xf32> init <normal(1.0)>
  hrm.module @f(%z: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
    %n = rmsnorm %z eps 1.0e-05 : tensor<?x?x8xf32>
    yield %n : tensor<?x?x8xf32>
  }
  func.func @logits(%t: tensor<?x?xi32>) -> tensor<?x?x8xf32> {
    %w = hrm.weight @embed : tensor<16x8xf32>
    %x = hrm.embed %t, %w scale 1.0 : tensor<?x?xi32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
    %y = hrm.loop steps 2 iter(%x : tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
        schedule <unroll = rolled, grad = full, memory = keep> {
    ^bb0(%i: index, %h: tensor<?x?x8xf32>):
      %a = hrm.apply @f(%h) : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
      hrm.yield %a : tensor<?x?x8xf32>
    }
    return %y : tensor<?x?x8xf32>
  }
}
