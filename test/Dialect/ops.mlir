// Every op and attribute survives print -> parse -> print, in the custom and
// in the generic form.
// RUN: hrm-opt %s | hrm-opt | FileCheck %s
// RUN: hrm-opt %s --mlir-print-op-generic | hrm-opt | FileCheck %s

!act = tensor<?x?x8xf32>

// CHECK-LABEL: hrm.model @everything attributes {max_seq_len = 16 : i64}
hrm.model @everything attributes {max_seq_len = 16 : i64} {
  // CHECK: hrm.param @embed : tensor<16x8xf32> init <normal(5.000000e-01)>
  hrm.param @embed : tensor<16x8xf32> init <normal(0.5)>
  // CHECK: hrm.param @wq : tensor<8x8xf32> init <trunc_normal(1.250000e-01)>
  hrm.param @wq : tensor<8x8xf32> init <trunc_normal(0.125)>
  hrm.param @wk : tensor<8x8xf32> init <trunc_normal(0.125)>
  hrm.param @wv : tensor<8x8xf32> init <trunc_normal(0.125)>
  hrm.param @wo : tensor<8x8xf32> init <trunc_normal(0.125)>
  // CHECK: hrm.param @norm : tensor<8xf32> init <ones>
  hrm.param @norm : tensor<8xf32> init <ones>
  // CHECK: hrm.param @bias_like : tensor<8xf32> init <zeros>
  hrm.param @bias_like : tensor<8xf32> init <zeros>
  // CHECK: hrm.param @state0 : tensor<8xf32> init <trunc_normal(1.000000e+00)> frozen
  hrm.param @state0 : tensor<8xf32> init <trunc_normal(1.0)> frozen
  // CHECK: hrm.param @halt_bias : tensor<2xf32> init <constant(-5.000000e+00)>
  hrm.param @halt_bias : tensor<2xf32> init <constant(-5.0)>
  hrm.param @gate : tensor<8x16xf32> init <trunc_normal(0.125)>
  hrm.param @up : tensor<8x16xf32> init <trunc_normal(0.125)>
  hrm.param @down : tensor<16x8xf32> init <trunc_normal(0.25)>
  hrm.param @inject : tensor<16x8xf32> init <trunc_normal(0.25)>
  hrm.param @steps : tensor<4x8xf32> init <trunc_normal(0.25)>
  hrm.param @head : tensor<8x16xf32> init <trunc_normal(0.25)>

  // CHECK-LABEL: hrm.module @block(%{{.*}}: tensor<?x?x8xf32>, %{{.*}}: tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  hrm.module @block(%h: !act, %q: !act) -> !act {
    %wq = hrm.weight @wq : tensor<8x8xf32>
    %wk = hrm.weight @wk : tensor<8x8xf32>
    %wv = hrm.weight @wv : tensor<8x8xf32>
    %wo = hrm.weight @wo : tensor<8x8xf32>
    %g = hrm.weight @norm : tensor<8xf32>
    // CHECK: rmsnorm %{{.*}} eps 1.000000e-05 : tensor<?x?x8xf32>
    %n = hrm.rmsnorm %h eps 1.0e-5 : !act
    // CHECK: rmsnorm %{{.*}} weight %{{.*}} eps 5.000000e-01 : tensor<?x?x8xf32>, tensor<8xf32>
    %n2 = hrm.rmsnorm %h weight %g eps 0.5 : !act, tensor<8xf32>
    // CHECK: attention %{{.*}} weights(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) heads 2 mask causal rope 1.000000e+04 : tensor<?x?x8xf32>, tensor<8x8xf32>
    %a = hrm.attention %n weights(%wq, %wk, %wv, %wo) heads 2 mask causal rope 1.0e4 : !act, tensor<8x8xf32>
    // CHECK: attention %{{.*}} query %{{.*}} heads 4 mask bidirectional : tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<?x?x8xf32>
    %b = hrm.attention %n2 weights(%wq, %wk, %wv, %wo) query %q heads 4 mask bidirectional : !act, tensor<8x8xf32>, !act
    // CHECK: heads 2 mask prefix prefix 3 : tensor<?x?x8xf32>
    %c = hrm.attention %n weights(%wq, %wk, %wv, %wo) heads 2 mask prefix prefix 3 : !act, tensor<8x8xf32>
    %wg = hrm.weight @gate : tensor<8x16xf32>
    %wu = hrm.weight @up : tensor<8x16xf32>
    %wd = hrm.weight @down : tensor<16x8xf32>
    // CHECK: mlp swiglu %{{.*}} gate %{{.*}} up %{{.*}} down %{{.*}} : tensor<?x?x8xf32>, tensor<8x16xf32>, tensor<16x8xf32>, tensor<8x16xf32>
    %m = hrm.mlp swiglu %a gate %wg up %wu down %wd : !act, tensor<8x16xf32>, tensor<16x8xf32>, tensor<8x16xf32>
    // CHECK: mlp gelu %{{.*}} up %{{.*}} down %{{.*}} : tensor<?x?x8xf32>, tensor<8x16xf32>, tensor<16x8xf32>
    %m2 = hrm.mlp gelu %b up %wu down %wd : !act, tensor<8x16xf32>, tensor<16x8xf32>
    %s1 = hrm.add %m, %m2 : !act, !act
    %s2 = hrm.add %s1, %c : !act, !act
    // CHECK: yield %{{.*}} : tensor<?x?x8xf32>
    hrm.yield %s2 : !act
  }

  // CHECK-LABEL: hrm.module @mix
  hrm.module @mix(%s: !act, %e: !act) -> !act {
    // CHECK: concat %{{.*}}, %{{.*}} : tensor<?x?x8xf32>, tensor<?x?x8xf32> -> tensor<?x?x16xf32>
    %c = hrm.concat %s, %e : !act, !act -> tensor<?x?x16xf32>
    %w = hrm.weight @inject : tensor<16x8xf32>
    // CHECK: linear %{{.*}}, %{{.*}} : tensor<?x?x16xf32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
    %l = hrm.linear %c, %w : tensor<?x?x16xf32>, tensor<16x8xf32> -> !act
    hrm.yield %l : !act
  }

  // CHECK-LABEL: func.func @logits
  func.func @logits(%tokens: tensor<?x?xi32>) -> tensor<?x?x16xf32> {
    %table = hrm.weight @embed : tensor<16x8xf32>
    // CHECK: hrm.embed %{{.*}}, %{{.*}} scale 2.000000e+00 : tensor<?x?xi32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
    %x = hrm.embed %tokens, %table scale 2.0 : tensor<?x?xi32>, tensor<16x8xf32> -> !act
    // CHECK: hrm.zeros_like %{{.*}} : tensor<?x?x8xf32>
    %z = hrm.zeros_like %x : !act
    %v = hrm.weight @norm : tensor<8xf32>
    // CHECK: hrm.broadcast %{{.*}} like %{{.*}} : tensor<8xf32>, tensor<?x?x8xf32>
    %f0 = hrm.broadcast %v like %x : tensor<8xf32>, !act
    %reset = arith.constant dense<1> : tensor<2xi32>
    %mask = tensor.cast %reset : tensor<2xi32> to tensor<?xi32>
    // CHECK: hrm.carry_in %{{.*}} or %{{.*}} reset %{{.*}} : tensor<?xi32>, tensor<?x?x8xf32>
    %c0 = hrm.carry_in %z or %f0 reset %mask : tensor<?xi32>, !act
    // CHECK: hrm.random_normal_like %{{.*}} std 1.000000e+00 seed 7 : tensor<?x?x8xf32>
    %r = hrm.random_normal_like %x std 1.0 seed 7 : !act
    // CHECK: hrm.random_normal_like %{{.*}} std 1.000000e+00 seed 7 draw %{{.*}} at %{{.*}} : tensor<?x?x8xf32>
    %draw = arith.constant 3 : i32
    %at = arith.constant 5 : index
    %r2 = hrm.random_normal_like %x std 1.0 seed 7 draw %draw at %at : !act
    // CHECK: hrm.hier_loop N 2 T 3 init(%{{.*}}, %{{.*}}) : tensor<?x?x8xf32>, tensor<?x?x8xf32> schedule <unroll = factor(3), grad = truncated(4), memory = recompute> fast {
    %zf, %zs = hrm.hier_loop N 2 T 3 init(%f0, %x) : !act, !act
        schedule <unroll = factor(3), grad = truncated(4), memory = recompute>
      fast {
      ^bb0(%k: index, %f: !act, %s: !act):
        %inj = hrm.add %s, %x : !act, !act
        // CHECK: hrm.apply @block(%{{.*}}, %{{.*}}) : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
        %f1 = hrm.apply @block(%f, %inj) : (!act, !act) -> !act
        hrm.yield %f1 : !act
      } slow {
      ^bb0(%i: index, %f: !act, %s: !act):
        // CHECK: hrm.apply @mix(%{{.*}}, %{{.*}}) {memory = #hrm.memory<recompute>}
        %s1 = hrm.apply @mix(%s, %f) {memory = #hrm.memory<recompute>} : (!act, !act) -> !act
        hrm.yield %s1 : !act
      }
    // CHECK: hrm.hier_loop N 2 T 3 window %{{.*}} init(%{{.*}}, %{{.*}}) : tensor<?x?x8xf32>, tensor<?x?x8xf32> schedule <unroll = rolled, grad = slow_first(3), memory = keep> fast {
    %sf, %ss = hrm.hier_loop N 2 T 3 window %at init(%f0, %x) : !act, !act
        schedule <unroll = rolled, grad = slow_first(3), memory = keep>
      fast {
      ^bb0(%k: index, %f: !act, %s: !act):
        hrm.yield %f : !act
      } slow {
      ^bb0(%i: index, %f: !act, %s: !act):
        hrm.yield %s : !act
      }
    // An accumulator the slow region adds to (a loss per cycle).
    // CHECK: %{{.*}}, %{{.*}}, %{{.*}} = hrm.hier_loop N 2 T 3 init(%{{.*}}, %{{.*}}) : tensor<?x?x8xf32>, tensor<?x?x8xf32> acc(%{{.*}} : tensor<f32>) schedule <unroll = rolled, grad = full, memory = keep> fast {
    %zero = arith.constant dense<0.0> : tensor<f32>
    %tf, %ts, %tl = hrm.hier_loop N 2 T 3 init(%f0, %x) : !act, !act acc(%zero : tensor<f32>)
        schedule <unroll = rolled, grad = full, memory = keep>
      fast {
      ^bb0(%k: index, %f: !act, %s: !act, %l: tensor<f32>):
        hrm.yield %f : !act
      } slow {
      ^bb0(%i: index, %f: !act, %s: !act, %l: tensor<f32>):
        // CHECK: hrm.yield %{{.*}}, %{{.*}} : tensor<?x?x8xf32>, tensor<f32>
        hrm.yield %s, %l : !act, tensor<f32>
      }
    // CHECK: hrm.loop steps 4 iter(%{{.*}}, %{{.*}} : tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>, tensor<?x?x8xf32> schedule <unroll = full, grad = one_step, memory = keep>
    %h:2 = hrm.loop steps 4 iter(%zs, %r : !act, !act) -> !act, !act
        schedule <unroll = full, grad = one_step, memory = keep> {
    ^bb0(%i: index, %a: !act, %b: !act):
      %table2 = hrm.weight @steps : tensor<4x8xf32>
      // CHECK: hrm.step_embedding %{{.*}}[%{{.*}}] : tensor<4x8xf32> -> tensor<8xf32>
      %e = hrm.step_embedding %table2[%i] : tensor<4x8xf32> -> tensor<8xf32>
      // CHECK: hrm.add %{{.*}}, %{{.*}} : tensor<?x?x8xf32>, tensor<8xf32>
      %a1 = hrm.add %a, %e : !act, tensor<8xf32>
      // CHECK: hrm.detach %{{.*}} : tensor<?x?x8xf32>
      %d = hrm.detach %b : !act
      hrm.yield %a1, %d : !act, !act
    }
    %head = hrm.weight @head : tensor<8x16xf32>
    // CHECK: hrm.lm_head %{{.*}}, %{{.*}} : tensor<?x?x8xf32>, tensor<8x16xf32> -> tensor<?x?x16xf32>
    %logits = hrm.lm_head %h#0, %head : !act, tensor<8x16xf32> -> tensor<?x?x16xf32>
    // CHECK: hrm.lm_head %{{.*}}, %{{.*}} tied : tensor<?x?x8xf32>, tensor<16x8xf32> -> tensor<?x?x16xf32>
    %tied = hrm.lm_head %zf, %table tied : !act, tensor<16x8xf32> -> tensor<?x?x16xf32>
    %sum = hrm.add %logits, %tied : tensor<?x?x16xf32>, tensor<?x?x16xf32>
    return %sum : tensor<?x?x16xf32>
  }

  // CHECK-LABEL: func.func @loss
  func.func @loss(%tokens: tensor<?x?xi32>, %targets: tensor<?x?xi32>) -> tensor<f32> {
    %l = func.call @logits(%tokens) : (tensor<?x?xi32>) -> tensor<?x?x16xf32>
    // CHECK: hrm.cross_entropy %{{.*}}, %{{.*}} : tensor<?x?x16xf32>, tensor<?x?xi32> -> tensor<f32>
    %loss = hrm.cross_entropy %l, %targets : tensor<?x?x16xf32>, tensor<?x?xi32> -> tensor<f32>
    // CHECK: hrm.cross_entropy %{{.*}}, %{{.*}} acc(%{{.*}} : tensor<f32>) {scale = 5.000000e-01 : f64} : tensor<?x?x16xf32>, tensor<?x?xi32> -> tensor<f32>
    %tapped = hrm.cross_entropy %l, %targets acc(%loss : tensor<f32>) {scale = 0.5 : f64} : tensor<?x?x16xf32>, tensor<?x?xi32> -> tensor<f32>
    // CHECK: hrm.cross_entropy %{{.*}}, %{{.*}} acc(%{{.*}} : tensor<f32>) at %{{.*}} taps [1, 3] {scale = 5.000000e-01 : f64}
    %i = arith.constant 1 : index
    %some = hrm.cross_entropy %l, %targets acc(%loss : tensor<f32>) at %i taps [1, 3] {scale = 0.5 : f64} : tensor<?x?x16xf32>, tensor<?x?xi32> -> tensor<f32>
    // CHECK: hrm.cross_entropy %{{.*}}, %{{.*}} acc(%{{.*}} : tensor<f32>) at %{{.*}} taps [1, 3] weights [2.500000e-01, 7.500000e-01] :
    %weighted = hrm.cross_entropy %l, %targets acc(%loss : tensor<f32>) at %i taps [1, 3] weights [0.25, 0.75] : tensor<?x?x16xf32>, tensor<?x?xi32> -> tensor<f32>
    // CHECK: hrm.cross_entropy_grad {{.*}} {scale = 5.000000e-01 : f64, tap_steps = array<i64: 1, 3>}
    %dl = hrm.cross_entropy_grad %l, %targets, %some, %i {scale = 0.5 : f64, tap_steps = array<i64: 1, 3>} : (tensor<?x?x16xf32>, tensor<?x?xi32>, tensor<f32>, index) -> tensor<?x?x16xf32>
    return %loss : tensor<f32>
  }
}

// A trip count known at run time: `steps` stays the nominal count.
// CHECK-LABEL: func.func @counted
func.func @counted(%x: tensor<?x?x8xf32>, %n: index) -> tensor<?x?x8xf32> {
  // CHECK: hrm.loop steps 8 count %{{.*}} iter(%{{.*}} : tensor<?x?x8xf32>) -> tensor<?x?x8xf32> schedule <unroll = rolled, grad = truncated(4), memory = keep>
  %h = hrm.loop steps 8 count %n iter(%x : tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
      schedule <unroll = rolled, grad = truncated(4), memory = keep> {
  ^bb0(%i: index, %a: tensor<?x?x8xf32>):
    hrm.yield %a : tensor<?x?x8xf32>
  }
  return %h : tensor<?x?x8xf32>
}

// A gradient window known at run time, alone and with a run-time count.
// CHECK-LABEL: func.func @windowed
func.func @windowed(%x: tensor<?x?x8xf32>, %n: index, %k: index) -> tensor<?x?x8xf32> {
  // CHECK: hrm.loop steps 6 window %{{.*}} iter(%{{.*}} : tensor<?x?x8xf32>) -> tensor<?x?x8xf32> schedule <unroll = rolled, grad = truncated(4), memory = keep>
  %h = hrm.loop steps 6 window %k iter(%x : tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
      schedule <unroll = rolled, grad = truncated(4), memory = keep> {
  ^bb0(%i: index, %a: tensor<?x?x8xf32>):
    hrm.yield %a : tensor<?x?x8xf32>
  }
  // CHECK: hrm.loop steps 8 count %{{.*}} window %{{.*}} iter(
  %g = hrm.loop steps 8 count %n window %k iter(%h : tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
      schedule <unroll = rolled, grad = truncated(4), memory = recompute> {
  ^bb0(%i: index, %a: tensor<?x?x8xf32>):
    hrm.yield %a : tensor<?x?x8xf32>
  }
  return %g : tensor<?x?x8xf32>
}

// The halting head, its loss and their gradients.
// CHECK-LABEL: func.func @halting
func.func @halting(%z: tensor<?x?x8xf32>, %w: tensor<8x2xf32>, %b: tensor<2xf32>,
                   %logits: tensor<?x?x16xf32>, %t: tensor<?x?xi32>,
                   %last: tensor<?xi32>, %lm: tensor<f32>) -> tensor<f32> {
  // CHECK: hrm.q_head %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x?x8xf32>, tensor<8x2xf32>, tensor<2xf32> -> tensor<?x2xf32>
  %q = hrm.q_head %z, %w, %b : tensor<?x?x8xf32>, tensor<8x2xf32>, tensor<2xf32> -> tensor<?x2xf32>
  // CHECK: hrm.q_head %{{.*}}, %{{.*}}, %{{.*}} last : tensor<?x?x8xf32>
  %n = hrm.q_head %z, %w, %b last : tensor<?x?x8xf32>, tensor<8x2xf32>, tensor<2xf32> -> tensor<?x2xf32>
  // CHECK: hrm.sequence_correct %{{.*}}, %{{.*}} : tensor<?x?x16xf32>, tensor<?x?xi32> -> tensor<?xf32>
  %c = hrm.sequence_correct %logits, %t : tensor<?x?x16xf32>, tensor<?x?xi32> -> tensor<?xf32>
  // CHECK: hrm.halt_loss %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x2xf32>, tensor<?xf32>, tensor<?xi32> -> tensor<f32>
  %l0 = hrm.halt_loss %q, %n, %c, %last : tensor<?x2xf32>, tensor<?xf32>, tensor<?xi32> -> tensor<f32>
  // CHECK: hrm.halt_loss %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} acc(%{{.*}} : tensor<f32>) {weight = 2.500000e-01 : f64}
  %l = hrm.halt_loss %q, %n, %c, %last acc(%lm : tensor<f32>) {weight = 0.25 : f64} : tensor<?x2xf32>, tensor<?xf32>, tensor<?xi32> -> tensor<f32>
  // CHECK: hrm.q_head_grad %{{.*}}, %{{.*}}, %{{.*}} {last}
  %dz, %dw, %db = hrm.q_head_grad %z, %w, %q {last} : (tensor<?x?x8xf32>, tensor<8x2xf32>, tensor<?x2xf32>) -> (tensor<?x?x8xf32>, tensor<8x2xf32>, tensor<2xf32>)
  // CHECK: hrm.halt_loss_grad
  %dq = hrm.halt_loss_grad %q, %n, %c, %last, %l0 : (tensor<?x2xf32>, tensor<?x2xf32>, tensor<?xf32>, tensor<?xi32>, tensor<f32>) -> tensor<?x2xf32>
  return %l : tensor<f32>
}

// A loss sum over a run-time count of steps, made their mean.
// CHECK-LABEL: func.func @divide_by_count
// CHECK: hrm.divide_by_count %{{.*}}, %{{.*}} : tensor<f32>
func.func @divide_by_count(%sum: tensor<f32>, %n: index) -> tensor<f32> {
  %mean = hrm.divide_by_count %sum, %n : tensor<f32>
  return %mean : tensor<f32>
}

// The Universal Transformer's ACT per position and its gradients.
// CHECK-LABEL: func.func @act
func.func @act(%x: tensor<?x?x8xf32>, %t: tensor<?x?x8xf32>,
               %w: tensor<8x1xf32>, %b: tensor<1xf32>,
               %lm: tensor<f32>) -> tensor<f32> {
  // CHECK: hrm.position_zeros %{{.*}} : tensor<?x?x8xf32> -> tensor<?x?x1xf32>
  %z = hrm.position_zeros %x : tensor<?x?x8xf32> -> tensor<?x?x1xf32>
  // CHECK: hrm.act_prob %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x?x8xf32>, tensor<8x1xf32>, tensor<1xf32> -> tensor<?x?x1xf32>
  %p = hrm.act_prob %x, %w, %b : tensor<?x?x8xf32>, tensor<8x1xf32>, tensor<1xf32> -> tensor<?x?x1xf32>
  // CHECK: hrm.act_update %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} threshold 9.000000e-01 : tensor<?x?x1xf32>, tensor<?x?x8xf32>
  %acc, %h, %r, %n = hrm.act_update %p, %t, %x, %z, %z, %z threshold 0.9 : tensor<?x?x1xf32>, tensor<?x?x8xf32>
  // CHECK: hrm.ponder_cost %{{.*}}, %{{.*}} weight 1.000000e-02 : tensor<?x?x1xf32> -> tensor<f32>
  %c0 = hrm.ponder_cost %r, %n weight 0.01 : tensor<?x?x1xf32> -> tensor<f32>
  // CHECK: hrm.ponder_cost %{{.*}}, %{{.*}} acc(%{{.*}} : tensor<f32>) weight 5.000000e-01
  %c = hrm.ponder_cost %r, %n acc(%lm : tensor<f32>) weight 0.5 : tensor<?x?x1xf32> -> tensor<f32>
  // CHECK: hrm.act_prob_grad
  %dx, %dw, %db = hrm.act_prob_grad %x, %w, %b, %p : (tensor<?x?x8xf32>, tensor<8x1xf32>, tensor<1xf32>, tensor<?x?x1xf32>) -> (tensor<?x?x8xf32>, tensor<8x1xf32>, tensor<1xf32>)
  // CHECK: hrm.act_update_grad {{.*}} {threshold = 9.000000e-01 : f64}
  %dp, %dt, %dacc, %dh, %dr = hrm.act_update_grad %p, %t, %x, %h, %r, %acc, %h, %r {threshold = 0.9 : f64} : (tensor<?x?x1xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32>, tensor<?x?x8xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32>) -> (tensor<?x?x1xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32>)
  // CHECK: hrm.ponder_cost_grad
  %drem = hrm.ponder_cost_grad %r, %c {weight = 0.01 : f64} : (tensor<?x?x1xf32>, tensor<f32>) -> tensor<?x?x1xf32>
  return %c : tensor<f32>
}
