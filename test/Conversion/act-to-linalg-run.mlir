// Per-position ACT's lowerings run on the CPU against numbers worked out by
// hand from hrm.act_update's description (threshold 0.9): position 0 keeps
// running (p = 0.5), position 1 halts now (0.6 + 0.5 > 0.9, remainder
// 0.4), position 2 halted before (halting 1: weight 0, nothing changes).
// DEFINE: %{bufferize} = --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map"
// DEFINE: %{lower} = hrm-opt --convert-linalg-to-loops --lower-affine --convert-scf-to-cf --expand-strided-metadata --finalize-memref-to-llvm --convert-math-to-llvm --convert-to-llvm --reconcile-unrealized-casts | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | sed -e 's/base@ = 0x[0-9a-f]*//'
// RUN: hrm-opt %s --convert-hrm-to-linalg %{bufferize} | %{lower} | FileCheck %s
// Generics through projected permutations only: a per-position tensor
// meets an activation collapsed to [B, S].
// RUN: hrm-opt %s --convert-hrm-to-linalg | FileCheck %s --check-prefix=IR
// IR-NOT: hrm.{{(act|ponder|position)}}
// IR: tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2]] : tensor<1x3x1xf32> into tensor<1x3xf32>
// IR-NOT: hrm.{{(act|ponder|position)}}

// acc' = t w + acc (1 - w), w = [0.5, 0.4, 0].
// CHECK: rank = 3 offset = 0 sizes = [1, 3, 2]
// CHECK-NEXT: {{\[}}{{\[}}[5.5, {{ *}}11],
// CHECK-NEXT: [19.2, {{ *}}25.6],
// CHECK-NEXT: [50, {{ *}}60]]]
// halting'' = [0.5, 1, 1], remainders' = [0, 0.4, 0.3], updates' = [1, 2, 2].
// CHECK: rank = 3 offset = 0 sizes = [1, 3, 1]
// CHECK-NEXT: {{\[}}{{\[}}[0.5],
// CHECK-NEXT: [1],
// CHECK-NEXT: [1]]]
// CHECK: rank = 3 offset = 0 sizes = [1, 3, 1]
// CHECK-NEXT: {{\[}}{{\[}}[0],
// CHECK-NEXT: [0.4],
// CHECK-NEXT: [0.3]]]
// CHECK: rank = 3 offset = 0 sizes = [1, 3, 1]
// CHECK-NEXT: {{\[}}{{\[}}[1],
// CHECK-NEXT: [2],
// CHECK-NEXT: [2]]]
// Ponder cost: 2 + 0.1 * mean([1, 2.4, 2.3]).
// CHECK: rank = 0
// CHECK-NEXT: [2.19]
// The gradients for d acc' = 1, d halting'' = 0, d remainders' = 1:
// dw = sum of (t - acc) = [-27, -63, -99]; the running position's p gets
// dw, the halting one's halting 0 - (1 + dw) = 62 and remainder 1 + dw.
// CHECK: rank = 3 offset = 0 sizes = [1, 3, 1]
// CHECK-NEXT: {{\[}}{{\[}}[-27],
// CHECK-NEXT: [0],
// CHECK-NEXT: [0]]]
// CHECK: rank = 3 offset = 0 sizes = [1, 3, 2]
// CHECK-NEXT: {{\[}}{{\[}}[0.5, {{ *}}0.5],
// CHECK-NEXT: [0.4, {{ *}}0.4],
// CHECK-NEXT: [0, {{ *}}0]]]
// CHECK: rank = 3 offset = 0 sizes = [1, 3, 2]
// CHECK-NEXT: {{\[}}{{\[}}[0.5, {{ *}}0.5],
// CHECK-NEXT: [0.6, {{ *}}0.6],
// CHECK-NEXT: [1, {{ *}}1]]]
// CHECK: rank = 3 offset = 0 sizes = [1, 3, 1]
// CHECK-NEXT: {{\[}}{{\[}}[0],
// CHECK-NEXT: [62],
// CHECK-NEXT: [0]]]
// CHECK: rank = 3 offset = 0 sizes = [1, 3, 1]
// CHECK-NEXT: {{\[}}{{\[}}[1],
// CHECK-NEXT: [-62],
// CHECK-NEXT: [1]]]
// The pondering unit: z = t W + 0.1 = [0.1, 0.6, 1.1], p = sigmoid(z).
// CHECK: rank = 3 offset = 0 sizes = [1, 3, 1]
// CHECK-NEXT: {{\[}}{{\[}}[0.524979],
// CHECK-NEXT: [0.645656],
// CHECK-NEXT: [0.75026]]]
// For d p = 1: dz = p (1 - p) = [0.249376, 0.228784, 0.18737]; d state =
// dz W^T, d W = t^T dz, d bias = sum of dz.
// CHECK: rank = 3 offset = 0 sizes = [1, 3, 2]
// CHECK-NEXT: {{\[}}{{\[}}[0.124688, {{ *}}-0.062344],
// CHECK-NEXT: [0.114392, {{ *}}-0.0571961],
// CHECK-NEXT: [0.0936849, {{ *}}-0.0468425]]]
// CHECK: rank = 2 offset = 0 sizes = [2, 1]
// CHECK-NEXT: {{\[}}[1.87258],
// CHECK-NEXT: [2.53811]]
// CHECK: rank = 1 offset = 0 sizes = [1]
// CHECK-NEXT: [0.66553]
// d remainders = 0.1 / 3 everywhere; position zeros.
// CHECK: rank = 3 offset = 0 sizes = [1, 3, 1]
// CHECK-NEXT: {{\[}}{{\[}}[0.0333333],
// CHECK-NEXT: [0.0333333],
// CHECK-NEXT: [0.0333333]]]
// CHECK: rank = 3 offset = 0 sizes = [1, 3, 1]
// CHECK-NEXT: {{\[}}{{\[}}[0],
// CHECK-NEXT: [0],
// CHECK-NEXT: [0]]]

func.func private @printMemrefF32(memref<*xf32>)

func.func @print(%t: tensor<*xf32>) {
  %m = bufferization.to_buffer %t : tensor<*xf32> to memref<*xf32>
  func.call @printMemrefF32(%m) : (memref<*xf32>) -> ()
  return
}

func.func @print3(%t: tensor<1x3x1xf32>) {
  %u = tensor.cast %t : tensor<1x3x1xf32> to tensor<*xf32>
  func.call @print(%u) : (tensor<*xf32>) -> ()
  return
}

func.func @print3d(%t: tensor<1x3x2xf32>) {
  %u = tensor.cast %t : tensor<1x3x2xf32> to tensor<*xf32>
  func.call @print(%u) : (tensor<*xf32>) -> ()
  return
}

func.func @main() {
  %p = arith.constant dense<[[[0.5], [0.5], [0.5]]]> : tensor<1x3x1xf32>
  %h = arith.constant dense<[[[0.0], [0.6], [1.0]]]> : tensor<1x3x1xf32>
  %r = arith.constant dense<[[[0.0], [0.0], [0.3]]]> : tensor<1x3x1xf32>
  %n = arith.constant dense<[[[0.0], [1.0], [2.0]]]> : tensor<1x3x1xf32>
  %t = arith.constant dense<[[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]]> : tensor<1x3x2xf32>
  %acc = arith.constant dense<[[[10.0, 20.0], [30.0, 40.0], [50.0, 60.0]]]> : tensor<1x3x2xf32>
  %acc1, %h1, %r1, %n1 = hrm.act_update %p, %t, %acc, %h, %r, %n threshold 0.9 : tensor<1x3x1xf32>, tensor<1x3x2xf32>
  func.call @print3d(%acc1) : (tensor<1x3x2xf32>) -> ()
  func.call @print3(%h1) : (tensor<1x3x1xf32>) -> ()
  func.call @print3(%r1) : (tensor<1x3x1xf32>) -> ()
  func.call @print3(%n1) : (tensor<1x3x1xf32>) -> ()
  %two = arith.constant dense<2.0> : tensor<f32>
  %cost = hrm.ponder_cost %r1, %n1 acc(%two : tensor<f32>) weight 0.1 : tensor<1x3x1xf32> -> tensor<f32>
  %cu = tensor.cast %cost : tensor<f32> to tensor<*xf32>
  func.call @print(%cu) : (tensor<*xf32>) -> ()

  %ones = arith.constant dense<1.0> : tensor<1x3x2xf32>
  %zero1 = arith.constant dense<0.0> : tensor<1x3x1xf32>
  %one1 = arith.constant dense<1.0> : tensor<1x3x1xf32>
  %dp, %dt, %dacc, %dh, %dr = hrm.act_update_grad %p, %t, %acc, %h, %r, %ones, %zero1, %one1 {threshold = 0.9 : f64} : (tensor<1x3x1xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x1xf32>, tensor<1x3x1xf32>, tensor<1x3x2xf32>, tensor<1x3x1xf32>, tensor<1x3x1xf32>) -> (tensor<1x3x1xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x1xf32>, tensor<1x3x1xf32>)
  func.call @print3(%dp) : (tensor<1x3x1xf32>) -> ()
  func.call @print3d(%dt) : (tensor<1x3x2xf32>) -> ()
  func.call @print3d(%dacc) : (tensor<1x3x2xf32>) -> ()
  func.call @print3(%dh) : (tensor<1x3x1xf32>) -> ()
  func.call @print3(%dr) : (tensor<1x3x1xf32>) -> ()

  %w = arith.constant dense<[[0.5], [-0.25]]> : tensor<2x1xf32>
  %b = arith.constant dense<[0.1]> : tensor<1xf32>
  %prob = hrm.act_prob %t, %w, %b : tensor<1x3x2xf32>, tensor<2x1xf32>, tensor<1xf32> -> tensor<1x3x1xf32>
  func.call @print3(%prob) : (tensor<1x3x1xf32>) -> ()
  %ds, %dw, %db = hrm.act_prob_grad %t, %w, %b, %one1 : (tensor<1x3x2xf32>, tensor<2x1xf32>, tensor<1xf32>, tensor<1x3x1xf32>) -> (tensor<1x3x2xf32>, tensor<2x1xf32>, tensor<1xf32>)
  func.call @print3d(%ds) : (tensor<1x3x2xf32>) -> ()
  %dwu = tensor.cast %dw : tensor<2x1xf32> to tensor<*xf32>
  func.call @print(%dwu) : (tensor<*xf32>) -> ()
  %dbu = tensor.cast %db : tensor<1xf32> to tensor<*xf32>
  func.call @print(%dbu) : (tensor<*xf32>) -> ()

  %lg = arith.constant dense<1.0> : tensor<f32>
  %drem = hrm.ponder_cost_grad %r1, %lg {weight = 0.1 : f64} : (tensor<1x3x1xf32>, tensor<f32>) -> tensor<1x3x1xf32>
  func.call @print3(%drem) : (tensor<1x3x1xf32>) -> ()
  %z = hrm.position_zeros %t : tensor<1x3x2xf32> -> tensor<1x3x1xf32>
  func.call @print3(%z) : (tensor<1x3x1xf32>) -> ()
  return
}
