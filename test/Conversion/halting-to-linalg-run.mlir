// The halting head's lowerings run on the CPU against numbers worked out in
// float64 (by PyTorch: binary_cross_entropy_with_logits, sigmoid): three
// rows, the middle one at its last segment, so both continue targets are
// taken; rows 0 and 2 correct. sequence_correct counts a tie as correct and
// one wrong position as wrong. The head reads the last position, and its
// gradient reaches only that position.
// DEFINE: %{bufferize} = --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map"
// DEFINE: %{lower} = hrm-opt --convert-linalg-to-loops --lower-affine --convert-scf-to-cf --expand-strided-metadata --finalize-memref-to-llvm --convert-math-to-llvm --convert-to-llvm --reconcile-unrealized-casts | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | sed -e 's/base@ = 0x[0-9a-f]*//'
// RUN: hrm-opt %s --convert-hrm-to-linalg %{bufferize} | %{lower} | FileCheck %s
// Generics only, the head's position read by tensor.extract (as
// cross-entropy reads its target logit): the GPU pipeline's kind of nest.
// RUN: hrm-opt %s --convert-hrm-to-linalg | FileCheck %s --check-prefix=IR
// IR-NOT: hrm.{{(halt|q_head|sequence)}}
// IR: %[[POS:.*]] = arith.constant 2 : index
// IR: tensor.extract %{{.*}}[%{{.*}}, %[[POS]], %{{.*}}] : tensor<2x3x2xf32>
// IR-NOT: hrm.{{(halt|q_head|sequence)}}

// PyTorch: loss = 2.5108314, d loss / d q = [[-0.0448236, -0.0651640],
// [0.0198672, 0.0488725], [-0.0629234, -0.0430563]].
// CHECK: rank = 0
// CHECK-NEXT: [2.51083]
// CHECK: rank = 2 offset = 0 sizes = [3, 2]
// CHECK-NEXT: {{\[}}[-0.0448236, {{ *}}-0.065164],
// CHECK-NEXT: [0.0198672, {{ *}}0.0488725],
// CHECK-NEXT: [-0.0629234, {{ *}}-0.0430563]]
// CHECK: rank = 1 offset = 0 sizes = [2]
// CHECK-NEXT: [1, {{ *}}0]
// q = state[b, 2, :] W + bias: [1 + 1 + 0.5, -1 + 4 - 1], [3 + 2 + 0.5,
// -3 + 8 - 1].
// CHECK: rank = 2 offset = 0 sizes = [2, 2]
// CHECK-NEXT: {{\[}}[2.5, {{ *}}2],
// CHECK-NEXT: [5.5, {{ *}}4]]
// d state = dq W^T at position 2 only, for dq = [[1, 0], [0, 1]].
// CHECK: rank = 3 offset = 0 sizes = [2, 3, 2]
// CHECK-NEXT: {{\[}}{{\[}}[0, {{ *}}0],
// CHECK-NEXT: [0, {{ *}}0],
// CHECK-NEXT: [1, {{ *}}0.5]],
// CHECK-NEXT: {{\[}}[0, {{ *}}0],
// CHECK-NEXT: [0, {{ *}}0],
// CHECK-NEXT: [-1, {{ *}}2]]]
// d W = state[:, 2, :]^T dq; d bias = dq's column sums.
// CHECK: rank = 2 offset = 0 sizes = [2, 2]
// CHECK-NEXT: {{\[}}[1, {{ *}}3],
// CHECK-NEXT: [2, {{ *}}4]]
// CHECK: rank = 1 offset = 0 sizes = [2]
// CHECK-NEXT: [1, {{ *}}1]

func.func private @printMemrefF32(memref<*xf32>)

func.func @print(%t: tensor<*xf32>) {
  %m = bufferization.to_buffer %t : tensor<*xf32> to memref<*xf32>
  func.call @printMemrefF32(%m) : (memref<*xf32>) -> ()
  return
}

func.func @main() {
  %q = arith.constant dense<[[1.0, -0.5], [-2.0, 0.25], [0.5, 0.5]]> : tensor<3x2xf32>
  %next = arith.constant dense<[[0.3, 1.2], [-1.0, -3.0], [2.0, 0.0]]> : tensor<3x2xf32>
  %correct = arith.constant dense<[1.0, 0.0, 1.0]> : tensor<3xf32>
  %last = arith.constant dense<[0, 1, 0]> : tensor<3xi32>
  %acc = arith.constant dense<2.0> : tensor<f32>
  %loss = hrm.halt_loss %q, %next, %correct, %last acc(%acc : tensor<f32>) : tensor<3x2xf32>, tensor<3xf32>, tensor<3xi32> -> tensor<f32>
  %l = tensor.cast %loss : tensor<f32> to tensor<*xf32>
  func.call @print(%l) : (tensor<*xf32>) -> ()
  %one = arith.constant dense<1.0> : tensor<f32>
  %dq = hrm.halt_loss_grad %q, %next, %correct, %last, %one : (tensor<3x2xf32>, tensor<3x2xf32>, tensor<3xf32>, tensor<3xi32>, tensor<f32>) -> tensor<3x2xf32>
  %d = tensor.cast %dq : tensor<3x2xf32> to tensor<*xf32>
  func.call @print(%d) : (tensor<*xf32>) -> ()

  // Row 0: every target the maximum (position 1 a tie); row 1: position 0
  // is not.
  %logits = arith.constant dense<[[[0.0, 3.0, 1.0], [2.0, 2.0, 0.0]],
                                  [[5.0, 1.0, 0.0], [0.0, 0.0, 4.0]]]> : tensor<2x2x3xf32>
  %targets = arith.constant dense<[[1, 0], [1, 2]]> : tensor<2x2xi32>
  %c = hrm.sequence_correct %logits, %targets : tensor<2x2x3xf32>, tensor<2x2xi32> -> tensor<2xf32>
  %cu = tensor.cast %c : tensor<2xf32> to tensor<*xf32>
  func.call @print(%cu) : (tensor<*xf32>) -> ()

  %state = arith.constant dense<[[[9.0, 9.0], [9.0, 9.0], [1.0, 2.0]],
                                 [[9.0, 9.0], [9.0, 9.0], [3.0, 4.0]]]> : tensor<2x3x2xf32>
  %w = arith.constant dense<[[1.0, -1.0], [0.5, 2.0]]> : tensor<2x2xf32>
  %b = arith.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %head = hrm.q_head %state, %w, %b last : tensor<2x3x2xf32>, tensor<2x2xf32>, tensor<2xf32> -> tensor<2x2xf32>
  %hu = tensor.cast %head : tensor<2x2xf32> to tensor<*xf32>
  func.call @print(%hu) : (tensor<*xf32>) -> ()
  %dhead = arith.constant dense<[[1.0, 0.0], [0.0, 1.0]]> : tensor<2x2xf32>
  %ds, %dw, %db = hrm.q_head_grad %state, %w, %dhead {last} : (tensor<2x3x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) -> (tensor<2x3x2xf32>, tensor<2x2xf32>, tensor<2xf32>)
  %dsu = tensor.cast %ds : tensor<2x3x2xf32> to tensor<*xf32>
  func.call @print(%dsu) : (tensor<*xf32>) -> ()
  %dwu = tensor.cast %dw : tensor<2x2xf32> to tensor<*xf32>
  func.call @print(%dwu) : (tensor<*xf32>) -> ()
  %dbu = tensor.cast %db : tensor<2xf32> to tensor<*xf32>
  func.call @print(%dbu) : (tensor<*xf32>) -> ()
  return
}
