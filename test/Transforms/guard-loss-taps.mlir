// RUN: hrm-opt %s --split-input-file --hrm-guard-loss-taps | FileCheck %s
// RUN: hrm-opt %s --split-input-file --hrm-guard-loss-taps --remarks-filter=hrm-guard-loss-taps -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
// What the pass did, where, and (missed) why not: one remark each.
// REMARK: guard-loss-taps.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] guard | Category:hrm-guard-loss-taps | Function=loop_loss | Remark="the loss and its head run only at tapped steps", ops-moved=3
// REMARK: guard-loss-taps.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] guard | Category:hrm-guard-loss-taps | Function=step_fwd | Remark="the loss and its head run only at tapped steps", ops-moved=2
// REMARK: guard-loss-taps.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] guard | Category:hrm-guard-loss-taps | Function=step_bwd | Remark="the loss's gradient runs only at tapped steps", ops-moved=6
// REMARK: guard-loss-taps.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] guard | Category:hrm-guard-loss-taps | Function=first_bwd | Remark="the loss's gradient runs only at tapped steps", ops-moved=2
// REMARK: guard-loss-taps.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] guard | Category:hrm-guard-loss-taps | Function=untouched | Remark="the loss and its head run only at tapped steps", ops-moved=1
// REMARK: guard-loss-taps.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Missed] guard | Category:hrm-guard-loss-taps | Function=dynamic | Reason="a value it makes has a dynamic shape or is read before the guard", Remark="the loss's gradient runs at every step"
// REMARK: guard-loss-taps.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] guard | Category:hrm-guard-loss-taps | Function=remade_logits | Remark="the loss's gradient runs only at tapped steps", ops-moved=4
// REMARK: guard-loss-taps.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] guard | Category:hrm-guard-loss-taps | Function=remade_norm | Remark="the loss's gradient runs only at tapped steps", ops-moved=7
// REMARK: guard-loss-taps.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] guard | Category:hrm-guard-loss-taps | Function=readout | Remark="the loss and its head run only at tapped steps", ops-moved=3
// REMARK: guard-loss-taps.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] guard | Category:hrm-guard-loss-taps | Function=opaque_readout | Remark="the loss and its head run only at tapped steps", ops-moved=2
// REMARK: guard-loss-taps.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] guard | Category:hrm-guard-loss-taps | Function=constant_step | Remark="the loss and its head run only at tapped steps", ops-moved=4
// REMARK-NOT: remark:

// A loss summed over listed steps of a loop: the final norm, the head and
// the loss run only at those steps; elsewhere the sum passes through.
// CHECK-LABEL: func.func @loop_loss
// CHECK: scf.for %[[I:.*]] = {{.*}} iter_args(%[[ACC:.*]] = %{{.*}})
// CHECK-NEXT: %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[IS0:.*]] = arith.cmpi eq, %[[I]], %[[C0]] : index
// CHECK-NEXT: %[[C2:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[IS2:.*]] = arith.cmpi eq, %[[I]], %[[C2]] : index
// CHECK-NEXT: %[[TAPS:.*]] = arith.ori %[[IS0]], %[[IS2]] : i1
// CHECK-NEXT: %[[R:.*]] = scf.if %[[TAPS]] -> (tensor<f32>) {
// CHECK-NEXT: hrm.rmsnorm
// CHECK-NEXT: hrm.lm_head
// CHECK-NEXT: %[[L:.*]] = hrm.cross_entropy {{.*}} acc(%[[ACC]] : tensor<f32>) at %[[I]] taps [0, 2]
// CHECK-NEXT: scf.yield %[[L]]
// CHECK-NEXT: } else {
// CHECK-NEXT: scf.yield %[[ACC]]
// CHECK-NEXT: }
// CHECK-NEXT: scf.yield %[[R]]
func.func @loop_loss(%x: tensor<1x4x8xf32>, %nw: tensor<8xf32>, %w: tensor<8x16xf32>, %t: tensor<1x4xi32>) -> tensor<f32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %zero = arith.constant dense<0.0> : tensor<f32>
  %r = scf.for %i = %c0 to %c3 step %c1 iter_args(%acc = %zero) -> (tensor<f32>) {
    %n = hrm.rmsnorm %x weight %nw eps 1.000000e-05 : tensor<1x4x8xf32>, tensor<8xf32>
    %l = hrm.lm_head %n, %w : tensor<1x4x8xf32>, tensor<8x16xf32> -> tensor<1x4x16xf32>
    %s = hrm.cross_entropy %l, %t acc(%acc : tensor<f32>) at %i taps [0, 2] {scale = 5.000000e-01 : f64} : tensor<1x4x16xf32>, tensor<1x4xi32> -> tensor<f32>
    scf.yield %s : tensor<f32>
  }
  return %r : tensor<f32>
}

// -----

// A training step's forward returns the head's logits for its backward:
// unwritten where the step does not tap. A step of weight 0 does not tap. A
// norm whose output leaves too (a backward that reads it; hrm-autodiff
// makes the norm again instead) stays outside, as does the state it reads.
// CHECK-LABEL: func.func @step_fwd
// CHECK: %[[STATE:.*]] = hrm.add
// CHECK-NEXT: %[[N:.*]] = hrm.rmsnorm %[[STATE]]
// CHECK-NEXT: %[[C2:.*]] = arith.constant 2 : index
// CHECK-NEXT: %[[TAPS:.*]] = arith.cmpi eq, %{{.*}}, %[[C2]] : index
// CHECK-NEXT: %[[R:.*]]:2 = scf.if %[[TAPS]] -> (tensor<f32>, tensor<1x4x16xf32>) {
// CHECK-NEXT: %[[L:.*]] = hrm.lm_head %[[N]]
// CHECK-NEXT: %[[S:.*]] = hrm.cross_entropy %[[L]]
// CHECK-NEXT: scf.yield %[[S]], %[[L]]
// CHECK-NEXT: } else {
// CHECK-NEXT: %[[E:.*]] = tensor.empty() : tensor<1x4x16xf32>
// CHECK-NEXT: scf.yield %{{.*}}, %[[E]]
// CHECK: return %[[STATE]], %[[R]]#0, %[[N]], %[[R]]#1
func.func @step_fwd(%i: index, %x: tensor<1x4x8xf32>, %acc: tensor<f32>, %nw: tensor<8xf32>, %w: tensor<8x16xf32>, %t: tensor<1x4xi32>) -> (tensor<1x4x8xf32>, tensor<f32>, tensor<1x4x8xf32>, tensor<1x4x16xf32>) {
  %state = hrm.add %x, %x : tensor<1x4x8xf32>, tensor<1x4x8xf32>
  %n = hrm.rmsnorm %state weight %nw eps 1.000000e-05 : tensor<1x4x8xf32>, tensor<8xf32>
  %l = hrm.lm_head %n, %w : tensor<1x4x8xf32>, tensor<8x16xf32> -> tensor<1x4x16xf32>
  %s = hrm.cross_entropy %l, %t acc(%acc : tensor<f32>) at %i taps [0, 2] weights [0.0, 1.0] : tensor<1x4x16xf32>, tensor<1x4xi32> -> tensor<f32>
  return %state, %s, %n, %l : tensor<1x4x8xf32>, tensor<f32>, tensor<1x4x8xf32>, tensor<1x4x16xf32>
}

// -----

// A training step's backward: the loss gradient, the head's and the
// norm's gradients and the sums they are added into move into the if;
// elsewhere each sum passes its other operand through. The state gradient,
// used by the module's backward, is a sum too.
// CHECK-LABEL: func.func @step_bwd
// CHECK: %[[R:.*]]:3 = scf.if %{{.*}} -> (tensor<8x16xf32>, tensor<1x4x8xf32>, tensor<8xf32>) {
// CHECK-NEXT: %[[G:.*]] = hrm.cross_entropy_grad
// CHECK-NEXT: %[[DX:.*]], %[[DW:.*]] = hrm.linear_grad %{{.*}}, %{{.*}}, %[[G]]
// CHECK-NEXT: %[[SW:.*]] = linalg.add ins(%[[WSUM:.*]], %[[DW]]
// CHECK: %[[DN:.*]], %[[DNW:.*]] = hrm.rmsnorm_grad %{{.*}}, %[[DX]]
// CHECK-NEXT: %[[SX:.*]] = linalg.add ins(%[[XSUM:.*]], %[[DN]]
// CHECK: %[[SN:.*]] = linalg.add ins(%[[NSUM:.*]], %[[DNW]]
// CHECK: scf.yield %[[SW]], %[[SX]], %[[SN]]
// CHECK-NEXT: } else {
// CHECK-NEXT: scf.yield %[[WSUM]], %[[XSUM]], %[[NSUM]]
// CHECK-NEXT: }
// CHECK-NEXT: %[[NEXT:.*]] = hrm.add %[[R]]#1, %[[R]]#1
// CHECK-NEXT: return %[[NEXT]], %[[R]]#0, %[[R]]#2
func.func @step_bwd(%i: index, %logits: tensor<1x4x16xf32>, %t: tensor<1x4xi32>, %dl: tensor<f32>, %n: tensor<1x4x8xf32>, %state: tensor<1x4x8xf32>, %nw: tensor<8xf32>, %w: tensor<8x16xf32>, %wsum: tensor<8x16xf32>, %xsum: tensor<1x4x8xf32>, %nsum: tensor<8xf32>) -> (tensor<1x4x8xf32>, tensor<8x16xf32>, tensor<8xf32>) {
  %g = hrm.cross_entropy_grad %logits, %t, %dl, %i {scale = 5.000000e-01 : f64, tap_steps = array<i64: 0, 2>} : (tensor<1x4x16xf32>, tensor<1x4xi32>, tensor<f32>, index) -> tensor<1x4x16xf32>
  %dx, %dw = hrm.linear_grad %n, %w, %g : (tensor<1x4x8xf32>, tensor<8x16xf32>, tensor<1x4x16xf32>) -> (tensor<1x4x8xf32>, tensor<8x16xf32>)
  %sw = linalg.add ins(%wsum, %dw : tensor<8x16xf32>, tensor<8x16xf32>) outs(%wsum : tensor<8x16xf32>) -> tensor<8x16xf32>
  %dn, %dnw = hrm.rmsnorm_grad %state, %dx, %nw : (tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<8xf32>) -> (tensor<1x4x8xf32>, tensor<8xf32>)
  %sx = linalg.add ins(%xsum, %dn : tensor<1x4x8xf32>, tensor<1x4x8xf32>) outs(%xsum : tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  %sn = linalg.add ins(%nsum, %dnw : tensor<8xf32>, tensor<8xf32>) outs(%nsum : tensor<8xf32>) -> tensor<8xf32>
  %next = hrm.add %sx, %sx : tensor<1x4x8xf32>, tensor<1x4x8xf32>
  return %next, %sw, %sn : tensor<1x4x8xf32>, tensor<8x16xf32>, tensor<8xf32>
}

// -----

// The gradient used before it could be summed (no sum: the first step of
// an unrolled backward): the if yields it, zeros elsewhere.
// CHECK-LABEL: func.func @first_bwd
// CHECK: %[[R:.*]]:2 = scf.if %{{.*}} -> (tensor<1x4x8xf32>, tensor<8x16xf32>) {
// CHECK: hrm.linear_grad
// CHECK: } else {
// CHECK: linalg.fill {{.*}} -> tensor<1x4x8xf32>
// CHECK: linalg.fill {{.*}} -> tensor<8x16xf32>
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @first_bwd(%i: index, %logits: tensor<1x4x16xf32>, %t: tensor<1x4xi32>, %dl: tensor<f32>, %n: tensor<1x4x8xf32>, %w: tensor<8x16xf32>) -> (tensor<1x4x8xf32>, tensor<8x16xf32>) {
  %g = hrm.cross_entropy_grad %logits, %t, %dl, %i {tap_steps = array<i64: 1>} : (tensor<1x4x16xf32>, tensor<1x4xi32>, tensor<f32>, index) -> tensor<1x4x16xf32>
  %dx, %dw = hrm.linear_grad %n, %w, %g : (tensor<1x4x8xf32>, tensor<8x16xf32>, tensor<1x4x16xf32>) -> (tensor<1x4x8xf32>, tensor<8x16xf32>)
  return %dx, %dw : tensor<1x4x8xf32>, tensor<8x16xf32>
}

// -----

// Left alone: a loss without a step (every step or the last taps), and a
// head whose output serves something else too (only the loss moves).
// CHECK-LABEL: func.func @untouched
// CHECK-NOT: scf.if
// CHECK: hrm.cross_entropy %{{.*}}, %{{.*}} :
// CHECK: %[[L:.*]] = hrm.lm_head
// CHECK: scf.if
// CHECK-NEXT: hrm.cross_entropy %[[L]]
// CHECK: return
func.func @untouched(%i: index, %n: tensor<1x4x8xf32>, %w: tensor<8x16xf32>, %t: tensor<1x4xi32>, %acc: tensor<f32>) -> (tensor<f32>, tensor<f32>, tensor<1x4x16xf32>) {
  %l0 = hrm.lm_head %n, %w : tensor<1x4x8xf32>, tensor<8x16xf32> -> tensor<1x4x16xf32>
  %s0 = hrm.cross_entropy %l0, %t : tensor<1x4x16xf32>, tensor<1x4xi32> -> tensor<f32>
  %l = hrm.lm_head %n, %w : tensor<1x4x8xf32>, tensor<8x16xf32> -> tensor<1x4x16xf32>
  %twice = hrm.add %l, %l : tensor<1x4x16xf32>, tensor<1x4x16xf32>
  %s = hrm.cross_entropy %l, %t acc(%acc : tensor<f32>) at %i taps [1] : tensor<1x4x16xf32>, tensor<1x4xi32> -> tensor<f32>
  return %s0, %s, %twice : tensor<f32>, tensor<f32>, tensor<1x4x16xf32>
}

// -----

// Dynamic shapes (before hrm-specialize-shapes): left alone.
// CHECK-LABEL: func.func @dynamic
// CHECK-NOT: scf.if
// CHECK: return
func.func @dynamic(%i: index, %l: tensor<?x?x16xf32>, %t: tensor<?x?xi32>, %dl: tensor<f32>, %n: tensor<?x?x8xf32>, %w: tensor<8x16xf32>) -> (tensor<?x?x8xf32>, tensor<8x16xf32>) {
  %g = hrm.cross_entropy_grad %l, %t, %dl, %i {tap_steps = array<i64: 1>} : (tensor<?x?x16xf32>, tensor<?x?xi32>, tensor<f32>, index) -> tensor<?x?x16xf32>
  %dx, %dw = hrm.linear_grad %n, %w, %g : (tensor<?x?x8xf32>, tensor<8x16xf32>, tensor<?x?x16xf32>) -> (tensor<?x?x8xf32>, tensor<8x16xf32>)
  return %dx, %dw : tensor<?x?x8xf32>, tensor<8x16xf32>
}

// -----

// The logits made again in the backward for the loss gradient alone move
// into the if with it.
// CHECK-LABEL: func.func @remade_logits
// CHECK-NOT: hrm.lm_head
// CHECK: scf.if
// CHECK-NEXT: %[[L:.*]] = hrm.lm_head
// CHECK-NEXT: hrm.cross_entropy_grad %[[L]]
func.func @remade_logits(%i: index, %t: tensor<1x4xi32>, %dl: tensor<f32>, %n: tensor<1x4x8xf32>, %w: tensor<8x16xf32>, %wsum: tensor<8x16xf32>) -> (tensor<1x4x8xf32>, tensor<8x16xf32>) {
  %l = hrm.lm_head %n, %w : tensor<1x4x8xf32>, tensor<8x16xf32> -> tensor<1x4x16xf32>
  %g = hrm.cross_entropy_grad %l, %t, %dl, %i {tap_steps = array<i64: 1>} : (tensor<1x4x16xf32>, tensor<1x4xi32>, tensor<f32>, index) -> tensor<1x4x16xf32>
  %dx, %dw = hrm.linear_grad %n, %w, %g : (tensor<1x4x8xf32>, tensor<8x16xf32>, tensor<1x4x16xf32>) -> (tensor<1x4x8xf32>, tensor<8x16xf32>)
  %sw = linalg.add ins(%wsum, %dw : tensor<8x16xf32>, tensor<8x16xf32>) outs(%wsum : tensor<8x16xf32>) -> tensor<8x16xf32>
  return %dx, %sw : tensor<1x4x8xf32>, tensor<8x16xf32>
}

// -----

// The final norm made again in the backward with the logits, which the
// head's gradient reads too: it moves into the if with them. The state it
// reads, which the norm's gradient reads too, stays outside.
// CHECK-LABEL: func.func @remade_norm
// CHECK-NOT: hrm.rmsnorm
// CHECK: scf.if
// CHECK-NEXT: %[[N:.*]] = hrm.rmsnorm %[[STATE:arg[0-9]+]]
// CHECK-NEXT: %[[L:.*]] = hrm.lm_head %[[N]]
// CHECK-NEXT: %[[G:.*]] = hrm.cross_entropy_grad %[[L]]
// CHECK-NEXT: %[[DX:.*]], %{{.*}} = hrm.linear_grad %[[N]], %{{.*}}, %[[G]]
// CHECK: hrm.rmsnorm_grad %[[STATE]], %[[DX]]
// CHECK: } else {
func.func @remade_norm(%i: index, %t: tensor<1x4xi32>, %dl: tensor<f32>, %state: tensor<1x4x8xf32>, %nw: tensor<8xf32>, %w: tensor<8x16xf32>, %wsum: tensor<8x16xf32>, %xsum: tensor<1x4x8xf32>) -> (tensor<1x4x8xf32>, tensor<8x16xf32>) {
  %n = hrm.rmsnorm %state weight %nw eps 1.000000e-05 : tensor<1x4x8xf32>, tensor<8xf32>
  %l = hrm.lm_head %n, %w : tensor<1x4x8xf32>, tensor<8x16xf32> -> tensor<1x4x16xf32>
  %g = hrm.cross_entropy_grad %l, %t, %dl, %i {tap_steps = array<i64: 1>} : (tensor<1x4x16xf32>, tensor<1x4xi32>, tensor<f32>, index) -> tensor<1x4x16xf32>
  %dx, %dw = hrm.linear_grad %n, %w, %g : (tensor<1x4x8xf32>, tensor<8x16xf32>, tensor<1x4x16xf32>) -> (tensor<1x4x8xf32>, tensor<8x16xf32>)
  %sw = linalg.add ins(%wsum, %dw : tensor<8x16xf32>, tensor<8x16xf32>) outs(%wsum : tensor<8x16xf32>) -> tensor<8x16xf32>
  %dn, %dnw = hrm.rmsnorm_grad %state, %dx, %nw : (tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<8xf32>) -> (tensor<1x4x8xf32>, tensor<8xf32>)
  %sx = linalg.add ins(%xsum, %dn : tensor<1x4x8xf32>, tensor<1x4x8xf32>) outs(%xsum : tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  return %sx, %sw : tensor<1x4x8xf32>, tensor<8x16xf32>
}

// -----

// A readout module before the head (recurrent depth's coda, a call after
// convert-hrm-to-func) moves with it when its body is pure; a call of a
// function without a body, which may do anything, stays outside.
// CHECK-LABEL: func.func @readout
// CHECK-NOT: call @coda
// CHECK: scf.if
// CHECK-NEXT: %[[R:.*]] = func.call @coda(
// CHECK-NEXT: hrm.lm_head %[[R]]
// CHECK-LABEL: func.func @opaque_readout
// CHECK: %[[R:.*]] = call @opaque(
// CHECK: scf.if
// CHECK-NEXT: hrm.lm_head %[[R]]
func.func private @coda(%x: tensor<1x4x8xf32>, %nw: tensor<8xf32>) -> tensor<1x4x8xf32> {
  %n = hrm.rmsnorm %x weight %nw eps 1.000000e-05 : tensor<1x4x8xf32>, tensor<8xf32>
  %y = hrm.add %x, %n : tensor<1x4x8xf32>, tensor<1x4x8xf32>
  return %y : tensor<1x4x8xf32>
}
func.func private @opaque(tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
func.func @readout(%i: index, %x: tensor<1x4x8xf32>, %nw: tensor<8xf32>, %w: tensor<8x16xf32>, %t: tensor<1x4xi32>, %acc: tensor<f32>) -> tensor<f32> {
  %r = func.call @coda(%x, %nw) : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
  %l = hrm.lm_head %r, %w : tensor<1x4x8xf32>, tensor<8x16xf32> -> tensor<1x4x16xf32>
  %s = hrm.cross_entropy %l, %t acc(%acc : tensor<f32>) at %i taps [1] : tensor<1x4x16xf32>, tensor<1x4xi32> -> tensor<f32>
  return %s : tensor<f32>
}
func.func @opaque_readout(%i: index, %x: tensor<1x4x8xf32>, %w: tensor<8x16xf32>, %t: tensor<1x4xi32>, %acc: tensor<f32>) -> tensor<f32> {
  %r = func.call @opaque(%x) : (tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  %l = hrm.lm_head %r, %w : tensor<1x4x8xf32>, tensor<8x16xf32> -> tensor<1x4x16xf32>
  %s = hrm.cross_entropy %l, %t acc(%acc : tensor<f32>) at %i taps [1] : tensor<1x4x16xf32>, tensor<1x4xi32> -> tensor<f32>
  return %s : tensor<f32>
}

// -----

// Unrolled code: the step is a constant that the head's inputs read too
// (a step embedding). It stays outside, since the guard compares it; the
// embedding's row, read only by the head, moves.
// CHECK-LABEL: func.func @constant_step
// CHECK: %[[C1:.*]] = arith.constant 1 : index
// CHECK-NOT: hrm.step_embedding
// CHECK: arith.cmpi eq, %[[C1]], %{{.*}} : index
// CHECK: scf.if
// CHECK-NEXT: hrm.step_embedding %{{.*}}[%[[C1]]]
func.func @constant_step(%x: tensor<1x4x8xf32>, %table: tensor<3x8xf32>, %w: tensor<8x16xf32>, %t: tensor<1x4xi32>, %acc: tensor<f32>) -> tensor<f32> {
  %c1 = arith.constant 1 : index
  %e = hrm.step_embedding %table[%c1] : tensor<3x8xf32> -> tensor<8xf32>
  %h = hrm.add %x, %e : tensor<1x4x8xf32>, tensor<8xf32>
  %l = hrm.lm_head %h, %w : tensor<1x4x8xf32>, tensor<8x16xf32> -> tensor<1x4x16xf32>
  %s = hrm.cross_entropy %l, %t acc(%acc : tensor<f32>) at %c1 taps [1] : tensor<1x4x16xf32>, tensor<1x4xi32> -> tensor<f32>
  return %s : tensor<f32>
}
