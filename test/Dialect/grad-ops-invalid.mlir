// RUN: hrm-opt %s --split-input-file -verify-diagnostics

func.func @weight_grad_missing(%x: tensor<2x3x8xf32>, %w: tensor<8xf32>) {
  // expected-error @+1 {{missing the weight gradient result}}
  %dx = hrm.rmsnorm_grad %x, %x, %w : (tensor<2x3x8xf32>, tensor<2x3x8xf32>, tensor<8xf32>) -> tensor<2x3x8xf32>
  return
}

// -----

func.func @linear_grad_width(%x: tensor<2x3x8xf32>, %w: tensor<8x4xf32>, %dy: tensor<2x3x5xf32>) {
  // expected-error @+1 {{result gradient feature size is 5, expected 4}}
  %dx, %dw = hrm.linear_grad %x, %w, %dy : (tensor<2x3x8xf32>, tensor<8x4xf32>, tensor<2x3x5xf32>) -> (tensor<2x3x8xf32>, tensor<8x4xf32>)
  return
}

// -----

func.func @gelu_with_gate(%x: tensor<2x3x8xf32>, %g: tensor<8x16xf32>, %dn: tensor<16x8xf32>) {
  // expected-error @+1 {{gelu takes no gate projection}}
  %dx, %dg, %du, %dd = hrm.mlp_grad %x, %x, %g, %g, %dn {kind = 1 : i32} : (tensor<2x3x8xf32>, tensor<2x3x8xf32>, tensor<8x16xf32>, tensor<8x16xf32>, tensor<16x8xf32>) -> (tensor<2x3x8xf32>, tensor<8x16xf32>, tensor<8x16xf32>, tensor<16x8xf32>)
  return
}

// -----

func.func @ce_targets(%l: tensor<2x3x16xf32>, %t: tensor<2x4xi32>, %d: tensor<f32>) {
  // expected-error @+1 {{targets dimension 1 is 4, logits have 3}}
  %g = hrm.cross_entropy_grad %l, %t, %d : (tensor<2x3x16xf32>, tensor<2x4xi32>, tensor<f32>) -> tensor<2x3x16xf32>
  return
}

// -----

func.func @ce_grad_taps_without_step(%l: tensor<2x3x16xf32>, %t: tensor<2x3xi32>, %d: tensor<f32>) {
  // expected-error @+1 {{takes a step and its tapped steps together}}
  %g = hrm.cross_entropy_grad %l, %t, %d {tap_steps = array<i64: 1>} : (tensor<2x3x16xf32>, tensor<2x3xi32>, tensor<f32>) -> tensor<2x3x16xf32>
  return
}

// -----

func.func @q_head_grad_batch(%z: tensor<2x4x8xf32>, %w: tensor<8x2xf32>, %dq: tensor<3x2xf32>) {
  // expected-error @+1 {{result gradient batch is 3, expected 2}}
  %dz, %dw, %db = hrm.q_head_grad %z, %w, %dq : (tensor<2x4x8xf32>, tensor<8x2xf32>, tensor<3x2xf32>) -> (tensor<2x4x8xf32>, tensor<8x2xf32>, tensor<2xf32>)
  return
}

// -----

func.func @halt_loss_grad_correct(%q: tensor<2x2xf32>, %c: tensor<4xf32>, %last: tensor<2xi32>, %d: tensor<f32>) {
  // expected-error @+1 {{correct size is 4, expected 2}}
  %dq = hrm.halt_loss_grad %q, %q, %c, %last, %d : (tensor<2x2xf32>, tensor<2x2xf32>, tensor<4xf32>, tensor<2xi32>, tensor<f32>) -> tensor<2x2xf32>
  return
}

// -----

func.func @act_prob_grad_width(%x: tensor<2x4x8xf32>, %w: tensor<8x1xf32>, %b: tensor<1xf32>, %dp: tensor<2x4x8xf32>) {
  // expected-error @+1 {{result gradient width is 8, expected 1}}
  %dx, %dw, %db = hrm.act_prob_grad %x, %w, %b, %dp : (tensor<2x4x8xf32>, tensor<8x1xf32>, tensor<1xf32>, tensor<2x4x8xf32>) -> (tensor<2x4x8xf32>, tensor<8x1xf32>, tensor<1xf32>)
  return
}

// -----

func.func @act_update_grad_threshold(%p: tensor<2x4x1xf32>, %t: tensor<2x4x8xf32>) {
  // expected-error @+1 {{threshold must be in (0, 1], got 0}}
  %dp, %dt, %dacc, %dh, %dr = hrm.act_update_grad %p, %t, %t, %p, %p, %t, %p, %p {threshold = 0.0 : f64} : (tensor<2x4x1xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x1xf32>, tensor<2x4x1xf32>, tensor<2x4x8xf32>, tensor<2x4x1xf32>, tensor<2x4x1xf32>) -> (tensor<2x4x1xf32>, tensor<2x4x8xf32>, tensor<2x4x8xf32>, tensor<2x4x1xf32>, tensor<2x4x1xf32>)
  return
}

// -----

func.func @ponder_cost_grad_width(%r: tensor<2x4x3xf32>, %d: tensor<f32>) {
  // expected-error @+1 {{remainders width is 3, expected 1}}
  %g = hrm.ponder_cost_grad %r, %d {weight = 0.01 : f64} : (tensor<2x4x3xf32>, tensor<f32>) -> tensor<2x4x3xf32>
  return
}
