// RUN: hrm-opt %s --split-input-file --hrm-fill-per-use | FileCheck %s

// One zero fill, CSE'd, feeding two matmuls and a reduction: each gets a
// fill of its own (and its own tensor.empty); other uses keep the first.
// CHECK-LABEL: func.func @shared_fill
// CHECK: %[[E0:.*]] = tensor.empty() : tensor<4x4xf32>
// CHECK: %[[F0:.*]] = linalg.fill ins(%[[ZERO:.*]] : f32) outs(%[[E0]] : tensor<4x4xf32>)
// CHECK: %[[E1:.*]] = tensor.empty() : tensor<4x4xf32>
// CHECK: %[[F1:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E1]] : tensor<4x4xf32>)
// CHECK: linalg.matmul {{.*}} outs(%[[F1]] : tensor<4x4xf32>)
// CHECK: %[[E2:.*]] = tensor.empty() : tensor<4x4xf32>
// CHECK: %[[F2:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E2]] : tensor<4x4xf32>)
// CHECK: linalg.matmul {{.*}} outs(%[[F2]] : tensor<4x4xf32>)
// CHECK: linalg.matmul {{.*}} outs(%[[F0]] : tensor<4x4xf32>)
// CHECK: return {{.*}}, %[[F0]]
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

// Left alone: a fill with one use, a fill used as an input and returned
// (no init use to give a copy), and a fill on buffers.
// CHECK-LABEL: func.func @left_alone
// CHECK-COUNT-3: linalg.fill
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
