// RUN: hrm-opt %s --hrm-distinct-results | FileCheck %s

// The second return of a value gets a copy; the first stays as it is.
// CHECK-LABEL: func.func @twice
// CHECK: %[[Z:.*]] = linalg.fill
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4xf32>
// CHECK: %[[C:.*]] = linalg.copy ins(%[[Z]] : tensor<4xf32>) outs(%[[E]] : tensor<4xf32>)
// CHECK: return %[[Z]], %[[C]], %arg0
func.func @twice(%a: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  return %z, %z, %a : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// Distinct results and non-tensors are left alone.
// CHECK-LABEL: func.func @once
// CHECK-NOT: linalg.copy
// CHECK: return %arg0, %arg1, %arg2, %arg2
func.func @once(%a: tensor<4xf32>, %b: tensor<4xf32>, %i: index) -> (tensor<4xf32>, tensor<4xf32>, index, index) {
  return %a, %b, %i, %i : tensor<4xf32>, tensor<4xf32>, index, index
}
