// RUN: hrm-opt %s --hrm-decode-entry="max-len=16" --split-input-file -verify-diagnostics | FileCheck %s

// A module with one attention, applied in a 3 x 2 loop nest and once after
// it: 3*2 + 1 = 7 cache slots. The loops stay rolled and carry the caches;
// the slot of an application is its call site's offset plus its
// linearized iteration. The returned caches update the argument caches
// (hrm.updates: in place, once bufferized).
// CHECK-LABEL: func.func private @hrm_module_f_decode(
// CHECK-SAME: %[[K:[a-z0-9]+]]: tensor<7x1x2x16x4xf32>, %[[V:[a-z0-9]+]]: tensor<7x1x2x16x4xf32>, %[[BASE:[a-z0-9]+]]: index, %[[POS:[a-z0-9]+]]: index)
// CHECK: %[[SLOT:.*]] = arith.addi %[[BASE]], %c0
// CHECK: hrm.cached_attention %{{.*}} cache(%[[K]], %[[V]]) slot %[[SLOT]] position %[[POS]] heads 2
// CHECK-LABEL: func.func @decode(
// CHECK-SAME: %{{.*}}: tensor<1x1xi32>, %[[K0:.*]]: tensor<7x1x2x16x4xf32>, %[[V0:.*]]: tensor<7x1x2x16x4xf32>, %[[P:.*]]: tensor<i32> {hrm.host})
// CHECK-SAME: -> (tensor<1x1x8xf32>, tensor<7x1x2x16x4xf32> {hrm.updates = 2 : i64}, tensor<7x1x2x16x4xf32> {hrm.updates = 3 : i64})
// CHECK-SAME: hrm.entry
// CHECK: %[[P32:.*]] = tensor.extract %[[P]][]
// CHECK: %[[PI:.*]] = arith.index_cast %[[P32]]
// CHECK: scf.for %[[I:.*]] = {{.*}} iter_args({{.*}}, %[[KI:.*]] = %[[K0]], %[[VI:.*]] = %[[V0]])
// CHECK:   scf.for %[[J:.*]] = {{.*}} iter_args({{.*}}, %[[KJ:.*]] = %[[KI]], %[[VJ:.*]] = %[[VI]])
// CHECK:     %[[O:.*]] = arith.addi %{{.*}}, %[[I]]
// CHECK:     %[[IT:.*]] = arith.muli %[[O]], %c2{{.*}}
// CHECK:     %[[LIN:.*]] = arith.addi %[[IT]], %[[J]]
// CHECK:     %[[GROUP:.*]] = arith.muli %[[LIN]], %c1{{.*}}
// CHECK:     %[[B:.*]] = arith.addi %c0{{.*}}, %[[GROUP]]
// CHECK:     func.call @hrm_module_f_decode({{.*}}, %[[KJ]], %[[VJ]], %[[B]], %[[PI]])
// CHECK: %[[B2:.*]] = arith.addi %c6{{.*}}, %{{.*}}
// CHECK: call @hrm_module_f_decode({{.*}}, %[[B2]], %[[PI]])
// CHECK: return %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x1x8xf32>, tensor<7x1x2x16x4xf32>, tensor<7x1x2x16x4xf32>
// The other entry points are gone.
// CHECK-NOT: func.func @logits
// CHECK-NOT: func.func @loss
module attributes {hrm.model = "m", hrm.max_seq_len = 16 : i64} {
  func.func private @hrm_module_f(%w: tensor<8x8xf32> {hrm.param = "w"}, %x: tensor<1x1x8xf32>) -> tensor<1x1x8xf32> {
    %a = hrm.attention %x weights(%w, %w, %w, %w) heads 2 mask causal rope 1.0e+04 : tensor<1x1x8xf32>, tensor<8x8xf32>
    return %a : tensor<1x1x8xf32>
  }
  func.func @logits(%w: tensor<8x8xf32> {hrm.param = "w"}, %t: tensor<1x1xi32>) -> tensor<1x1x8xf32> attributes {hrm.entry, llvm.emit_c_interface} {
    %x = tensor.empty() : tensor<1x1x8xf32>
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c3 = arith.constant 3 : index
    %r = scf.for %i = %c0 to %c3 step %c1 iter_args(%h = %x) -> (tensor<1x1x8xf32>) {
      %r2 = scf.for %j = %c0 to %c2 step %c1 iter_args(%g = %h) -> (tensor<1x1x8xf32>) {
        %y = func.call @hrm_module_f(%w, %g) : (tensor<8x8xf32>, tensor<1x1x8xf32>) -> tensor<1x1x8xf32>
        scf.yield %y : tensor<1x1x8xf32>
      }
      scf.yield %r2 : tensor<1x1x8xf32>
    }
    %z = func.call @hrm_module_f(%w, %r) : (tensor<8x8xf32>, tensor<1x1x8xf32>) -> tensor<1x1x8xf32>
    return %z : tensor<1x1x8xf32>
  }
  func.func @loss(%w: tensor<8x8xf32> {hrm.param = "w"}, %t: tensor<1x1xi32>) -> tensor<1x1x8xf32> attributes {hrm.entry} {
    %y = func.call @logits(%w, %t) : (tensor<8x8xf32>, tensor<1x1xi32>) -> tensor<1x1x8xf32>
    return %y : tensor<1x1x8xf32>
  }
}

// -----

module attributes {hrm.model = "m", hrm.max_seq_len = 16 : i64} {
  func.func @logits(%w: tensor<8x8xf32> {hrm.param = "w"}, %x: tensor<1x1x8xf32>) -> tensor<1x1x8xf32> attributes {hrm.entry} {
    // expected-error @below {{decode caches keys and values, which needs causal attention; this one is prefix}}
    %a = hrm.attention %x weights(%w, %w, %w, %w) heads 2 mask prefix prefix 2 : tensor<1x1x8xf32>, tensor<8x8xf32>
    return %a : tensor<1x1x8xf32>
  }
}

// -----

// expected-error @below {{hrm-decode-entry needs an entry point @logits (run convert-hrm-to-func first)}}
module {
}

// -----

// A loop whose count is set at run time (hrm.steps: its nominal count) runs
// the nominal count in the decode entry, which sizes its slots: 4 here.
// The trip count input stays, unused.
// CHECK-LABEL: func.func @decode(
// CHECK-SAME: %{{.*}}: tensor<1x1xi32>, %{{.*}}: tensor<i32> {hrm.host, hrm.name = "trip_count"}, %{{.*}}: tensor<4x1x2x16x4xf32>
// CHECK: %[[C4:.*]] = arith.constant 4 : index
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[C4]] step
module attributes {hrm.model = "m", hrm.max_seq_len = 16 : i64} {
  func.func private @hrm_module_f(%w: tensor<8x8xf32> {hrm.param = "w"}, %x: tensor<1x1x8xf32>) -> tensor<1x1x8xf32> {
    %a = hrm.attention %x weights(%w, %w, %w, %w) heads 2 mask causal rope 1.0e+04 : tensor<1x1x8xf32>, tensor<8x8xf32>
    return %a : tensor<1x1x8xf32>
  }
  func.func @logits(%w: tensor<8x8xf32> {hrm.param = "w"}, %t: tensor<1x1xi32>, %trip: tensor<i32> {hrm.host, hrm.name = "trip_count"}) -> tensor<1x1x8xf32> attributes {hrm.entry} {
    %x = tensor.empty() : tensor<1x1x8xf32>
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %n32 = tensor.extract %trip[] : tensor<i32>
    %n = arith.index_cast %n32 : i32 to index
    %r = scf.for %i = %c0 to %n step %c1 iter_args(%h = %x) -> (tensor<1x1x8xf32>) {
      %y = func.call @hrm_module_f(%w, %h) : (tensor<8x8xf32>, tensor<1x1x8xf32>) -> tensor<1x1x8xf32>
      scf.yield %y : tensor<1x1x8xf32>
    } {hrm.steps = 4 : i64}
    return %r : tensor<1x1x8xf32>
  }
}
