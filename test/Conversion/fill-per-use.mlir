// RUN: hrm-opt %s --split-input-file --hrm-fill-per-use | FileCheck %s

// One zero fill, CSE'd, feeding three matmuls: each gets a fill of its
// own (and its own tensor.empty) right before it; the return keeps the
// original.
// CHECK-LABEL: func.func @shared_fill
// CHECK: %[[E0:.*]] = tensor.empty() : tensor<4x4xf32>
// CHECK-NEXT: %[[F0:.*]] = linalg.fill ins(%[[ZERO:.*]] : f32) outs(%[[E0]] : tensor<4x4xf32>)
// CHECK-NEXT: %[[E1:.*]] = tensor.empty() : tensor<4x4xf32>
// CHECK-NEXT: %[[F1:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E1]] : tensor<4x4xf32>)
// CHECK-NEXT: linalg.matmul {{.*}} outs(%[[F1]] : tensor<4x4xf32>)
// CHECK-NEXT: %[[E2:.*]] = tensor.empty() : tensor<4x4xf32>
// CHECK-NEXT: %[[F2:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E2]] : tensor<4x4xf32>)
// CHECK-NEXT: linalg.matmul {{.*}} outs(%[[F2]] : tensor<4x4xf32>)
// CHECK-NEXT: %[[E3:.*]] = tensor.empty() : tensor<4x4xf32>
// CHECK-NEXT: %[[F3:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E3]] : tensor<4x4xf32>)
// CHECK-NEXT: linalg.matmul {{.*}} outs(%[[F3]] : tensor<4x4xf32>)
// CHECK-NEXT: return {{.*}}, %[[F0]]
func.func @shared_fill(%a: tensor<4x8xf32>, %b: tensor<8x4xf32>) -> (tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>) {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x4xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<4x4xf32>) -> tensor<4x4xf32>
  %m1 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x4xf32>) outs(%z : tensor<4x4xf32>) -> tensor<4x4xf32>
  %m2 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x4xf32>) outs(%z : tensor<4x4xf32>) -> tensor<4x4xf32>
  %m3 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x4xf32>) outs(%z : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %m1, %m2, %m3, %z : tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>
}

// -----

// Left alone: a fill right before its one op, a fill used as an input
// and returned (no init use), and a fill on buffers.
// CHECK-LABEL: func.func @left_alone
// CHECK: %[[Z:.*]] = linalg.fill
// CHECK-NEXT: %[[ONCE:.*]] = linalg.fill
// CHECK-NEXT: linalg.add ins(%[[Z]], %[[Z]] : {{.*}}) outs(%[[ONCE]] :
// CHECK-NEXT: linalg.fill
// CHECK-NOT: linalg.fill
func.func @left_alone(%a: tensor<4x4xf32>, %buf: memref<4xf32>) -> (tensor<4x4xf32>, tensor<4x4xf32>) {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x4xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<4x4xf32>) -> tensor<4x4xf32>
  %once = linalg.fill ins(%cst : f32) outs(%a : tensor<4x4xf32>) -> tensor<4x4xf32>
  %s = linalg.add ins(%z, %z : tensor<4x4xf32>, tensor<4x4xf32>) outs(%once : tensor<4x4xf32>) -> tensor<4x4xf32>
  linalg.fill ins(%cst : f32) outs(%buf : memref<4xf32>)
  return %s, %z : tensor<4x4xf32>, tensor<4x4xf32>
}
