// RUN: hrm-opt %s --split-input-file --hrm-bf16-matmul-operands | FileCheck %s
// RUN: hrm-opt %s --split-input-file --hrm-bf16-matmul-operands --cse --hrm-fuse-elementwise | FileCheck %s --check-prefix=FUSED
// RUN: hrm-opt %s --split-input-file --hrm-bf16-matmul-operands=k-contiguous-arguments | FileCheck %s --check-prefix=KC
// RUN: hrm-opt %s --split-input-file --hrm-bf16-matmul-operands --remarks-filter=hrm-bf16-matmul-operands -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
// What the pass did, where, and (missed) why not: one remark each.
// REMARK: bf16-matmul-operands.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] bf16-operands | Category:hrm-bf16-matmul-operands | Function=named |
// REMARK: bf16-matmul-operands.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] bf16-operands | Category:hrm-bf16-matmul-operands | Function=batched |
// REMARK: bf16-matmul-operands.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] bf16-operands | Category:hrm-bf16-matmul-operands | Function=through_reshape |
// REMARK: bf16-matmul-operands.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] bf16-operands | Category:hrm-bf16-matmul-operands | Function=after_named_add |
// REMARK: bf16-matmul-operands.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] bf16-operands | Category:hrm-bf16-matmul-operands | Function=inner |
// REMARK: bf16-matmul-operands.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] bf16-operands | Category:hrm-bf16-matmul-operands | Function=mixed |
// REMARK-NOT: remark:

// A named matmul reads bf16 casts of both operands, widens them in its body
// and accumulates in f32.
// CHECK-LABEL: func.func @named
// CHECK-SAME: (%[[A:.*]]: tensor<32x16xf32>, %[[B:.*]]: tensor<16x8xf32>, %[[C:.*]]: tensor<32x8xf32>)
// CHECK: %[[AE:.*]] = tensor.empty() : tensor<32x16xbf16>
// CHECK: %[[AH:.*]] = linalg.generic {{.*}} ins(%[[A]] : tensor<32x16xf32>) outs(%[[AE]] : tensor<32x16xbf16>)
// CHECK-NEXT: ^bb0(%[[X:.*]]: f32, %{{.*}}: bf16):
// CHECK-NEXT: %[[T:.*]] = arith.truncf %[[X]] : f32 to bf16
// CHECK-NEXT: linalg.yield %[[T]] : bf16
// CHECK: %[[BH:.*]] = linalg.generic {{.*}} ins(%[[B]] : tensor<16x8xf32>) outs(%{{.*}} : tensor<16x8xbf16>)
// CHECK: %[[R:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]{{.*}} ins(%[[AH]], %[[BH]] : tensor<32x16xbf16>, tensor<16x8xbf16>) outs(%[[C]] : tensor<32x8xf32>)
// CHECK-NEXT: ^bb0(%[[P:.*]]: bf16, %[[Q:.*]]: bf16, %[[O:.*]]: f32):
// CHECK-NEXT: %[[PW:.*]] = arith.extf %[[P]] : bf16 to f32
// CHECK-NEXT: %[[QW:.*]] = arith.extf %[[Q]] : bf16 to f32
// CHECK-NEXT: %[[M:.*]] = arith.mulf %[[PW]], %[[QW]] : f32
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[O]], %[[M]] : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
// CHECK: return %[[R]] : tensor<32x8xf32>
// With k-contiguous-arguments the argument read as [K, N] is cast into
// [N, K] and read through the swapped map; A, already K-last, is not.
// KC-DAG: #[[SWAP:.*]] = affine_map<(d0, d1) -> (d1, d0)>
// KC-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// KC-DAG: #[[BNK:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// KC-LABEL: func.func @named
// KC: linalg.generic {indexing_maps = [#[[ID]], #[[ID]]], {{.*}} outs(%{{.*}} : tensor<32x16xbf16>)
// KC: %[[BT:.*]] = linalg.generic {indexing_maps = [#[[SWAP]], #[[ID]]], {{.*}} ins(%{{.*}} : tensor<16x8xf32>) outs(%{{.*}} : tensor<8x16xbf16>)
// KC: linalg.generic {indexing_maps = [#{{.*}}, #[[BNK]], #{{.*}}], {{.*}} ins(%{{.*}}, %[[BT]] : tensor<32x16xbf16>, tensor<8x16xbf16>)
func.func @named(%a: tensor<32x16xf32>, %b: tensor<16x8xf32>, %c: tensor<32x8xf32>) -> tensor<32x8xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<32x16xf32>, tensor<16x8xf32>) outs(%c : tensor<32x8xf32>) -> tensor<32x8xf32>
  return %r : tensor<32x8xf32>
}

// -----

// A batched matmul too; the batch dimension stays.
// CHECK-LABEL: func.func @batched
// CHECK: ins(%{{.*}}, %{{.*}} : tensor<2x16x16xbf16>, tensor<2x16x8xbf16>) outs(%{{.*}} : tensor<2x16x8xf32>)
func.func @batched(%a: tensor<2x16x16xf32>, %b: tensor<2x16x8xf32>, %c: tensor<2x16x8xf32>) -> tensor<2x16x8xf32> {
  %r = linalg.batch_matmul ins(%a, %b : tensor<2x16x16xf32>, tensor<2x16x8xf32>) outs(%c : tensor<2x16x8xf32>) -> tensor<2x16x8xf32>
  return %r : tensor<2x16x8xf32>
}

// -----

// The cast goes before the collapse, next to the producer, and the
// producer then writes bf16 itself once fused. A transpose is done by the
// cast that reads its input, and goes; an elementwise named op becomes a
// generic, which the cast fuses into.
// CHECK-LABEL: func.func @through_reshape
// CHECK-SAME: (%[[H:.*]]: tensor<2x16x16xf32>, %[[WT:.*]]: tensor<8x16xf32>,
// CHECK-NOT: linalg.transpose
// CHECK: %[[WH:.*]] = linalg.generic {indexing_maps = [#[[T:.*]], #{{.*}}], {{.*}} ins(%[[WT]] : tensor<8x16xf32>) outs(%{{.*}} : tensor<16x8xbf16>)
// CHECK: %[[N:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<2x16x16xf32>)
// CHECK: %[[NH:.*]] = linalg.generic {{.*}} ins(%[[N]] : tensor<2x16x16xf32>) outs(%{{.*}} : tensor<2x16x16xbf16>)
// CHECK: tensor.collapse_shape %[[NH]] {{\[\[}}0, 1], [2]] : tensor<2x16x16xbf16> into tensor<32x16xbf16>
// CHECK-NOT: linalg.transpose
// CHECK: return
// FUSED-LABEL: func.func @through_reshape
// FUSED: linalg.generic {{.*}} ins(%{{.*}} : tensor<8x16xf32>) outs(%{{.*}} : tensor<16x8xbf16>)
// FUSED-NEXT: ^bb0(%{{.*}}: f32, %{{.*}}: bf16):
// FUSED-NEXT: arith.truncf
// FUSED: %[[N:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<2x16x16xf32>) outs(%{{.*}} : tensor<2x16x16xbf16>)
// FUSED-NEXT: ^bb0
// FUSED-NEXT: arith.mulf
// FUSED-NEXT: arith.truncf {{.*}} : f32 to bf16
// FUSED: tensor.collapse_shape %[[N]]
// FUSED: ins(%{{.*}}, %{{.*}} : tensor<32x16xbf16>, tensor<16x8xbf16>)
// FUSED-LABEL: func.func @after_named_add
// FUSED-NOT: linalg.add
// FUSED: linalg.generic {{.*}} outs(%{{.*}} : tensor<32x16xbf16>)
// FUSED-NEXT: ^bb0
// FUSED-NEXT: arith.addf
// FUSED-NEXT: arith.truncf
#id3 = affine_map<(b, i, j) -> (b, i, j)>
func.func @through_reshape(%h: tensor<2x16x16xf32>, %wt: tensor<8x16xf32>, %c: tensor<32x8xf32>) -> tensor<32x8xf32> {
  %e = tensor.empty() : tensor<2x16x16xf32>
  %n = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%h : tensor<2x16x16xf32>) outs(%e : tensor<2x16x16xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.mulf %x, %x : f32
    linalg.yield %y : f32
  } -> tensor<2x16x16xf32>
  %flat = tensor.collapse_shape %n [[0, 1], [2]] : tensor<2x16x16xf32> into tensor<32x16xf32>
  %te = tensor.empty() : tensor<16x8xf32>
  %w = linalg.transpose ins(%wt : tensor<8x16xf32>) outs(%te : tensor<16x8xf32>) permutation = [1, 0]
  %r = linalg.matmul ins(%flat, %w : tensor<32x16xf32>, tensor<16x8xf32>) outs(%c : tensor<32x8xf32>) -> tensor<32x8xf32>
  return %r : tensor<32x8xf32>
}
func.func @after_named_add(%x: tensor<32x16xf32>, %y: tensor<32x16xf32>, %w: tensor<16x8xf32>, %c: tensor<32x8xf32>) -> tensor<32x8xf32> {
  %e = tensor.empty() : tensor<32x16xf32>
  %s = linalg.add ins(%x, %y : tensor<32x16xf32>, tensor<32x16xf32>) outs(%e : tensor<32x16xf32>) -> tensor<32x16xf32>
  %r = linalg.matmul ins(%s, %w : tensor<32x16xf32>, tensor<16x8xf32>) outs(%c : tensor<32x8xf32>) -> tensor<32x8xf32>
  return %r : tensor<32x8xf32>
}

// -----

// A private function's argument read only by casts becomes bf16 and its
// callers cast instead, up the call graph; the public function keeps f32.
// Cast where they are defined, outside the caller's loop, the weight and
// the activation are cast once.
// CHECK-LABEL: func.func private @inner
// CHECK-SAME: (%[[W:.*]]: tensor<16x8xbf16> {hrm.param = "w"}, %[[X:.*]]: tensor<32x16xbf16>)
// CHECK-NOT: truncf
// CHECK: ins(%[[X]], %[[W]] : tensor<32x16xbf16>, tensor<16x8xbf16>)
// CHECK-LABEL: func.func private @outer
// CHECK-SAME: (%[[W2:.*]]: tensor<16x8xbf16>, %[[X2:.*]]: tensor<32x16xbf16>)
// CHECK: call @inner(%[[W2]], %[[X2]])
// CHECK-LABEL: func.func @entry
// CHECK-SAME: (%[[W3:.*]]: tensor<16x8xf32>, %[[X3:.*]]: tensor<32x16xf32>,
// CHECK-DAG: %[[WH:.*]] = linalg.generic {{.*}} ins(%[[W3]] : tensor<16x8xf32>) outs(%{{.*}} : tensor<16x8xbf16>)
// CHECK-DAG: %[[XH:.*]] = linalg.generic {{.*}} ins(%[[X3]] : tensor<32x16xf32>) outs(%{{.*}} : tensor<32x16xbf16>)
// CHECK: scf.for
// CHECK-NOT: linalg.generic
// CHECK: call @outer(%[[WH]], %[[XH]])
// FUSED-LABEL: func.func @entry
// FUSED: %[[WH:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<16x8xbf16>)
// FUSED: scf.for
// FUSED-NOT: linalg.generic
// FUSED: call @outer(%[[WH]],
func.func private @inner(%w: tensor<16x8xf32> {hrm.param = "w"}, %x: tensor<32x16xf32>) -> tensor<32x8xf32> {
  %e = tensor.empty() : tensor<32x8xf32>
  %zero = arith.constant 0.0 : f32
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<32x8xf32>) -> tensor<32x8xf32>
  %r = linalg.matmul ins(%x, %w : tensor<32x16xf32>, tensor<16x8xf32>) outs(%c : tensor<32x8xf32>) -> tensor<32x8xf32>
  return %r : tensor<32x8xf32>
}
func.func private @outer(%w: tensor<16x8xf32>, %x: tensor<32x16xf32>) -> tensor<32x8xf32> {
  %r = call @inner(%w, %x) : (tensor<16x8xf32>, tensor<32x16xf32>) -> tensor<32x8xf32>
  return %r : tensor<32x8xf32>
}
func.func @entry(%w: tensor<16x8xf32>, %x: tensor<32x16xf32>, %n: index) -> tensor<32x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %e = tensor.empty() : tensor<32x8xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %e) -> (tensor<32x8xf32>) {
    %y = func.call @outer(%w, %x) : (tensor<16x8xf32>, tensor<32x16xf32>) -> tensor<32x8xf32>
    scf.yield %y : tensor<32x8xf32>
  }
  return %r : tensor<32x8xf32>
}

// -----

// An argument with another reader stays f32 and is cast inside; an unused
// one stays as it is; the activation moves to the caller.
// CHECK-LABEL: func.func private @mixed
// CHECK-SAME: (%[[W:.*]]: tensor<16x8xf32>, %{{.*}}: tensor<32x16xbf16>, %{{.*}}: tensor<4xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[W]] : tensor<16x8xf32>) outs(%{{.*}} : tensor<16x8xbf16>)
// CHECK: tensor.extract %[[W]]
// CHECK-LABEL: func.func @caller_of_mixed
// CHECK-SAME: (%[[W4:.*]]: tensor<16x8xf32>, %[[X4:.*]]: tensor<32x16xf32>, %[[U:.*]]: tensor<4xf32>)
// CHECK: %[[XH:.*]] = linalg.generic {{.*}} ins(%[[X4]] : tensor<32x16xf32>)
// CHECK: call @mixed(%[[W4]], %[[XH]], %[[U]])
func.func private @mixed(%w: tensor<16x8xf32>, %x: tensor<32x16xf32>, %unused: tensor<4xf32>) -> (tensor<32x8xf32>, f32) {
  %e = tensor.empty() : tensor<32x8xf32>
  %r = linalg.matmul ins(%x, %w : tensor<32x16xf32>, tensor<16x8xf32>) outs(%e : tensor<32x8xf32>) -> tensor<32x8xf32>
  %c0 = arith.constant 0 : index
  %v = tensor.extract %w[%c0, %c0] : tensor<16x8xf32>
  return %r, %v : tensor<32x8xf32>, f32
}
func.func @caller_of_mixed(%w: tensor<16x8xf32>, %x: tensor<32x16xf32>, %u: tensor<4xf32>) -> (tensor<32x8xf32>, f32) {
  %r:2 = call @mixed(%w, %x, %u) : (tensor<16x8xf32>, tensor<32x16xf32>, tensor<4xf32>) -> (tensor<32x8xf32>, f32)
  return %r#0, %r#1 : tensor<32x8xf32>, f32
}

// -----

// Left alone: K off the instruction's multiple of 16, operands that are
// not f32, an accumulator that is not f32, dynamic shapes, buffers.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: bf16
// CHECK: linalg.matmul ins(%{{.*}} : tensor<32x8xf32>, tensor<8x8xf32>)
// CHECK: linalg.matmul ins(%{{.*}} : tensor<32x16xf16>, tensor<16x8xf16>) outs(%{{.*}} : tensor<32x8xf32>)
// CHECK: linalg.matmul ins(%{{.*}} : tensor<32x16xf32>, tensor<16x8xf32>) outs(%{{.*}} : tensor<32x8xf64>)
// CHECK: linalg.matmul ins(%{{.*}} : tensor<?x16xf32>, tensor<16x8xf32>)
// CHECK: linalg.matmul ins(%{{.*}} : memref<32x16xf32>, memref<16x8xf32>)
func.func @left_alone(%a: tensor<32x8xf32>, %b: tensor<8x8xf32>, %c: tensor<32x8xf32>,
                      %h: tensor<32x16xf16>, %hb: tensor<16x8xf16>,
                      %f: tensor<32x16xf32>, %fb: tensor<16x8xf32>, %d: tensor<32x8xf64>,
                      %dyn: tensor<?x16xf32>, %dc: tensor<?x8xf32>,
                      %ma: memref<32x16xf32>, %mb: memref<16x8xf32>, %mc: memref<32x8xf32>)
    -> (tensor<32x8xf32>, tensor<32x8xf32>, tensor<32x8xf64>, tensor<?x8xf32>) {
  %r0 = linalg.matmul ins(%a, %b : tensor<32x8xf32>, tensor<8x8xf32>) outs(%c : tensor<32x8xf32>) -> tensor<32x8xf32>
  %r1 = linalg.matmul ins(%h, %hb : tensor<32x16xf16>, tensor<16x8xf16>) outs(%c : tensor<32x8xf32>) -> tensor<32x8xf32>
  %r2 = linalg.matmul ins(%f, %fb : tensor<32x16xf32>, tensor<16x8xf32>) outs(%d : tensor<32x8xf64>) -> tensor<32x8xf64>
  %r3 = linalg.matmul ins(%dyn, %fb : tensor<?x16xf32>, tensor<16x8xf32>) outs(%dc : tensor<?x8xf32>) -> tensor<?x8xf32>
  linalg.matmul ins(%ma, %mb : memref<32x16xf32>, memref<16x8xf32>) outs(%mc : memref<32x8xf32>)
  return %r0, %r1, %r2, %r3 : tensor<32x8xf32>, tensor<32x8xf32>, tensor<32x8xf64>, tensor<?x8xf32>
}
