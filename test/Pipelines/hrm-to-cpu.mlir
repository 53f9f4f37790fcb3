// RUN: hrm-opt %s --hrm-to-cpu="batch=2 seq-len=4" | FileCheck %s
// RUN: hrm-opt %s --hrm-to-linalg="batch=2 seq-len=4" | FileCheck %s --check-prefix=LINALG

// The whole CPU path: LLVM dialect only, with a packed entry per function.
// CHECK: module attributes {hrm.max_seq_len = 8 : i64, hrm.model = "m"}
// CHECK-NOT: = hrm.
// CHECK-NOT: linalg.
// CHECK-NOT: memref.
// CHECK-DAG: llvm.func @hrm_module_f(
// CHECK-DAG: llvm.func @logits(
// CHECK-DAG: llvm.func @_mlir_ciface_logits(
// CHECK-DAG: llvm.func @hrm_entry_logits(%{{.*}}: !llvm.ptr)

// LINALG: func.func private @hrm_module_f({{.*}}tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
// LINALG: func.func @logits(%{{.*}}: tensor<16x8xf32> {hrm.param = "embed"}, %{{.*}}: tensor<2x4xi32>) -> tensor<2x4x8xf32>
// LINALG: scf.for
// LINALG-NOT: = hrm.

hrm.model @m attributes {max_seq_len = 8 : i64} {
  hrm.param @embed : tensor<16x8xf32> init <normal(1.0)>
  hrm.module @f(%z: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
    %n = rmsnorm %z eps 1.0e-05 : tensor<?x?x8xf32>
    yield %n : tensor<?x?x8xf32>
  }
  func.func @logits(%t: tensor<?x?xi32>) -> tensor<?x?x8xf32> {
    %w = hrm.weight @embed : tensor<16x8xf32>
    %x = hrm.embed %t, %w scale 1.0 : tensor<?x?xi32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
    %y = hrm.loop steps 3 iter(%x : tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
        schedule <unroll = rolled, grad = full, memory = keep> {
    ^bb0(%i: index, %h: tensor<?x?x8xf32>):
      %a = hrm.apply @f(%h) : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
      hrm.yield %a : tensor<?x?x8xf32>
    }
    return %y : tensor<?x?x8xf32>
  }
}
