// Every verifier error of the hrm dialect.
// RUN: hrm-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{max_seq_len must be >= 1, got 0}}
hrm.model @m attributes {max_seq_len = 0 : i64} {
}

// -----

hrm.model @m {
  // expected-error @+1 {{parameter 'p' must have a float element type, got 'i32'}}
  hrm.param @p : tensor<4xi32> init <zeros>
}

// -----

hrm.model @m {
  // expected-error @+1 {{init normal needs a positive standard deviation, got -1}}
  hrm.param @p : tensor<4xf32> init <normal(-1.0)>
}

// -----

hrm.model @m {
  // expected-error @+1 {{unknown init kind 'uniform', expected one of: normal(std), trunc_normal(std), zeros, ones, constant(value)}}
  hrm.param @p : tensor<4xf32> init <uniform>
}

// -----

// expected-error @+1 {{'hrm.param' op expects parent op 'hrm.model'}}
hrm.param @p : tensor<4xf32> init <zeros>

// -----

hrm.model @m {
  func.func @f() {
    // expected-error @+1 {{'missing' does not name an hrm.param in the enclosing hrm.model}}
    %w = hrm.weight @missing : tensor<4xf32>
    return
  }
}

// -----

hrm.model @m {
  hrm.param @p : tensor<4xf32> init <zeros>
  func.func @f() {
    // expected-error @+1 {{type 'tensor<8xf32>' does not match 'tensor<4xf32>' of parameter 'p'}}
    %w = hrm.weight @p : tensor<8xf32>
    return
  }
}

// -----

hrm.model @m {
  // expected-error @+1 {{module 'empty' needs at least one argument (the state)}}
  hrm.module @empty() -> tensor<?x?x8xf32> {
    %c = arith.constant dense<0.0> : tensor<1x1x8xf32>
    %d = tensor.cast %c : tensor<1x1x8xf32> to tensor<?x?x8xf32>
    hrm.yield %d : tensor<?x?x8xf32>
  }
}

// -----

hrm.model @m {
  hrm.module @id(%h: tensor<?x?x8xf32>) -> tensor<?x?x4xf32> {
    // expected-error @+1 {{yields 1 values of types ('tensor<?x?x8xf32>'), expected ('tensor<?x?x4xf32>')}}
    hrm.yield %h : tensor<?x?x8xf32>
  }
}

// -----

hrm.model @m {
  func.func @f(%h: tensor<?x?x8xf32>) {
    // expected-error @+1 {{'nothing' does not name an hrm.module}}
    %r = hrm.apply @nothing(%h) : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
    return
  }
}

// -----

hrm.model @m {
  hrm.module @id(%h: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
    hrm.yield %h : tensor<?x?x8xf32>
  }
  func.func @f(%h: tensor<?x?x8xf32>) {
    // expected-error @+1 {{module 'id' takes 1 inputs, got 2}}
    %r = hrm.apply @id(%h, %h) : (tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
    return
  }
}

// -----

hrm.model @m {
  hrm.module @id(%h: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
    hrm.yield %h : tensor<?x?x8xf32>
  }
  func.func @f(%h: tensor<?x?x4xf32>) {
    // expected-error @+1 {{input 0 has type 'tensor<?x?x4xf32>', module 'id' expects 'tensor<?x?x8xf32>'}}
    %r = hrm.apply @id(%h) : (tensor<?x?x4xf32>) -> tensor<?x?x8xf32>
    return
  }
}

// -----

func.func @f(%t: tensor<?x?xi32>, %e: tensor<16x8xf32>) {
  // expected-error @+1 {{result feature size is 4, expected 8}}
  %x = hrm.embed %t, %e scale 1.0 : tensor<?x?xi32>, tensor<16x8xf32> -> tensor<?x?x4xf32>
  return
}

// -----

func.func @f(%t: tensor<2x3xi32>, %e: tensor<16x8xf32>) {
  // expected-error @+1 {{result dimension 1 is 5, tokens have 3}}
  %x = hrm.embed %t, %e scale 1.0 : tensor<2x3xi32>, tensor<16x8xf32> -> tensor<2x5x8xf32>
  return
}

// -----

func.func @f(%t: tensor<?x?xi32>, %e: tensor<16x8xf32>) {
  // expected-error @+1 {{scale must be positive}}
  %x = hrm.embed %t, %e scale 0.0 : tensor<?x?xi32>, tensor<16x8xf32> -> tensor<?x?x8xf32>
  return
}

// -----

func.func @f(%h: tensor<?x?x8xf32>) {
  // expected-error @+1 {{eps must be positive}}
  %n = hrm.rmsnorm %h eps 0.0 : tensor<?x?x8xf32>
  return
}

// -----

func.func @f(%h: tensor<?x?x8xf32>, %w: tensor<4xf32>) {
  // expected-error @+1 {{weight size is 4, expected 8}}
  %n = hrm.rmsnorm %h weight %w eps 1.0e-5 : tensor<?x?x8xf32>, tensor<4xf32>
  return
}

// -----

func.func @f(%h: tensor<?x?x8xf32>, %w: tensor<8x8xf32>) {
  // expected-error @+1 {{model width 8 is not divisible by heads = 3}}
  %a = hrm.attention %h weights(%w, %w, %w, %w) heads 3 mask causal : tensor<?x?x8xf32>, tensor<8x8xf32>
  return
}

// -----

func.func @f(%h: tensor<?x?x8xf32>, %w: tensor<8x8xf32>) {
  // expected-error @+1 {{heads must be >= 1, got 0}}
  %a = hrm.attention %h weights(%w, %w, %w, %w) heads 0 mask causal : tensor<?x?x8xf32>, tensor<8x8xf32>
  return
}

// -----

func.func @f(%h: tensor<?x?x8xf32>, %w: tensor<4x8xf32>) {
  // expected-error @+1 {{projection rows is 4, expected 8}}
  %a = hrm.attention %h weights(%w, %w, %w, %w) heads 2 mask causal : tensor<?x?x8xf32>, tensor<4x8xf32>
  return
}

// -----

func.func @f(%h: tensor<?x?x8xf32>, %w: tensor<8x8xf32>) {
  // expected-error @+1 {{a prefix mask needs a prefix length}}
  %a = hrm.attention %h weights(%w, %w, %w, %w) heads 2 mask prefix : tensor<?x?x8xf32>, tensor<8x8xf32>
  return
}

// -----

func.func @f(%h: tensor<?x?x8xf32>, %w: tensor<8x8xf32>) {
  // expected-error @+1 {{only a prefix mask takes a prefix length}}
  %a = hrm.attention %h weights(%w, %w, %w, %w) heads 2 mask causal prefix 3 : tensor<?x?x8xf32>, tensor<8x8xf32>
  return
}

// -----

func.func @f(%h: tensor<?x?x8xf32>, %w: tensor<8x8xf32>) {
  // expected-error @+1 {{RoPE needs an even head size, got 1}}
  %a = hrm.attention %h weights(%w, %w, %w, %w) heads 8 mask causal rope 1.0e4 : tensor<?x?x8xf32>, tensor<8x8xf32>
  return
}

// -----

func.func @f(%h: tensor<?x?x8xf32>, %w: tensor<8x8xf32>, %q: tensor<2x?x8xf32>) {
  // expected-error @+1 {{query type 'tensor<2x?x8xf32>' differs from input type 'tensor<?x?x8xf32>'}}
  %a = hrm.attention %h weights(%w, %w, %w, %w) query %q heads 2 mask causal : tensor<?x?x8xf32>, tensor<8x8xf32>, tensor<2x?x8xf32>
  return
}

// -----

func.func @f(%h: tensor<?x?x8xf32>, %u: tensor<8x16xf32>, %d: tensor<16x8xf32>) {
  // expected-error @+1 {{swiglu needs a gate projection}}
  %m = hrm.mlp swiglu %h up %u down %d : tensor<?x?x8xf32>, tensor<8x16xf32>, tensor<16x8xf32>
  return
}

// -----

func.func @f(%h: tensor<?x?x8xf32>, %u: tensor<8x16xf32>, %d: tensor<16x8xf32>) {
  // expected-error @+1 {{gelu takes no gate projection}}
  %m = hrm.mlp gelu %h gate %u up %u down %d : tensor<?x?x8xf32>, tensor<8x16xf32>, tensor<16x8xf32>, tensor<8x16xf32>
  return
}

// -----

func.func @f(%h: tensor<?x?x8xf32>, %u: tensor<8x16xf32>, %d: tensor<12x8xf32>) {
  // expected-error @+1 {{down projection rows is 12, expected 16}}
  %m = hrm.mlp gelu %h up %u down %d : tensor<?x?x8xf32>, tensor<8x16xf32>, tensor<12x8xf32>
  return
}

// -----

func.func @f(%h: tensor<?x?x8xf32>, %u: tensor<8x16xf32>, %g: tensor<8x12xf32>, %d: tensor<16x8xf32>) {
  // expected-error @+1 {{gate projection type 'tensor<8x12xf32>' differs from up projection type 'tensor<8x16xf32>'}}
  %m = hrm.mlp swiglu %h gate %g up %u down %d : tensor<?x?x8xf32>, tensor<8x16xf32>, tensor<16x8xf32>, tensor<8x12xf32>
  return
}

// -----

func.func @f(%h: tensor<?x?x8xf32>, %w: tensor<6x4xf32>) {
  // expected-error @+1 {{weight rows is 6, expected 8}}
  %l = hrm.linear %h, %w : tensor<?x?x8xf32>, tensor<6x4xf32> -> tensor<?x?x4xf32>
  return
}

// -----

func.func @f(%a: tensor<?x?x8xf32>, %b: tensor<?x?x4xf32>) {
  // expected-error @+1 {{operand types differ: 'tensor<?x?x8xf32>' and 'tensor<?x?x4xf32>'}}
  %s = hrm.add %a, %b : tensor<?x?x8xf32>, tensor<?x?x4xf32>
  return
}

// -----

func.func @f(%a: tensor<?x?x8xf32>, %v: tensor<4xf32>) {
  // expected-error @+1 {{broadcast vector size is 4, expected 8}}
  %s = hrm.add %a, %v : tensor<?x?x8xf32>, tensor<4xf32>
  return
}

// -----

func.func @f(%a: tensor<?x?x8xf32>) {
  // expected-error @+1 {{result feature size is 8, expected 16}}
  %c = hrm.concat %a, %a : tensor<?x?x8xf32>, tensor<?x?x8xf32> -> tensor<?x?x8xf32>
  return
}

// -----

func.func @f(%h: tensor<?x?x8xf32>, %w: tensor<8x16xf32>) {
  // expected-error @+1 {{vocabulary size is 32, expected 16}}
  %l = hrm.lm_head %h, %w : tensor<?x?x8xf32>, tensor<8x16xf32> -> tensor<?x?x32xf32>
  return
}

// -----

func.func @f(%h: tensor<?x?x8xf32>, %e: tensor<16x4xf32>) {
  // expected-error @+1 {{tied table width is 4, expected 8}}
  %l = hrm.lm_head %h, %e tied : tensor<?x?x8xf32>, tensor<16x4xf32> -> tensor<?x?x16xf32>
  return
}

// -----

func.func @f(%l: tensor<2x4x16xf32>, %t: tensor<2x5xi32>) {
  // expected-error @+1 {{targets dimension 1 is 5, logits have 4}}
  %c = hrm.cross_entropy %l, %t : tensor<2x4x16xf32>, tensor<2x5xi32> -> tensor<f32>
  return
}

// -----

func.func @f(%l: tensor<2x4x16xf32>, %t: tensor<2x4xi32>, %acc: tensor<f64>) {
  // expected-error @+1 {{accumulator type 'tensor<f64>' differs from the result type 'tensor<f32>'}}
  %c = hrm.cross_entropy %l, %t acc(%acc : tensor<f64>) : tensor<2x4x16xf32>, tensor<2x4xi32> -> tensor<f32>
  return
}

// -----

func.func @f(%l: tensor<2x4x16xf32>, %t: tensor<2x4xi32>, %i: index) {
  // expected-error @+1 {{tapped steps must be increasing and non-negative, got 1 at 1}}
  %c = hrm.cross_entropy %l, %t at %i taps [3, 1] : tensor<2x4x16xf32>, tensor<2x4xi32> -> tensor<f32>
  return
}

// -----

func.func @f(%l: tensor<2x4x16xf32>, %t: tensor<2x4xi32>, %i: index) {
  // expected-error @+1 {{needs one weight per tapped step}}
  %c = hrm.cross_entropy %l, %t at %i taps [1, 3] weights [0.5] : tensor<2x4x16xf32>, tensor<2x4xi32> -> tensor<f32>
  return
}

// -----

func.func @f(%l: tensor<2x4x16xf32>, %t: tensor<2x4xi32>, %i: index) {
  // expected-error @+1 {{tap weights must be finite and non-negative, got -5.000000e-01}}
  %c = hrm.cross_entropy %l, %t at %i taps [1, 3] weights [0.5, -0.5] : tensor<2x4x16xf32>, tensor<2x4xi32> -> tensor<f32>
  return
}

// -----

func.func @f(%l: tensor<2x4x16xf32>, %t: tensor<2x4xi32>, %i: index) {
  // expected-error @+1 {{tapped steps must not be empty}}
  %c = hrm.cross_entropy %l, %t at %i taps [] : tensor<2x4x16xf32>, tensor<2x4xi32> -> tensor<f32>
  return
}

// -----

func.func @f(%v: tensor<4xf32>, %x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{vector size is 4, expected 8}}
  %b = hrm.broadcast %v like %x : tensor<4xf32>, tensor<?x?x8xf32>
  return
}

// -----

func.func @f(%x: tensor<?x?x8xf32>) {
  // expected-error @+1 {{std must be positive}}
  %r = hrm.random_normal_like %x std 0.0 seed 1 : tensor<?x?x8xf32>
  return
}

// -----

func.func @f(%t: tensor<4x8xf32>, %i: index) {
  // expected-error @+1 {{result size is 6, expected 8}}
  %e = hrm.step_embedding %t[%i] : tensor<4x8xf32> -> tensor<6xf32>
  return
}

// -----

func.func @f(%x: tensor<1x1x8xf32>, %w: tensor<8x8xf32>, %k: tensor<3x1x4x16x2xf32>, %s: index) {
  // expected-error @+1 {{cache heads is 4, expected 2}}
  %a, %k1, %v1 = hrm.cached_attention %x weights(%w, %w, %w, %w) cache(%k, %k) slot %s position %s heads 2 : tensor<1x1x8xf32>, tensor<8x8xf32>, tensor<3x1x4x16x2xf32>
  return
}

// -----

func.func @f(%x: tensor<1x1x8xf32>, %w: tensor<8x8xf32>, %k: tensor<3x1x2x16x3xf32>, %s: index) {
  // expected-error @+1 {{cache head size is 3, expected 4}}
  %a, %k1, %v1 = hrm.cached_attention %x weights(%w, %w, %w, %w) cache(%k, %k) slot %s position %s heads 2 : tensor<1x1x8xf32>, tensor<8x8xf32>, tensor<3x1x2x16x3xf32>
  return
}

// -----

func.func @f(%x: tensor<1x20x8xf32>, %w: tensor<8x8xf32>, %k: tensor<3x1x2x16x4xf32>, %s: index) {
  // expected-error @+1 {{20 new positions do not fit a cache of 16}}
  %a, %k1, %v1 = hrm.cached_attention %x weights(%w, %w, %w, %w) cache(%k, %k) slot %s position %s heads 2 : tensor<1x20x8xf32>, tensor<8x8xf32>, tensor<3x1x2x16x4xf32>
  return
}

// -----

func.func @f(%c: tensor<2x4x8xf32>, %i: tensor<2x4x8xf32>, %r: tensor<3xi32>) {
  // expected-error @+1 {{reset size is 3, expected 2}}
  %s = hrm.carry_in %c or %i reset %r : tensor<3xi32>, tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%c: tensor<2x4x8xf32>, %i: tensor<2x4x8xf32>, %r: tensor<2xi64>) {
  // expected-error @+1 {{operand #2 must be 1D tensor of 32-bit signless integer values}}
  %s = hrm.carry_in %c or %i reset %r : tensor<2xi64>, tensor<2x4x8xf32>
  return
}

// -----

hrm.model @m {
  // expected-error @+1 {{expected '('}}
  hrm.param @p : tensor<4xf32> init <constant>
}

// -----

func.func @f(%z: tensor<2x4x8xf32>, %w: tensor<6x2xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{weight rows is 6, expected 8}}
  %q = hrm.q_head %z, %w, %b : tensor<2x4x8xf32>, tensor<6x2xf32>, tensor<2xf32> -> tensor<2x2xf32>
  return
}

// -----

func.func @f(%z: tensor<2x4x8xf32>, %w: tensor<8x3xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{weight columns is 3, expected 2}}
  %q = hrm.q_head %z, %w, %b : tensor<2x4x8xf32>, tensor<8x3xf32>, tensor<2xf32> -> tensor<2x2xf32>
  return
}

// -----

func.func @f(%z: tensor<2x4x8xf32>, %w: tensor<8x2xf32>, %b: tensor<2xf32>) {
  // expected-error @+1 {{result batch is 3, expected 2}}
  %q = hrm.q_head %z, %w, %b last : tensor<2x4x8xf32>, tensor<8x2xf32>, tensor<2xf32> -> tensor<3x2xf32>
  return
}

// -----

func.func @f(%l: tensor<2x4x16xf32>, %t: tensor<2x4xi32>) {
  // expected-error @+1 {{result size is 4, expected 2}}
  %c = hrm.sequence_correct %l, %t : tensor<2x4x16xf32>, tensor<2x4xi32> -> tensor<4xf32>
  return
}

// -----

func.func @f(%q: tensor<2x2xf32>, %c: tensor<2xf32>, %last: tensor<3xi32>) {
  // expected-error @+1 {{last size is 3, expected 2}}
  %l = hrm.halt_loss %q, %q, %c, %last : tensor<2x2xf32>, tensor<2xf32>, tensor<3xi32> -> tensor<f32>
  return
}

// -----

func.func @f(%q: tensor<2x3xf32>, %c: tensor<2xf32>, %last: tensor<2xi32>) {
  // expected-error @+1 {{q width is 3, expected 2}}
  %l = hrm.halt_loss %q, %q, %c, %last : tensor<2x3xf32>, tensor<2xf32>, tensor<2xi32> -> tensor<f32>
  return
}

// -----

func.func @f(%q: tensor<2x2xf32>, %c: tensor<2xf32>, %last: tensor<2xi32>, %acc: tensor<f64>) {
  // expected-error @+1 {{accumulator type 'tensor<f64>' differs from the result type 'tensor<f32>'}}
  %l = hrm.halt_loss %q, %q, %c, %last acc(%acc : tensor<f64>) : tensor<2x2xf32>, tensor<2xf32>, tensor<2xi32> -> tensor<f32>
  return
}

// -----

func.func @f(%q: tensor<2x2xf32>, %c: tensor<2xf32>, %last: tensor<2xi32>) {
  // expected-error @+1 {{weight must be non-negative}}
  %l = hrm.halt_loss %q, %q, %c, %last {weight = -1.0 : f64} : tensor<2x2xf32>, tensor<2xf32>, tensor<2xi32> -> tensor<f32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %w: tensor<6x1xf32>, %b: tensor<1xf32>) {
  // expected-error @+1 {{weight rows is 6, expected 8}}
  %p = hrm.act_prob %x, %w, %b : tensor<2x4x8xf32>, tensor<6x1xf32>, tensor<1xf32> -> tensor<2x4x1xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %w: tensor<8x2xf32>, %b: tensor<1xf32>) {
  // expected-error @+1 {{weight columns is 2, expected 1}}
  %p = hrm.act_prob %x, %w, %b : tensor<2x4x8xf32>, tensor<8x2xf32>, tensor<1xf32> -> tensor<2x4x1xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %w: tensor<8x1xf32>, %b: tensor<1xf32>) {
  // expected-error @+1 {{result dimension 1 is 3, expected 4}}
  %p = hrm.act_prob %x, %w, %b : tensor<2x4x8xf32>, tensor<8x1xf32>, tensor<1xf32> -> tensor<2x3x1xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>, %w: tensor<8x1xf32>, %b: tensor<1xf32>) {
  // expected-error @+1 {{result width is 8, expected 1}}
  %p = hrm.act_prob %x, %w, %b : tensor<2x4x8xf32>, tensor<8x1xf32>, tensor<1xf32> -> tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%p: tensor<2x4x1xf32>, %t: tensor<2x4x8xf32>) {
  // expected-error @+1 {{threshold must be in (0, 1], got 1.5}}
  %acc, %h, %r, %n = hrm.act_update %p, %t, %t, %p, %p, %p threshold 1.5 : tensor<2x4x1xf32>, tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%p: tensor<2x5x1xf32>, %t: tensor<2x4x8xf32>) {
  // expected-error @+1 {{p dimension 1 is 5, expected 4}}
  %acc, %h, %r, %n = hrm.act_update %p, %t, %t, %p, %p, %p threshold 0.9 : tensor<2x5x1xf32>, tensor<2x4x8xf32>
  return
}

// -----

func.func @f(%r: tensor<2x4x1xf32>) {
  // expected-error @+1 {{weight must be non-negative}}
  %c = hrm.ponder_cost %r, %r weight -1.0 : tensor<2x4x1xf32> -> tensor<f32>
  return
}

// -----

func.func @f(%r: tensor<2x4x2xf32>) {
  // expected-error @+1 {{remainders width is 2, expected 1}}
  %c = hrm.ponder_cost %r, %r weight 0.01 : tensor<2x4x2xf32> -> tensor<f32>
  return
}

// -----

func.func @f(%x: tensor<2x4x8xf32>) {
  // expected-error @+1 {{result width is 2, expected 1}}
  %z = hrm.position_zeros %x : tensor<2x4x8xf32> -> tensor<2x4x2xf32>
  return
}

// -----

func.func @f(%sum: tensor<f32>) {
  %zero = arith.constant 0 : index
  // expected-error @+1 {{count must be at least 1, got 0}}
  %m = hrm.divide_by_count %sum, %zero : tensor<f32>
  return
}

// -----

func.func @f(%sum: tensor<2xf32>, %n: index) {
  // expected-error @+1 {{must be 0D tensor of floating-point values}}
  %m = hrm.divide_by_count %sum, %n : tensor<2xf32>
  return
}
