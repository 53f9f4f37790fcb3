// RUN: hrm-opt %s --convert-hrm-to-linalg --split-input-file | FileCheck %s
// RUN: hrm-opt %s --convert-hrm-to-linalg=parallel-embed-grad --split-input-file | FileCheck %s --check-prefix=TABLE

// linear_grad: dx = dy W^T, dW = x^T dy (both matmuls over batch*seq).
// CHECK-LABEL: func.func @linear_grad
// CHECK: linalg.transpose ins(%arg1 : tensor<8x4xf32>) outs(%{{.*}} : tensor<4x8xf32>)
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<6x4xf32>, tensor<4x8xf32>)
// CHECK: linalg.transpose ins(%{{.*}} : tensor<6x8xf32>) outs(%{{.*}} : tensor<8x6xf32>)
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<8x6xf32>, tensor<6x4xf32>) outs(%{{.*}} : tensor<8x4xf32>)
// CHECK-NOT: hrm.
func.func @linear_grad(%x: tensor<2x3x8xf32>, %w: tensor<8x4xf32>, %dy: tensor<2x3x4xf32>) -> (tensor<2x3x8xf32>, tensor<8x4xf32>) {
  %dx, %dw = hrm.linear_grad %x, %w, %dy : (tensor<2x3x8xf32>, tensor<8x4xf32>, tensor<2x3x4xf32>) -> (tensor<2x3x8xf32>, tensor<8x4xf32>)
  return %dx, %dw : tensor<2x3x8xf32>, tensor<8x4xf32>
}

// -----

// rmsnorm_grad recomputes 1/rms, reduces g.x per row, and sums dy*x*r over
// rows for the weight.
// CHECK-LABEL: func.func @rmsnorm_grad
// CHECK: math.rsqrt
// CHECK: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: arith.subf
// CHECK: iterator_types = ["reduction", "reduction", "parallel"]
func.func @rmsnorm_grad(%x: tensor<2x3x8xf32>, %dy: tensor<2x3x8xf32>, %w: tensor<8xf32>) -> (tensor<2x3x8xf32>, tensor<8xf32>) {
  %dx, %dw = hrm.rmsnorm_grad %x, %dy, %w : (tensor<2x3x8xf32>, tensor<2x3x8xf32>, tensor<8xf32>) -> (tensor<2x3x8xf32>, tensor<8xf32>)
  return %dx, %dw : tensor<2x3x8xf32>, tensor<8xf32>
}

// -----

// attention_grad recomputes the probabilities, then dV = P^T dC,
// dP = dC V^T, the softmax backward, dQ = dS K, dK = dS^T Q, and un-rotates.
// CHECK-LABEL: func.func @attention_grad
// CHECK: math.cos
// CHECK: math.exp
// CHECK-COUNT-3: linalg.batch_matmul
// CHECK: linalg.batch_matmul
// CHECK: linalg.batch_matmul
// CHECK: arith.negf
// CHECK-NOT: hrm.
func.func @attention_grad(%x: tensor<2x4x8xf32>, %dy: tensor<2x4x8xf32>, %w: tensor<8x8xf32>) -> tensor<2x4x8xf32> {
  %dx, %dq, %dk, %dv, %do = hrm.attention_grad %x, %dy, %w, %w, %w, %w {heads = 2 : i64, mask = 0 : i32, rope_theta = 1.0e+04 : f64} : (tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>) -> (tensor<2x4x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>, tensor<8x8xf32>)
  return %dx : tensor<2x4x8xf32>
}

// -----

// embed_grad adds one table row per token in an scf.for nest.
// CHECK-LABEL: func.func @embed_grad
// CHECK: linalg.fill
// CHECK: scf.for
// CHECK: scf.for
// CHECK: tensor.extract %arg0
// CHECK: tensor.extract_slice
// CHECK: tensor.insert_slice
// With parallel-embed-grad (the GPU pipeline): one generic over the table,
// loops (v, c, b, s), summing dy[b, s, c] where tokens[b, s] == v.
// TABLE-LABEL: func.func @embed_grad
// TABLE-NOT: scf.for
// TABLE: linalg.generic {indexing_maps = [#[[T:.*]], #[[DY:.*]], #[[OUT:.*]]], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%arg0, %arg1 : tensor<2x3xi32>, tensor<2x3x8xf32>) outs(%{{.*}} : tensor<16x8xf32>)
// TABLE: %[[V:.*]] = linalg.index 0
// TABLE: %[[TOK:.*]] = arith.index_cast
// TABLE: %[[HIT:.*]] = arith.cmpi eq, %[[TOK]], %[[V]]
// TABLE: arith.select %[[HIT]]
func.func @embed_grad(%t: tensor<2x3xi32>, %dy: tensor<2x3x8xf32>) -> tensor<16x8xf32> {
  %d = hrm.embed_grad %t, %dy {scale = 2.0 : f64} : (tensor<2x3xi32>, tensor<2x3x8xf32>) -> tensor<16x8xf32>
  return %d : tensor<16x8xf32>
}

// -----

// cross_entropy_grad: (softmax - onehot) * dloss / (batch * seq).
// CHECK-LABEL: func.func @cross_entropy_grad
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.cmpi eq
// CHECK: arith.constant 6.000000e+00 : f32
func.func @cross_entropy_grad(%l: tensor<2x3x16xf32>, %t: tensor<2x3xi32>, %d: tensor<f32>) -> tensor<2x3x16xf32> {
  %g = hrm.cross_entropy_grad %l, %t, %d : (tensor<2x3x16xf32>, tensor<2x3xi32>, tensor<f32>) -> tensor<2x3x16xf32>
  return %g : tensor<2x3x16xf32>
}

// -----

// A loss tap's: scaled by 1/3, so the divisor is 6 * 3 = 18.
// CHECK-LABEL: func.func @cross_entropy_grad_tap
// CHECK: arith.constant 1.800000e+01 : f32
func.func @cross_entropy_grad_tap(%l: tensor<2x3x16xf32>, %t: tensor<2x3xi32>, %d: tensor<f32>) -> tensor<2x3x16xf32> {
  %g = hrm.cross_entropy_grad %l, %t, %d {scale = 0.33333333333333331 : f64} : (tensor<2x3x16xf32>, tensor<2x3xi32>, tensor<f32>) -> tensor<2x3x16xf32>
  return %g : tensor<2x3x16xf32>
}

// -----

// A loss tapped at step 2 only: the gradient's factor is 1 at that step
// and 0 at the others, where the gradient is selected to be 0 (it reads
// nothing of logits hrm-guard-loss-taps left unwritten).
// CHECK-LABEL: func.func @cross_entropy_grad_some_steps
// CHECK-SAME: %[[I:[a-z0-9]+]]: index
// CHECK: %[[HIT:.*]] = arith.cmpi eq, %[[I]], %c2
// CHECK: %[[F:.*]] = arith.select %[[HIT]], %{{.*}}, %{{.*}} : f32
// CHECK: %[[SCALE:.*]] = arith.mulf %{{.*}}, %[[F]]
// CHECK: %[[G:.*]] = arith.mulf %{{.*}}, %[[SCALE]]
// CHECK: %[[TAPS:.*]] = arith.cmpf one, %[[F]], %{{.*}} : f32
// CHECK: %[[R:.*]] = arith.select %[[TAPS]], %[[G]], %{{.*}} : f32
// CHECK: linalg.yield %[[R]]
func.func @cross_entropy_grad_some_steps(%l: tensor<2x3x16xf32>, %t: tensor<2x3xi32>, %d: tensor<f32>, %i: index) -> tensor<2x3x16xf32> {
  %g = hrm.cross_entropy_grad %l, %t, %d, %i {tap_steps = array<i64: 2>} : (tensor<2x3x16xf32>, tensor<2x3xi32>, tensor<f32>, index) -> tensor<2x3x16xf32>
  return %g : tensor<2x3x16xf32>
}

// -----

// mlp_grad (SwiGLU): four weight-gradient matmuls and three for dx.
// CHECK-LABEL: func.func @mlp_grad
// CHECK: math.exp
// CHECK-NOT: hrm.
func.func @mlp_grad(%x: tensor<2x3x8xf32>, %dy: tensor<2x3x8xf32>, %g: tensor<8x16xf32>, %u: tensor<8x16xf32>, %dn: tensor<16x8xf32>) -> tensor<2x3x8xf32> {
  %dx, %dg, %du, %dd = hrm.mlp_grad %x, %dy, %g, %u, %dn {kind = 0 : i32} : (tensor<2x3x8xf32>, tensor<2x3x8xf32>, tensor<8x16xf32>, tensor<8x16xf32>, tensor<16x8xf32>) -> (tensor<2x3x8xf32>, tensor<8x16xf32>, tensor<8x16xf32>, tensor<16x8xf32>)
  return %dx : tensor<2x3x8xf32>
}
