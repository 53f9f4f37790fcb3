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

// -----

// A loop's sums all start from one fill: each iter_arg gets a fill of its
// own right before the loop, so that each sum bufferizes to a filled
// buffer instead of a copy of a shared one. An iter_arg from a fill that
// is also read elsewhere gets one too; the original stays for that reader.
// CHECK-LABEL: func.func @loop_sums
// CHECK: %[[Z:.*]] = linalg.fill
// CHECK-NEXT: %[[E1:.*]] = tensor.empty() : tensor<4xf32>
// CHECK-NEXT: %[[F1:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E1]] : tensor<4xf32>)
// CHECK-NEXT: %[[E2:.*]] = tensor.empty() : tensor<4xf32>
// CHECK-NEXT: %[[F2:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E2]] : tensor<4xf32>)
// CHECK-NEXT: scf.for {{.*}} iter_args(%{{.*}} = %[[F1]], %{{.*}} = %[[F2]])
// CHECK: linalg.add ins(%[[Z]], %{{.*}} : {{.*}})
func.func @loop_sums(%g: tensor<4xf32>, %n: index) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %cst = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %e = tensor.empty() : tensor<4xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %r:2 = scf.for %i = %c0 to %n step %c1 iter_args(%a = %z, %b = %z) -> (tensor<4xf32>, tensor<4xf32>) {
    %a2 = linalg.add ins(%a, %g : tensor<4xf32>, tensor<4xf32>) outs(%a : tensor<4xf32>) -> tensor<4xf32>
    %b2 = linalg.add ins(%b, %g : tensor<4xf32>, tensor<4xf32>) outs(%b : tensor<4xf32>) -> tensor<4xf32>
    scf.yield %a2, %b2 : tensor<4xf32>, tensor<4xf32>
  }
  %e2 = tensor.empty() : tensor<4xf32>
  %s = linalg.add ins(%z, %g : tensor<4xf32>, tensor<4xf32>) outs(%e2 : tensor<4xf32>) -> tensor<4xf32>
  return %r#0, %r#1, %s : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// An argument the callee accumulates into (directly, or through a call of
// its own) gets a fill of its own; one it only reads does not.
// CHECK-LABEL: func.func @call_sums
// CHECK: %[[Z:.*]] = linalg.fill
// CHECK-NEXT: %[[E1:.*]] = tensor.empty() : tensor<4xf32>
// CHECK-NEXT: %[[F1:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E1]] : tensor<4xf32>)
// CHECK-NEXT: call @accumulate(%[[F1]], %{{.*}})
// CHECK-NEXT: %[[E2:.*]] = tensor.empty() : tensor<4xf32>
// CHECK-NEXT: %[[F2:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E2]] : tensor<4xf32>)
// CHECK-NEXT: call @forward(%[[F2]], %{{.*}})
// CHECK-NEXT: call @read(%[[Z]], %{{.*}})
func.func private @accumulate(%sum: tensor<4xf32>, %g: tensor<4xf32>) -> tensor<4xf32> {
  %r = linalg.add ins(%sum, %g : tensor<4xf32>, tensor<4xf32>) outs(%sum : tensor<4xf32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}
func.func private @forward(%sum: tensor<4xf32>, %g: tensor<4xf32>) -> tensor<4xf32> {
  %r = call @accumulate(%sum, %g) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}
func.func private @read(%x: tensor<4xf32>, %g: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %r = linalg.add ins(%x, %g : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}
func.func @call_sums(%g: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %a = call @accumulate(%z, %g) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %b = call @forward(%z, %g) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %c = call @read(%z, %g) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %a, %b, %c : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// On buffers, after bufferization: each loop sum is its own filled buffer,
// no copy of a shared zero buffer.
// RUN: hrm-opt %s --split-input-file --hrm-fill-per-use --one-shot-bufferize="bufferize-function-boundaries" | FileCheck %s --check-prefix=BUF
// BUF-LABEL: func.func @loop_sums
// BUF-NOT: memref.copy
// BUF: scf.for
// BUF-NOT: memref.copy
// BUF: return
