// RUN: hrm-opt %s --convert-hrm-loops-to-scf | FileCheck %s

// A rolled hier_loop is two nested scf.for loops whose bodies hold one copy
// of each step: the trip counts are bounds, not copies.
// CHECK-LABEL: func.func @hier
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[N:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[T:.*]] = arith.constant 5 : index
// CHECK: %[[R:.*]]:2 = scf.for %[[I:.*]] = %[[C0]] to %[[N]] step %[[C1]] iter_args(%[[F:.*]] = %{{.*}}, %[[S:.*]] = %{{.*}})
// CHECK:   %[[FN:.*]] = scf.for %[[J:.*]] = %[[C0]] to %[[T]] step %[[C1]] iter_args(%[[FJ:.*]] = %[[F]])
// CHECK:     %[[IT:.*]] = arith.muli %[[I]], %[[T]]
// CHECK:     %[[STEP:.*]] = arith.addi %[[IT]], %[[J]]
// CHECK:     %[[E:.*]] = hrm.step_embedding %{{.*}}[%[[STEP]]]
// CHECK:     %[[IN:.*]] = hrm.add %[[S]], %[[E]]
// CHECK:     %[[A:.*]] = hrm.apply @fast(%[[FJ]], %[[IN]])
// CHECK:     scf.yield %[[A]]
// CHECK:   %[[SN:.*]] = hrm.apply @slow(%[[S]], %[[FN]])
// CHECK:   scf.yield %[[FN]], %[[SN]]
// CHECK: return %[[R]]#1
// CHECK-NOT: hrm.apply

// An accumulator (a loss per cycle) is carried by the cycle loop and
// passes by the fast steps; the slow step adds to it.
// CHECK-LABEL: func.func @hier_acc
// CHECK: %[[RA:.*]]:3 = scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[F:.*]] = %{{.*}}, %[[S:.*]] = %{{.*}}, %[[L:.*]] = %{{.*}})
// CHECK:   %[[FN:.*]] = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[FJ:.*]] = %[[F]]) -> (tensor<2x4x8xf32>)
// CHECK:     hrm.apply @fast(%[[FJ]], %[[S]])
// CHECK:   %[[SN:.*]] = hrm.apply @slow(%[[S]], %[[FN]])
// CHECK:   %[[LN:.*]] = arith.addf %[[L]], %{{.*}} : tensor<f32>
// CHECK:   scf.yield %[[FN]], %[[SN]], %[[LN]]
// CHECK: return %[[RA]]#2

// CHECK-LABEL: func.func @flat
// CHECK: %[[L:.*]]:2 = scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[A0:.*]] = %{{.*}}, %[[B0:.*]] = %{{.*}})
// CHECK:   %[[AB:.*]]:2 = hrm.apply @pair(%[[A0]], %[[B0]])
// CHECK:   scf.yield %[[AB]]#0, %[[AB]]#1
// CHECK: return %[[L]]#0
// CHECK-NOT: hrm.loop

// A run-time count is the bound; the nominal count stays on the loop for
// hrm-decode-entry.
// CHECK-LABEL: func.func @counted
// CHECK-SAME: (%{{.*}}: tensor<2x4x8xf32>, %[[N:.*]]: index)
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[N]] step %{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (tensor<2x4x8xf32>)
// CHECK: } {hrm.steps = 6 : i64}

hrm.model @m attributes {max_seq_len = 8 : i64} {
  hrm.param @steps : tensor<40x8xf32> init <normal(1.0)>
  hrm.module @fast(%z: tensor<2x4x8xf32>, %inj: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
    %s = add %z, %inj : tensor<2x4x8xf32>, tensor<2x4x8xf32>
    yield %s : tensor<2x4x8xf32>
  }
  hrm.module @slow(%z: tensor<2x4x8xf32>, %inj: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
    %s = add %z, %inj : tensor<2x4x8xf32>, tensor<2x4x8xf32>
    yield %s : tensor<2x4x8xf32>
  }
  hrm.module @pair(%a: tensor<2x4x8xf32>, %b: tensor<2x4x8xf32>) -> (tensor<2x4x8xf32>, tensor<2x4x8xf32>) {
    %s = add %a, %b : tensor<2x4x8xf32>, tensor<2x4x8xf32>
    yield %s, %a : tensor<2x4x8xf32>, tensor<2x4x8xf32>
  }
  func.func @hier(%x: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
    %table = hrm.weight @steps : tensor<40x8xf32>
    %f, %s = hrm.hier_loop N 8 T 5 init(%x, %x) : tensor<2x4x8xf32>, tensor<2x4x8xf32>
        schedule <unroll = rolled, grad = full, memory = keep> fast {
    ^bb0(%k: index, %zf: tensor<2x4x8xf32>, %zs: tensor<2x4x8xf32>):
      %e = hrm.step_embedding %table[%k] : tensor<40x8xf32> -> tensor<8xf32>
      %in = hrm.add %zs, %e : tensor<2x4x8xf32>, tensor<8xf32>
      %a = hrm.apply @fast(%zf, %in) : (tensor<2x4x8xf32>, tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
      hrm.yield %a : tensor<2x4x8xf32>
    } slow {
    ^bb0(%i: index, %zf: tensor<2x4x8xf32>, %zs: tensor<2x4x8xf32>):
      %a = hrm.apply @slow(%zs, %zf) : (tensor<2x4x8xf32>, tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
      hrm.yield %a : tensor<2x4x8xf32>
    }
    return %s : tensor<2x4x8xf32>
  }
  func.func @hier_acc(%x: tensor<2x4x8xf32>, %one: tensor<f32>) -> tensor<f32> {
    %zero = arith.constant dense<0.0> : tensor<f32>
    %f, %s, %l = hrm.hier_loop N 2 T 3 init(%x, %x) : tensor<2x4x8xf32>, tensor<2x4x8xf32> acc(%zero : tensor<f32>)
        schedule <unroll = rolled, grad = full, memory = keep> fast {
    ^bb0(%k: index, %zf: tensor<2x4x8xf32>, %zs: tensor<2x4x8xf32>, %acc: tensor<f32>):
      %a = hrm.apply @fast(%zf, %zs) : (tensor<2x4x8xf32>, tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
      hrm.yield %a : tensor<2x4x8xf32>
    } slow {
    ^bb0(%i: index, %zf: tensor<2x4x8xf32>, %zs: tensor<2x4x8xf32>, %acc: tensor<f32>):
      %a = hrm.apply @slow(%zs, %zf) : (tensor<2x4x8xf32>, tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
      %next = arith.addf %acc, %one : tensor<f32>
      hrm.yield %a, %next : tensor<2x4x8xf32>, tensor<f32>
    }
    return %l : tensor<f32>
  }
  func.func @flat(%x: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
    %r:2 = hrm.loop steps 6 iter(%x, %x : tensor<2x4x8xf32>, tensor<2x4x8xf32>) -> tensor<2x4x8xf32>, tensor<2x4x8xf32>
        schedule <unroll = rolled, grad = full, memory = keep> {
    ^bb0(%i: index, %a: tensor<2x4x8xf32>, %b: tensor<2x4x8xf32>):
      %p:2 = hrm.apply @pair(%a, %b) : (tensor<2x4x8xf32>, tensor<2x4x8xf32>) -> (tensor<2x4x8xf32>, tensor<2x4x8xf32>)
      hrm.yield %p#0, %p#1 : tensor<2x4x8xf32>, tensor<2x4x8xf32>
    }
    return %r#0 : tensor<2x4x8xf32>
  }
  func.func @counted(%x: tensor<2x4x8xf32>, %n: index) -> tensor<2x4x8xf32> {
    %r = hrm.loop steps 6 count %n iter(%x : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
        schedule <unroll = rolled, grad = one_step, memory = keep> {
    ^bb0(%i: index, %a: tensor<2x4x8xf32>):
      %p:2 = hrm.apply @pair(%a, %x) : (tensor<2x4x8xf32>, tensor<2x4x8xf32>) -> (tensor<2x4x8xf32>, tensor<2x4x8xf32>)
      hrm.yield %p#0 : tensor<2x4x8xf32>
    }
    return %r : tensor<2x4x8xf32>
  }
}
