// RUN: hrm-opt %s --split-input-file --hrm-round-matmul-operands | FileCheck %s
// RUN: hrm-opt %s --split-input-file --hrm-round-matmul-operands=precision=tf32 | FileCheck %s --check-prefix=TF32
// RUN: not hrm-opt %s --hrm-round-matmul-operands=precision=fp8 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: precision must be bf16 or tf32, not 'fp8'

// A named matmul becomes a generic that rounds both operands, then
// multiplies and adds in f32.
// CHECK-LABEL: func.func @named
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %[[C:.*]]: f32):
// CHECK-NEXT: %[[AH:.*]] = arith.truncf %[[A]] : f32 to bf16
// CHECK-NEXT: %[[AR:.*]] = arith.extf %[[AH]] : bf16 to f32
// CHECK-NEXT: %[[BH:.*]] = arith.truncf %[[B]] : f32 to bf16
// CHECK-NEXT: %[[BR:.*]] = arith.extf %[[BH]] : bf16 to f32
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[AR]], %[[BR]] : f32
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[C]], %[[P]] : f32
// CHECK-NEXT: linalg.yield %[[S]]
// TF32-LABEL: func.func @named
// TF32: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %[[C:.*]]: f32):
// TF32-NEXT: %[[BITS:.*]] = arith.bitcast %[[A]] : f32 to i32
// TF32-NEXT: %[[MASK:.*]] = arith.constant -8192 : i32
// TF32-NEXT: %[[KEPT:.*]] = arith.andi %[[BITS]], %[[MASK]] : i32
// TF32-NEXT: %[[AR:.*]] = arith.bitcast %[[KEPT]] : i32 to f32
// TF32: arith.mulf %[[AR]],
func.func @named(%a: memref<16x16xf32>, %b: memref<16x8xf32>, %c: memref<16x8xf32>) {
  linalg.matmul ins(%a, %b : memref<16x16xf32>, memref<16x8xf32>) outs(%c : memref<16x8xf32>)
  return
}

// -----

// A generic contraction (A read transposed) is rounded in place; what the
// tensor cores would not take keeps f32.
// CHECK-LABEL: func.func @generic
// CHECK: linalg.generic
// CHECK: arith.truncf
// CHECK: linalg.matmul ins({{.*}} : memref<16x16xf32>, memref<16x12xf32>)
// CHECK-NOT: arith.truncf
// TF32-LABEL: func.func @generic
// TF32: arith.andi
// TF32: linalg.matmul ins({{.*}} : memref<16x16xf32>, memref<16x12xf32>)
func.func @generic(%at: memref<16x16xf32>, %b: memref<16x8xf32>, %c: memref<16x8xf32>,
                   %b12: memref<16x12xf32>, %c12: memref<16x12xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%at, %b : memref<16x16xf32>, memref<16x8xf32>) outs(%c : memref<16x8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  linalg.matmul ins(%at, %b12 : memref<16x16xf32>, memref<16x12xf32>) outs(%c12 : memref<16x12xf32>)
  return
}
