// RUN: hrm-opt %s --split-input-file --hrm-adamw-entry | FileCheck %s
// RUN: hrm-opt %s --split-input-file --hrm-adamw-entry --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --hrm-drop-updated-results | FileCheck %s --check-prefix=INPLACE

// loss_grad's arguments, then a moment pair per gradient (in loss_grad's
// result order, named as checkpoints name them), then the hyperparameters;
// the loss, the global norm, and the updated parameters and moments, each
// marked with the argument it updates.
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %[[W:[a-z0-9]+]]: tensor<4x2x8xf32> {hrm.param = "w"}, %[[G:[a-z0-9]+]]: tensor<8xf32> {hrm.param = "g"}, %[[TOK:[a-z0-9]+]]: tensor<2x3xi32>,
// CHECK-SAME: %[[MG:[a-z0-9]+]]: tensor<8xf32> {hrm.name = "adam.m.g"}, %[[VG:[a-z0-9]+]]: tensor<8xf32> {hrm.name = "adam.v.g"},
// CHECK-SAME: %[[MW:[a-z0-9]+]]: tensor<4x2x8xf32> {hrm.name = "adam.m.w"}, %[[VW:[a-z0-9]+]]: tensor<4x2x8xf32> {hrm.name = "adam.v.w"},
// CHECK-SAME: %[[H:[a-z0-9]+]]: tensor<8xf64> {hrm.name = "adamw"})
// CHECK-SAME: -> (tensor<f32> {hrm.loss}, tensor<f64> {hrm.name = "grad_norm"},
// CHECK-SAME: tensor<8xf32> {hrm.updates = 1 : i64}, tensor<4x2x8xf32> {hrm.updates = 0 : i64},
// CHECK-SAME: tensor<8xf32> {hrm.updates = 3 : i64}, tensor<8xf32> {hrm.updates = 4 : i64},
// CHECK-SAME: tensor<4x2x8xf32> {hrm.updates = 5 : i64}, tensor<4x2x8xf32> {hrm.updates = 6 : i64})
// CHECK-SAME: attributes {hrm.entry, llvm.emit_c_interface}
// CHECK: %[[R:.*]]:3 = call @loss_grad(%[[W]], %[[G]], %[[TOK]])
// Row sums of squares, a vector as one row and leading dimensions
// collapsed, each written into its slice of one vector of partial sums.
// CHECK: %[[GM:.*]] = tensor.expand_shape %[[R]]#1 {{\[\[}}0, 1]] output_shape [1, 8]
// CHECK: %[[WM:.*]] = tensor.collapse_shape %[[R]]#2 {{\[\[}}0, 1], [2]]
// CHECK: %[[P:.*]] = tensor.empty() : tensor<9xf64>
// CHECK: %[[S0:.*]] = tensor.extract_slice %[[P]][0] [1] [1]
// CHECK: %[[Z0:.*]] = linalg.fill {{.*}} outs(%[[S0]]
// CHECK: %[[SQ0:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[GM]] : tensor<1x8xf32>) outs(%[[Z0]] : tensor<1xf64>)
// CHECK: arith.extf
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: %[[P1:.*]] = tensor.insert_slice %[[SQ0]] into %[[P]][0] [1] [1]
// CHECK: tensor.extract_slice %[[P1]][1] [8] [1]
// CHECK: linalg.generic {{.*}} ins(%[[WM]] : tensor<8x8xf32>)
// CHECK: %[[P2:.*]] = tensor.insert_slice {{.*}} into %[[P1]][1] [8] [1]
// Their sum in two levels: 3 groups of 3 rows, then the groups.
// CHECK: %[[GR:.*]] = tensor.expand_shape %[[P2]] {{\[\[}}0, 1]] output_shape [3, 3] : tensor<9xf64> into tensor<3x3xf64>
// CHECK: %[[GS:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[GR]] : tensor<3x3xf64>) outs(%{{.*}} : tensor<3xf64>)
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["reduction"]} ins(%[[GS]] : tensor<3xf64>)
// The norm, and the clipping scale from the bound (slot 5).
// CHECK: %[[NS:.*]]:2 = linalg.generic {indexing_maps = [#{{.*}}, #[[CLIP:map[0-9]*]], {{.*}}], iterator_types = []} ins(%[[SUM]], %[[H]] : tensor<f64>, tensor<8xf64>)
// CHECK: math.sqrt
// CHECK: arith.select
// The update of each parameter and its moments, in place (their
// arguments are the outputs); weight decay on the matrix only.
// CHECK: %[[UG:.*]]:3 = linalg.generic {{.*}} ins(%[[R]]#1, %[[NS]]#1, %[[H]], {{.*}}) outs(%[[G]], %[[MG]], %[[VG]] : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
// CHECK: math.sqrt
// CHECK-NEXT: arith.addf
// CHECK-NEXT: arith.divf
// CHECK-NEXT: arith.mulf
// CHECK-NEXT: arith.subf
// CHECK: %[[UW:.*]]:3 = linalg.generic {{.*}} outs(%[[W]], %[[MW]], %[[VW]] : tensor<4x2x8xf32>, tensor<4x2x8xf32>, tensor<4x2x8xf32>)
// CHECK: math.sqrt
// CHECK-NEXT: arith.addf
// CHECK-NEXT: arith.divf
// CHECK-NEXT: arith.mulf
// CHECK-NEXT: arith.addf
// CHECK: return %[[R]]#0, %[[NS]]#0, %[[UG]]#0, %[[UW]]#0, %[[UG]]#1, %[[UG]]#2, %[[UW]]#1, %[[UW]]#2

// Bufferized, the updates write the arguments' buffers and leave the
// signature: the entry returns the loss and the norm only.
// INPLACE-LABEL: func.func @train_step(
// INPLACE-SAME: %[[W:[a-z0-9]+]]: memref<4x2x8xf32> {hrm.param = "w"}, %[[G:[a-z0-9]+]]: memref<8xf32> {hrm.param = "g"}
// INPLACE-SAME: %[[MG:[a-z0-9]+]]: memref<8xf32> {hrm.name = "adam.m.g"}, %[[VG:[a-z0-9]+]]: memref<8xf32> {hrm.name = "adam.v.g"}
// INPLACE-SAME: -> (memref<f32> {hrm.loss}, memref<f64> {hrm.name = "grad_norm"})
// INPLACE: linalg.generic {{.*}} outs(%[[G]], %[[MG]], %[[VG]] : memref<8xf32>, memref<8xf32>, memref<8xf32>)
// INPLACE: return %{{.*}}, %{{.*}} : memref<f32>, memref<f64>
func.func @loss_grad(%w: tensor<4x2x8xf32> {hrm.param = "w"},
                     %g: tensor<8xf32> {hrm.param = "g"},
                     %tokens: tensor<2x3xi32>)
    -> (tensor<f32> {hrm.loss}, tensor<8xf32> {hrm.grad = "g"},
        tensor<4x2x8xf32> {hrm.grad = "w"})
    attributes {hrm.entry, llvm.emit_c_interface} {
  %loss = tensor.empty() : tensor<f32>
  return %loss, %g, %w : tensor<f32>, tensor<8xf32>, tensor<4x2x8xf32>
}
