// RUN: hrm-opt %s --convert-hrm-to-linalg --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @embed
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<2x4xi32>) outs(%{{.*}} : tensor<2x4x8xf32>)
// CHECK:   arith.index_cast
// CHECK:   linalg.index 2
// CHECK:   tensor.extract %{{.*}}[%{{.*}}, %{{.*}}] : tensor<16x8xf32>
// CHECK:   arith.mulf
func.func @embed(%t: tensor<2x4xi32>, %w: tensor<16x8xf32>) -> tensor<2x4x8xf32> {
  %x = hrm.embed %t, %w scale 2.0 : tensor<2x4xi32>, tensor<16x8xf32> -> tensor<2x4x8xf32>
  return %x : tensor<2x4x8xf32>
}

// -----

// Sum of squares over d, then x * rsqrt(mean + eps) * gain.
// CHECK-LABEL: func.func @rmsnorm
// CHECK: %[[SS:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]{{.*}} outs(%{{.*}} : tensor<2x4xf32>)
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[SS]], %{{.*}} : tensor<2x4x8xf32>, tensor<2x4xf32>, tensor<8xf32>)
// CHECK:   math.rsqrt
func.func @rmsnorm(%x: tensor<2x4x8xf32>, %g: tensor<8xf32>) -> tensor<2x4x8xf32> {
  %n = hrm.rmsnorm %x weight %g eps 1.0e-05 : tensor<2x4x8xf32>, tensor<8xf32>
  return %n : tensor<2x4x8xf32>
}

// -----

// A linear map is one matmul over the flattened batch and sequence.
// CHECK-LABEL: func.func @linear
// CHECK: %[[A:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<2x4x8xf32> into tensor<8x8xf32>
// CHECK: %[[M:.*]] = linalg.matmul ins(%[[A]], %{{.*}} : tensor<8x8xf32>, tensor<8x6xf32>)
// CHECK: tensor.expand_shape %[[M]] {{\[\[}}0, 1], [2]] output_shape [2, 4, 6]
func.func @linear(%x: tensor<2x4x8xf32>, %w: tensor<8x6xf32>) -> tensor<2x4x6xf32> {
  %y = hrm.linear %x, %w : tensor<2x4x8xf32>, tensor<8x6xf32> -> tensor<2x4x6xf32>
  return %y : tensor<2x4x6xf32>
}

// -----

// A tied head multiplies by the transposed embedding table.
// CHECK-LABEL: func.func @tied_head
// CHECK: %[[T:.*]] = linalg.transpose ins(%{{.*}} : tensor<16x8xf32>) outs(%{{.*}} : tensor<8x16xf32>) permutation = [1, 0]
// CHECK: linalg.matmul ins(%{{.*}}, %[[T]] : tensor<8x8xf32>, tensor<8x16xf32>)
func.func @tied_head(%x: tensor<2x4x8xf32>, %e: tensor<16x8xf32>) -> tensor<2x4x16xf32> {
  %l = hrm.lm_head %x, %e tied : tensor<2x4x8xf32>, tensor<16x8xf32> -> tensor<2x4x16xf32>
  return %l : tensor<2x4x16xf32>
}

// -----

// Attention: Q, K, V projections, heads first with RoPE on Q and K only,
// QK^T as a batch_matmul over batch*heads, masked softmax, PV, Wo.
// CHECK-LABEL: func.func @attention
// CHECK: math.cos
// CHECK: math.sin
// CHECK-COUNT-3: linalg.matmul
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<2x2x4x4xf32>)
// CHECK: linalg.transpose ins(%{{.*}} : tensor<4x4x4xf32>) outs(%{{.*}} : tensor<4x4x4xf32>) permutation = [0, 2, 1]
// CHECK: linalg.batch_matmul ins(%{{.*}}, %{{.*}} : tensor<4x4x4xf32>, tensor<4x4x4xf32>)
// CHECK: arith.cmpi ugt
// CHECK: arith.select
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: linalg.batch_matmul
// CHECK: linalg.transpose {{.*}} permutation = [0, 2, 1, 3]
// CHECK: linalg.matmul
func.func @attention(%x: tensor<2x4x8xf32>, %w: tensor<8x8xf32>) -> tensor<2x4x8xf32> {
  %a = hrm.attention %x weights(%w, %w, %w, %w) heads 2 mask causal rope 1.0e+04 : tensor<2x4x8xf32>, tensor<8x8xf32>
  return %a : tensor<2x4x8xf32>
}

// -----

// A prefix mask hides key j from query i only when j > i and j >= prefix;
// a bidirectional one hides nothing.
// CHECK-LABEL: func.func @prefix
// CHECK: arith.cmpi ugt
// CHECK: %[[P:.*]] = arith.constant 3 : index
// CHECK: arith.cmpi uge, %{{.*}}, %[[P]]
// CHECK: arith.andi
// CHECK-LABEL: func.func @bidirectional
// CHECK-NOT: arith.cmpi ugt
// CHECK: return
func.func @prefix(%x: tensor<2x4x8xf32>, %w: tensor<8x8xf32>) -> tensor<2x4x8xf32> {
  %a = hrm.attention %x weights(%w, %w, %w, %w) heads 2 mask prefix prefix 3 : tensor<2x4x8xf32>, tensor<8x8xf32>
  return %a : tensor<2x4x8xf32>
}
func.func @bidirectional(%x: tensor<2x4x8xf32>, %w: tensor<8x8xf32>) -> tensor<2x4x8xf32> {
  %a = hrm.attention %x weights(%w, %w, %w, %w) heads 2 mask bidirectional : tensor<2x4x8xf32>, tensor<8x8xf32>
  return %a : tensor<2x4x8xf32>
}

// -----

// SwiGLU: gate and up projections, silu(g) * u, down projection.
// CHECK-LABEL: func.func @swiglu
// CHECK-COUNT-2: linalg.matmul
// CHECK: linalg.generic
// CHECK:   arith.negf
// CHECK:   math.exp
// CHECK:   arith.divf
// CHECK:   arith.mulf
// CHECK:   arith.mulf
// CHECK: linalg.matmul
// CHECK-LABEL: func.func @gelu
// CHECK: linalg.matmul
// CHECK: math.tanh
// CHECK: linalg.matmul
func.func @swiglu(%x: tensor<2x4x8xf32>, %g: tensor<8x16xf32>, %d: tensor<16x8xf32>) -> tensor<2x4x8xf32> {
  %y = hrm.mlp swiglu %x gate %g up %g down %d : tensor<2x4x8xf32>, tensor<8x16xf32>, tensor<16x8xf32>, tensor<8x16xf32>
  return %y : tensor<2x4x8xf32>
}
func.func @gelu(%x: tensor<2x4x8xf32>, %u: tensor<8x16xf32>, %d: tensor<16x8xf32>) -> tensor<2x4x8xf32> {
  %y = hrm.mlp gelu %x up %u down %d : tensor<2x4x8xf32>, tensor<8x16xf32>, tensor<16x8xf32>
  return %y : tensor<2x4x8xf32>
}

// -----

// CHECK-DAG: #[[VEC:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @add_vector
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[VEC]], #{{.*}}]
// CHECK:   arith.addf
func.func @add_vector(%x: tensor<2x4x8xf32>, %v: tensor<8xf32>) -> tensor<2x4x8xf32> {
  %y = hrm.add %x, %v : tensor<2x4x8xf32>, tensor<8xf32>
  return %y : tensor<2x4x8xf32>
}

// -----

// CHECK-LABEL: func.func @concat
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x4x12xf32>
// CHECK: %[[L:.*]] = tensor.insert_slice %{{.*}} into %[[E]][0, 0, 0] [2, 4, 8] [1, 1, 1]
// CHECK: tensor.insert_slice %{{.*}} into %[[L]][0, 0, 8] [2, 4, 4] [1, 1, 1]
func.func @concat(%a: tensor<2x4x8xf32>, %b: tensor<2x4x4xf32>) -> tensor<2x4x12xf32> {
  %c = hrm.concat %a, %b : tensor<2x4x8xf32>, tensor<2x4x4xf32> -> tensor<2x4x12xf32>
  return %c : tensor<2x4x12xf32>
}

// -----

// Mean over positions of logsumexp - logit[target].
// CHECK-LABEL: func.func @cross_entropy
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: linalg.generic {{.*}}iterator_types = ["reduction", "reduction"]{{.*}} outs(%{{.*}} : tensor<f32>)
// CHECK:   tensor.extract
// CHECK:   math.log
// CHECK: arith.constant 8.000000e+00 : f32
// CHECK: arith.divf
func.func @cross_entropy(%l: tensor<2x4x16xf32>, %t: tensor<2x4xi32>) -> tensor<f32> {
  %c = hrm.cross_entropy %l, %t : tensor<2x4x16xf32>, tensor<2x4xi32> -> tensor<f32>
  return %c : tensor<f32>
}

// -----

// A loss tap: acc + scale * mean, the mean's divisor folded with the scale
// (8 positions / 0.25 = 32).
// CHECK-LABEL: func.func @cross_entropy_tap
// CHECK-SAME: %[[ACC:[a-z0-9]+]]: tensor<f32>
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<f32>) outs(%[[ACC]] : tensor<f32>)
// CHECK: ^bb0(%[[SUM:.*]]: f32, %[[PREV:.*]]: f32):
// CHECK: %[[N:.*]] = arith.constant 3.200000e+01 : f32
// CHECK: %[[MEAN:.*]] = arith.divf %[[SUM]], %[[N]]
// CHECK: arith.addf %[[PREV]], %[[MEAN]]
func.func @cross_entropy_tap(%l: tensor<2x4x16xf32>, %t: tensor<2x4xi32>, %acc: tensor<f32>) -> tensor<f32> {
  %c = hrm.cross_entropy %l, %t acc(%acc : tensor<f32>) {scale = 2.5e-01 : f64} : tensor<2x4x16xf32>, tensor<2x4xi32> -> tensor<f32>
  return %c : tensor<f32>
}

// -----

// A loss tapped at listed steps (0-based 1 and 3): the step's term is
// multiplied by 1 there and 0 elsewhere, chosen in the kernel from the
// step, which it takes as a value.
// CHECK-LABEL: func.func @cross_entropy_some_steps
// CHECK-SAME: %[[ACC:[a-z0-9]+]]: tensor<f32>, %[[I:[a-z0-9]+]]: index
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<f32>) outs(%[[ACC]] : tensor<f32>)
// CHECK: %[[MEAN:.*]] = arith.divf
// CHECK: %[[ONE:.*]] = arith.cmpi eq, %[[I]], %c1
// CHECK: %[[F1:.*]] = arith.select %[[ONE]], %cst{{.*}}, %cst{{.*}} : f32
// CHECK: %[[THREE:.*]] = arith.cmpi eq, %[[I]], %c3
// CHECK: %[[F:.*]] = arith.select %[[THREE]], %cst{{.*}}, %[[F1]] : f32
// CHECK: %[[TERM:.*]] = arith.mulf %[[MEAN]], %[[F]]
// CHECK: arith.addf %{{.*}}, %[[TERM]]
func.func @cross_entropy_some_steps(%l: tensor<2x4x16xf32>, %t: tensor<2x4xi32>, %acc: tensor<f32>, %i: index) -> tensor<f32> {
  %c = hrm.cross_entropy %l, %t acc(%acc : tensor<f32>) at %i taps [1, 3] {scale = 5.0e-01 : f64} : tensor<2x4x16xf32>, tensor<2x4xi32> -> tensor<f32>
  return %c : tensor<f32>
}

// -----

// Weighted taps: the factor is the step's weight.
// CHECK-LABEL: func.func @cross_entropy_weighted_steps
// CHECK: %[[W1:.*]] = arith.constant 2.500000e-01 : f32
// CHECK: %[[F1:.*]] = arith.select %{{.*}}, %[[W1]], %{{.*}} : f32
// CHECK: %[[W3:.*]] = arith.constant 7.500000e-01 : f32
// CHECK: arith.select %{{.*}}, %[[W3]], %[[F1]] : f32
func.func @cross_entropy_weighted_steps(%l: tensor<2x4x16xf32>, %t: tensor<2x4xi32>, %acc: tensor<f32>, %i: index) -> tensor<f32> {
  %c = hrm.cross_entropy %l, %t acc(%acc : tensor<f32>) at %i taps [1, 3] weights [0.25, 0.75] : tensor<2x4x16xf32>, tensor<2x4xi32> -> tensor<f32>
  return %c : tensor<f32>
}

// -----

// CHECK-LABEL: func.func @states
// CHECK: linalg.fill
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<8xf32>)
// CHECK: arith.shrui
// CHECK: math.log
// CHECK: math.cos
// CHECK: tensor.extract_slice %{{.*}}[%{{.*}}, 0] [1, 8] [1, 1] : tensor<6x8xf32> to tensor<8xf32>
// CHECK-NOT: hrm.
func.func @states(%x: tensor<2x4x8xf32>, %v: tensor<8xf32>, %table: tensor<6x8xf32>, %i: index)
    -> (tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<8xf32>, tensor<2x4x8xf32>) {
  %z = hrm.zeros_like %x : tensor<2x4x8xf32>
  %b = hrm.broadcast %v like %x : tensor<8xf32>, tensor<2x4x8xf32>
  %r = hrm.random_normal_like %x std 1.0 seed 3 : tensor<2x4x8xf32>
  %e = hrm.step_embedding %table[%i] : tensor<6x8xf32> -> tensor<8xf32>
  %d = hrm.detach %x : tensor<2x4x8xf32>
  return %z, %b, %r, %e, %d : tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<8xf32>, tensor<2x4x8xf32>
}

// -----

// A draw keys the samples too: hash(seed) ^ hash(draw), computed once outside
// the loop nest (draw 0 hashes to 0, leaving the seed's own samples).
// CHECK-LABEL: func.func @noise_draw(
// CHECK-SAME: %{{.*}}: tensor<2x4x8xf32>, %[[D:[a-z0-9]+]]: i32)
// CHECK: %[[SEED:.*]] = arith.constant {{-?[0-9]+}} : i32
// CHECK: arith.shrui %[[D]]
// CHECK: %[[KEY:.*]] = arith.xori %[[SEED]], %{{.*}} : i32
// CHECK: linalg.generic
// CHECK: arith.addi %[[KEY]],
// CHECK: math.cos
func.func @noise_draw(%x: tensor<2x4x8xf32>, %d: i32) -> tensor<2x4x8xf32> {
  %r = hrm.random_normal_like %x std 1.0 seed 3 draw %d : tensor<2x4x8xf32>
  return %r : tensor<2x4x8xf32>
}

// -----

// Cached attention writes the new keys and values at [slot, :, :, position]
// and attends to the slot's row, hiding cache positions after its own.
// CHECK-LABEL: func.func @cached_attention(
// CHECK-SAME: %[[K:[a-z0-9]+]]: tensor<3x1x2x16x4xf32>, %[[V:[a-z0-9]+]]: tensor<3x1x2x16x4xf32>, %[[SLOT:[a-z0-9]+]]: index, %[[POS:[a-z0-9]+]]: index
// CHECK: linalg.index 0
// CHECK: arith.addi %{{.*}}, %[[POS]]
// CHECK: math.cos
// CHECK: %[[K1:.*]] = tensor.insert_slice %{{.*}} into %[[K]][%[[SLOT]], 0, 0, %[[POS]], 0] [1, 1, 2, 1, 4] [1, 1, 1, 1, 1]
// CHECK: %[[V1:.*]] = tensor.insert_slice %{{.*}} into %[[V]][%[[SLOT]], 0, 0, %[[POS]], 0] [1, 1, 2, 1, 4] [1, 1, 1, 1, 1]
// CHECK: tensor.extract_slice %[[K1]][%[[SLOT]], 0, 0, 0, 0] [1, 1, 2, 16, 4] [1, 1, 1, 1, 1] : tensor<3x1x2x16x4xf32> to tensor<1x2x16x4xf32>
// CHECK: linalg.batch_matmul ins(%{{.*}}, %{{.*}} : tensor<2x1x4xf32>, tensor<2x4x16xf32>)
// CHECK: %[[AT:.*]] = arith.addi %{{.*}}, %[[POS]]
// CHECK: arith.cmpi ugt, %{{.*}}, %[[AT]]
// CHECK: return %{{.*}}, %[[K1]], %[[V1]]
func.func @cached_attention(%x: tensor<1x1x8xf32>, %w: tensor<8x8xf32>, %k: tensor<3x1x2x16x4xf32>,
                            %v: tensor<3x1x2x16x4xf32>, %slot: index, %pos: index)
    -> (tensor<1x1x8xf32>, tensor<3x1x2x16x4xf32>, tensor<3x1x2x16x4xf32>) {
  %a, %k1, %v1 = hrm.cached_attention %x weights(%w, %w, %w, %w) cache(%k, %v) slot %slot position %pos heads 2 rope 1.0e+04 : tensor<1x1x8xf32>, tensor<8x8xf32>, tensor<3x1x2x16x4xf32>
  return %a, %k1, %v1 : tensor<1x1x8xf32>, tensor<3x1x2x16x4xf32>, tensor<3x1x2x16x4xf32>
}

// -----

// A reset row takes the initial state, the others the carried one.
// CHECK-LABEL: func.func @carry_in
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<2xi32>, tensor<2x4x8xf32>, tensor<2x4x8xf32>) outs(%{{.*}} : tensor<2x4x8xf32>)
// CHECK: ^bb0(%[[R:.*]]: i32, %[[I:.*]]: f32, %[[C:.*]]: f32, %{{.*}}: f32):
// CHECK:   %[[NZ:.*]] = arith.cmpi ne, %[[R]], %{{.*}} : i32
// CHECK:   %[[S:.*]] = arith.select %[[NZ]], %[[I]], %[[C]] : f32
// CHECK:   linalg.yield %[[S]]
func.func @carry_in(%c: tensor<2x4x8xf32>, %i: tensor<2x4x8xf32>, %r: tensor<2xi32>) -> tensor<2x4x8xf32> {
  %s = hrm.carry_in %c or %i reset %r : tensor<2xi32>, tensor<2x4x8xf32>
  return %s : tensor<2x4x8xf32>
}
