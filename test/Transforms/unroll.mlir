// RUN: hrm-opt %s -split-input-file -hrm-unroll | FileCheck %s
// RUN: hrm-opt %s -split-input-file -hrm-unroll=force=rolled | FileCheck %s --check-prefix=ROLLED
// RUN: hrm-opt %s -split-input-file -hrm-unroll --remarks-filter=hrm-unroll -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
// What the pass did, where, and (missed) why not: one remark each.
// REMARK: unroll.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] unroll | Category:hrm-unroll | Function=g | bodies=6, unroll=full
// REMARK: unroll.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] unroll | Category:hrm-unroll | Function=one_step | bodies=4, unroll=full
// REMARK: unroll.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] unroll | Category:hrm-unroll | Function=slow_first | bodies=4, unroll=full
// REMARK: unroll.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] unroll | Category:hrm-unroll | Function=g | bodies=3, unroll=full
// REMARK: unroll.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] unroll | Category:hrm-unroll | Function=g | bodies=4, unroll=full
// REMARK: unroll.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] unroll | Category:hrm-unroll | Function=g | factor=4, steps=12, unroll=factor
// REMARK: unroll.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] unroll | Category:hrm-unroll | Function=g | factor=3, steps=6, unroll=factor
// REMARK: unroll.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Analysis] unroll | Category:hrm-unroll | Function=g | Remark="kept rolled: the loop is compiled once, whatever its trip count"
// REMARK: unroll.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] unroll | Category:hrm-unroll | Function=g | factor=3, steps=8, unroll=factor
// REMARK: unroll.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] unroll | Category:hrm-unroll | Function=g | factor=3, steps=8, unroll=factor
// REMARK: unroll.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] unroll | Category:hrm-unroll | Function=g | factor=2, steps=4, unroll=factor
// REMARK: unroll.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] unroll | Category:hrm-unroll | Function=g | bodies=6, unroll=full
// REMARK: unroll.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] unroll | Category:hrm-unroll | Function=g | factor=1, steps=10, unroll=factor
// REMARK: unroll.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] unroll | Category:hrm-unroll | Function=g | factor=1, steps=8, unroll=factor
// REMARK-NOT: remark:

!act = tensor<?x?x8xf32>

// Full unroll of N=2, T=2 under the one-step gradient: 4 fast and 2 slow
// applications; the carried states are detached before the last fast step,
// and only the last fast and slow applications carry a memory policy.
// CHECK-LABEL: hrm.model @one_step
// ROLLED-LABEL: hrm.model @one_step
// ROLLED: hrm.hier_loop N 2 T 2
hrm.model @one_step {
  hrm.param @w : tensor<8xf32> init <ones>
  hrm.module @f(%a: !act, %b: !act) -> !act {
    %w = hrm.weight @w : tensor<8xf32>
    %s = hrm.add %a, %w : !act, tensor<8xf32>
    hrm.yield %s : !act
  }
  hrm.module @s(%a: !act, %b: !act) -> !act {
    hrm.yield %b : !act
  }
  // CHECK-LABEL: func.func @g
  func.func @g(%x: !act) -> !act {
    // CHECK-NOT: hrm.hier_loop
    // CHECK: %[[F0:.*]] = hrm.apply @f(%arg0, %{{.*}}) :
    // CHECK: %[[F1:.*]] = hrm.apply @f(%[[F0]], %{{.*}}) :
    // CHECK: %[[S0:.*]] = hrm.apply @s(%arg0, %[[F1]]) :
    // CHECK: %[[F2:.*]] = hrm.apply @f(%[[F1]], %{{.*}}) :
    // CHECK: %[[DF:.*]] = hrm.detach %[[F2]]
    // CHECK: %[[DS:.*]] = hrm.detach %[[S0]]
    // CHECK: %[[F3:.*]] = hrm.apply @f(%[[DF]], %{{.*}}) {memory = #hrm.memory<keep>}
    // CHECK: %[[S1:.*]] = hrm.apply @s(%[[DS]], %[[F3]]) {memory = #hrm.memory<keep>}
    // CHECK-NOT: hrm.apply
    // CHECK: return %[[S1]]
    %zf, %zs = hrm.hier_loop N 2 T 2 init(%x, %x) : !act, !act
        schedule <unroll = full, grad = one_step, memory = keep>
      fast {
      ^bb0(%k: index, %f: !act, %s: !act):
        %inj = hrm.add %s, %x : !act, !act
        %f1 = hrm.apply @f(%f, %inj) : (!act, !act) -> !act
        hrm.yield %f1 : !act
      } slow {
      ^bb0(%i: index, %f: !act, %s: !act):
        %s1 = hrm.apply @s(%s, %f) : (!act, !act) -> !act
        hrm.yield %s1 : !act
      }
    return %zs : !act
  }
}

// -----

!act = tensor<?x?x8xf32>

// An accumulator (a loss per cycle) is written by each slow application and
// detached with the states at the window's start; under slow_first(2) a
// slow application without gradient has the accumulator it writes
// detached too.
// CHECK-LABEL: hrm.model @acc
hrm.model @acc {
  hrm.module @f(%a: !act, %b: !act) -> !act {
    hrm.yield %b : !act
  }
  hrm.module @s(%a: !act, %b: !act) -> !act {
    hrm.yield %b : !act
  }
  // CHECK-LABEL: func.func @one_step
  func.func @one_step(%x: !act, %one: tensor<f32>) -> tensor<f32> {
    // CHECK: %[[S0:.*]] = hrm.apply @s(
    // CHECK: %[[L0:.*]] = arith.addf %cst, %arg1
    // CHECK: hrm.detach
    // CHECK: hrm.detach %[[S0]]
    // CHECK: %[[DL:.*]] = hrm.detach %[[L0]]
    // CHECK: hrm.apply @f({{.*}}) {memory = #hrm.memory<keep>}
    // CHECK: hrm.apply @s({{.*}}) {memory = #hrm.memory<keep>}
    // CHECK: %[[L1:.*]] = arith.addf %[[DL]], %arg1
    // CHECK: return %[[L1]]
    %zero = arith.constant dense<0.0> : tensor<f32>
    %zf, %zs, %l = hrm.hier_loop N 2 T 1 init(%x, %x) : !act, !act acc(%zero : tensor<f32>)
        schedule <unroll = full, grad = one_step, memory = keep>
      fast {
      ^bb0(%k: index, %f: !act, %s: !act, %acc: tensor<f32>):
        %f1 = hrm.apply @f(%f, %s) : (!act, !act) -> !act
        hrm.yield %f1 : !act
      } slow {
      ^bb0(%i: index, %f: !act, %s: !act, %acc: tensor<f32>):
        %s1 = hrm.apply @s(%s, %f) : (!act, !act) -> !act
        %acc1 = arith.addf %acc, %one : tensor<f32>
        hrm.yield %s1, %acc1 : !act, tensor<f32>
      }
    return %l : tensor<f32>
  }
  // CHECK-LABEL: func.func @slow_first
  func.func @slow_first(%x: !act, %one: tensor<f32>) -> tensor<f32> {
    // CHECK: hrm.apply @f(
    // CHECK: hrm.detach
    // CHECK: %[[S0:.*]] = hrm.apply @s(
    // CHECK: %[[L0:.*]] = arith.addf %cst, %arg1
    // CHECK: hrm.detach %[[S0]]
    // CHECK: %[[DL:.*]] = hrm.detach %[[L0]]
    // CHECK: hrm.apply @f({{.*}}) {memory = #hrm.memory<keep>}
    // CHECK: hrm.apply @s({{.*}}) {memory = #hrm.memory<keep>}
    // CHECK: %[[L1:.*]] = arith.addf %[[DL]], %arg1
    // CHECK-NOT: hrm.detach
    // CHECK: return %[[L1]]
    %zero = arith.constant dense<0.0> : tensor<f32>
    %zf, %zs, %l = hrm.hier_loop N 2 T 1 init(%x, %x) : !act, !act acc(%zero : tensor<f32>)
        schedule <unroll = full, grad = slow_first(2), memory = keep>
      fast {
      ^bb0(%k: index, %f: !act, %s: !act, %acc: tensor<f32>):
        %f1 = hrm.apply @f(%f, %s) : (!act, !act) -> !act
        hrm.yield %f1 : !act
      } slow {
      ^bb0(%i: index, %f: !act, %s: !act, %acc: tensor<f32>):
        %s1 = hrm.apply @s(%s, %f) : (!act, !act) -> !act
        %acc1 = arith.addf %acc, %one : tensor<f32>
        hrm.yield %s1, %acc1 : !act, tensor<f32>
      }
    return %l : tensor<f32>
  }
}

// -----

!act = tensor<?x?x8xf32>

// Full gradient: no detach, every application carries the memory policy;
// the step index becomes a constant.
// CHECK-LABEL: hrm.model @full_grad
hrm.model @full_grad {
  hrm.param @t : tensor<3x8xf32> init <zeros>
  hrm.module @f(%a: !act) -> !act {
    hrm.yield %a : !act
  }
  func.func @g(%x: !act) -> !act {
    // CHECK-NOT: hrm.detach
    // CHECK: %[[C0:.*]] = arith.constant 0 : index
    // CHECK: hrm.step_embedding %{{.*}}[%[[C0]]]
    // CHECK: hrm.apply @f({{.*}}) {memory = #hrm.memory<recompute>}
    // CHECK: %[[C1:.*]] = arith.constant 1 : index
    // CHECK: hrm.step_embedding %{{.*}}[%[[C1]]]
    // CHECK: hrm.apply @f({{.*}}) {memory = #hrm.memory<recompute>}
    // CHECK: %[[C2:.*]] = arith.constant 2 : index
    // CHECK: hrm.apply @f({{.*}}) {memory = #hrm.memory<recompute>}
    // CHECK-NOT: hrm.apply
    %h = hrm.loop steps 3 iter(%x : !act) -> !act
        schedule <unroll = full, grad = full, memory = recompute> {
    ^bb0(%i: index, %a: !act):
      %t = hrm.weight @t : tensor<3x8xf32>
      %e = hrm.step_embedding %t[%i] : tensor<3x8xf32> -> tensor<8xf32>
      %b = hrm.add %a, %e : !act, tensor<8xf32>
      %c = hrm.apply @f(%b) : (!act) -> !act
      hrm.yield %c : !act
    }
    return %h : !act
  }
}

// -----

!act = tensor<?x?x8xf32>

// Truncated(2) on a flat loop of 4 steps: detach before step 2.
// CHECK-LABEL: hrm.model @truncated
hrm.model @truncated {
  hrm.module @f(%a: !act) -> !act {
    hrm.yield %a : !act
  }
  func.func @g(%x: !act) -> !act {
    // CHECK: hrm.apply @f
    // CHECK-NEXT: arith.constant 1
    // CHECK-NEXT: %[[A1:.*]] = hrm.apply @f
    // CHECK-NEXT: %[[D:.*]] = hrm.detach %[[A1]]
    // CHECK-NEXT: arith.constant 2
    // CHECK-NEXT: hrm.apply @f(%[[D]]) {memory = #hrm.memory<keep>}
    // CHECK: hrm.apply @f({{.*}}) {memory = #hrm.memory<keep>}
    // CHECK-NOT: hrm.apply
    %h = hrm.loop steps 4 iter(%x : !act) -> !act
        schedule <unroll = full, grad = truncated(2), memory = keep> {
    ^bb0(%i: index, %a: !act):
      %c = hrm.apply @f(%a) : (!act) -> !act
      hrm.yield %c : !act
    }
    return %h : !act
  }
}

// -----

!act = tensor<?x?x8xf32>

// factor(4) on N=4, T=2: a flat loop of 2 iterations, each holding two
// whole cycles (2 fast + 1 slow, twice); its schedule is now rolled.
// CHECK-LABEL: hrm.model @factor_hier
// ROLLED-LABEL: hrm.model @factor_hier
// ROLLED: hrm.hier_loop N 4 T 2
hrm.model @factor_hier {
  hrm.module @f(%a: !act, %b: !act) -> !act {
    hrm.yield %a : !act
  }
  func.func @g(%x: !act) -> !act {
    // CHECK: %{{.*}}:2 = hrm.loop steps 2 iter(%arg0, %arg0 : {{.*}}) -> {{.*}} schedule <unroll = rolled, grad = full, memory = keep> {
    // CHECK-NEXT: ^bb0(%[[I:.*]]: index, %{{.*}}: tensor<?x?x8xf32>, %{{.*}}: tensor<?x?x8xf32>):
    // CHECK-COUNT-2: hrm.apply @f(
    // CHECK: hrm.apply @f(%{{.*}}, %{{.*}}) {slow}
    // CHECK-COUNT-2: hrm.apply @f(
    // CHECK: hrm.apply @f(%{{.*}}, %{{.*}}) {slow}
    // CHECK-NEXT: hrm.yield
    %zf, %zs = hrm.hier_loop N 4 T 2 init(%x, %x) : !act, !act
        schedule <unroll = factor(4), grad = full, memory = keep>
      fast {
      ^bb0(%k: index, %f: !act, %s: !act):
        %f1 = hrm.apply @f(%f, %s) : (!act, !act) -> !act
        hrm.yield %f1 : !act
      } slow {
      ^bb0(%i: index, %f: !act, %s: !act):
        %s1 = hrm.apply @f(%s, %f) {slow} : (!act, !act) -> !act
        hrm.yield %s1 : !act
      }
    return %zs : !act
  }
}

// -----

!act = tensor<?x?x8xf32>

// factor(3) on a flat loop of 6 steps: 2 iterations of 3 bodies; step index
// i*3 + j.
// CHECK-LABEL: hrm.model @factor_flat
hrm.model @factor_flat {
  hrm.param @t : tensor<6x8xf32> init <zeros>
  func.func @g(%x: !act) -> !act {
    // CHECK: hrm.loop steps 2 iter
    // CHECK-NEXT: ^bb0(%[[I:.*]]: index, %{{.*}}: tensor<?x?x8xf32>):
    // CHECK: %[[C3:.*]] = arith.constant 3 : index
    // CHECK-NEXT: arith.muli %[[I]], %[[C3]]
    // CHECK: %[[C2:.*]] = arith.constant 2 : index
    // CHECK-NEXT: %[[K:.*]] = arith.addi %{{.*}}, %[[C2]]
    // CHECK: hrm.step_embedding %{{.*}}[%[[K]]]
    // CHECK-NEXT: hrm.add
    // CHECK-NEXT: hrm.yield
    %h = hrm.loop steps 6 iter(%x : !act) -> !act
        schedule <unroll = factor(3), grad = full, memory = keep> {
    ^bb0(%i: index, %a: !act):
      %t = hrm.weight @t : tensor<6x8xf32>
      %e = hrm.step_embedding %t[%i] : tensor<6x8xf32> -> tensor<8xf32>
      %b = hrm.add %a, %e : !act, tensor<8xf32>
      hrm.yield %b : !act
    }
    return %h : !act
  }
}

// -----

!act = tensor<?x?x8xf32>

// A rolled loop stays as it is.
// CHECK-LABEL: hrm.model @rolled
// CHECK: hrm.loop steps 5
hrm.model @rolled {
  func.func @g(%x: !act) -> !act {
    %h = hrm.loop steps 5 iter(%x : !act) -> !act
        schedule <unroll = rolled, grad = full, memory = keep> {
    ^bb0(%i: index, %a: !act):
      hrm.yield %a : !act
    }
    return %h : !act
  }
}

// -----

!act = tensor<?x?x8xf32>

// factor(3) on N=2, T=3 under truncated(3): 8 applications, 4 per
// iteration, the window is the last 3, so it starts one application into
// iteration 1. Iteration 0 stays a loop, iteration 1 is peeled: its first
// fast step, the detach of both states, then the window's steps with the
// schedule's memory policy. No loop follows: the window ends the loop.
// CHECK-LABEL: hrm.model @factor_peeled
hrm.model @factor_peeled {
  hrm.module @f(%a: !act, %b: !act) -> !act {
    hrm.yield %a : !act
  }
  func.func @g(%x: !act) -> !act {
    // CHECK: %[[L:.*]]:2 = hrm.loop steps 1 iter(%arg0, %arg0 : {{.*}}) -> {{.*}} schedule <unroll = rolled, grad = full, memory = recompute> {
    // CHECK-COUNT-3: hrm.apply @f(
    // CHECK: hrm.apply @f(%{{.*}}, %{{.*}}) {slow}
    // CHECK-NEXT: hrm.yield
    // CHECK: %[[F3:.*]] = hrm.apply @f(%[[L]]#0, %[[L]]#1) :
    // CHECK-NEXT: %[[F:.*]] = hrm.detach %[[F3]]
    // CHECK-NEXT: %[[S:.*]] = hrm.detach %[[L]]#1
    // CHECK: %[[F4:.*]] = hrm.apply @f(%[[F]], %[[S]]) {memory = #hrm.memory<recompute>}
    // CHECK: %[[F5:.*]] = hrm.apply @f(%[[F4]], %[[S]]) {memory = #hrm.memory<recompute>}
    // CHECK: %[[S1:.*]] = hrm.apply @f(%[[S]], %[[F5]]) {memory = #hrm.memory<recompute>, slow}
    // CHECK-NEXT: return %[[S1]]
    %zf, %zs = hrm.hier_loop N 2 T 3 init(%x, %x) : !act, !act
        schedule <unroll = factor(3), grad = truncated(3), memory = recompute>
      fast {
      ^bb0(%k: index, %f: !act, %s: !act):
        %f1 = hrm.apply @f(%f, %s) : (!act, !act) -> !act
        hrm.yield %f1 : !act
      } slow {
      ^bb0(%i: index, %f: !act, %s: !act):
        %s1 = hrm.apply @f(%s, %f) {slow} : (!act, !act) -> !act
        hrm.yield %s1 : !act
      }
    return %zs : !act
  }
}

// -----

!act = tensor<?x?x8xf32>

// The same loop under truncated(4): the window is iteration 1 exactly, so
// the flat loop keeps it as its own window of one iteration.
// CHECK-LABEL: hrm.model @factor_window_on_boundary
// CHECK: hrm.loop steps 2 {{.*}} schedule <unroll = rolled, grad = truncated(1), memory = keep>
// CHECK-NOT: hrm.detach
hrm.model @factor_window_on_boundary {
  hrm.module @f(%a: !act, %b: !act) -> !act {
    hrm.yield %a : !act
  }
  func.func @g(%x: !act) -> !act {
    %zf, %zs = hrm.hier_loop N 2 T 3 init(%x, %x) : !act, !act
        schedule <unroll = factor(3), grad = truncated(4), memory = keep>
      fast {
      ^bb0(%k: index, %f: !act, %s: !act):
        %f1 = hrm.apply @f(%f, %s) : (!act, !act) -> !act
        hrm.yield %f1 : !act
      } slow {
      ^bb0(%i: index, %f: !act, %s: !act):
        %s1 = hrm.apply @f(%s, %f) {slow} : (!act, !act) -> !act
        hrm.yield %s1 : !act
      }
    return %zs : !act
  }
}

// -----

!act = tensor<?x?x8xf32>

// factor(2) on a flat loop of 4 steps under truncated(3): the window starts
// at step 1, inside iteration 0. Step 0 runs before the detach, step 1
// after it, and iteration 1 (steps 2 and 3) is a loop inside the window
// whose step indices count from 2.
// CHECK-LABEL: hrm.model @factor_flat_peeled
hrm.model @factor_flat_peeled {
  hrm.param @t : tensor<4x8xf32> init <zeros>
  func.func @g(%x: !act) -> !act {
    // CHECK-NOT: hrm.loop
    // CHECK: %[[C0:.*]] = arith.constant 0 : index
    // CHECK: hrm.step_embedding %{{.*}}[%[[C0]]]
    // CHECK: %[[A0:.*]] = hrm.add
    // CHECK-NEXT: %[[D:.*]] = hrm.detach %[[A0]]
    // CHECK: %[[C1:.*]] = arith.constant 1 : index
    // CHECK: hrm.step_embedding %{{.*}}[%[[C1]]]
    // CHECK: hrm.loop steps 1 iter(%{{.*}}) -> {{.*}} schedule <unroll = rolled, grad = full, memory = keep> {
    // CHECK-NEXT: ^bb0(%[[I:.*]]: index, %{{.*}}: tensor<?x?x8xf32>):
    // CHECK: arith.muli %[[I]], %{{.*}}
    // CHECK: %[[C2:.*]] = arith.constant 2 : index
    // CHECK-NEXT: %[[K2:.*]] = arith.addi %{{.*}}, %[[C2]]
    // CHECK: hrm.step_embedding %{{.*}}[%[[K2]]]
    // CHECK: %[[C3:.*]] = arith.constant 3 : index
    // CHECK-NEXT: %[[K3:.*]] = arith.addi %{{.*}}, %[[C3]]
    // CHECK: hrm.step_embedding %{{.*}}[%[[K3]]]
    // CHECK: hrm.yield
    %h = hrm.loop steps 4 iter(%x : !act) -> !act
        schedule <unroll = factor(2), grad = truncated(3), memory = keep> {
    ^bb0(%i: index, %a: !act):
      %t = hrm.weight @t : tensor<4x8xf32>
      %e = hrm.step_embedding %t[%i] : tensor<4x8xf32> -> tensor<8xf32>
      %b = hrm.add %a, %e : !act, tensor<8xf32>
      hrm.yield %b : !act
    }
    return %h : !act
  }
}

// -----

!act = tensor<?x?x8xf32>

// Full unroll of N=2, T=2 under slow_first(3): the gradient goes through
// both slow applications and the last fast one. The other fast ones run
// without it (their results detached where they are made), the slow
// state is never detached, and only the three chosen applications carry a
// memory policy.
// CHECK-LABEL: hrm.model @slow_first
// ROLLED-LABEL: hrm.model @slow_first
// ROLLED: hrm.hier_loop N 2 T 2
hrm.model @slow_first {
  hrm.module @f(%a: !act, %b: !act) -> !act {
    %s = hrm.add %a, %b : !act, !act
    hrm.yield %s : !act
  }
  hrm.module @s(%a: !act, %b: !act) -> !act {
    hrm.yield %b : !act
  }
  // CHECK-LABEL: func.func @g
  func.func @g(%x: !act) -> !act {
    // CHECK: %[[F0:.*]] = hrm.apply @f(%arg0, %arg0) :
    // CHECK: %[[D0:.*]] = hrm.detach %[[F0]]
    // CHECK: %[[F1:.*]] = hrm.apply @f(%[[D0]], %arg0) :
    // CHECK: %[[D1:.*]] = hrm.detach %[[F1]]
    // CHECK: %[[S0:.*]] = hrm.apply @s(%arg0, %[[D1]]) {memory = #hrm.memory<recompute>}
    // CHECK: %[[F2:.*]] = hrm.apply @f(%[[D1]], %[[S0]]) :
    // CHECK: %[[D2:.*]] = hrm.detach %[[F2]]
    // CHECK: %[[F3:.*]] = hrm.apply @f(%[[D2]], %[[S0]]) {memory = #hrm.memory<recompute>}
    // CHECK: %[[S1:.*]] = hrm.apply @s(%[[S0]], %[[F3]]) {memory = #hrm.memory<recompute>}
    // CHECK-NOT: hrm.detach
    // CHECK: return %[[S1]]
    %zf, %zs = hrm.hier_loop N 2 T 2 init(%x, %x) : !act, !act
        schedule <unroll = full, grad = slow_first(3), memory = recompute>
      fast {
      ^bb0(%k: index, %f: !act, %s: !act):
        %f1 = hrm.apply @f(%f, %s) : (!act, !act) -> !act
        hrm.yield %f1 : !act
      } slow {
      ^bb0(%i: index, %f: !act, %s: !act):
        %s1 = hrm.apply @s(%s, %f) : (!act, !act) -> !act
        hrm.yield %s1 : !act
      }
    return %zs : !act
  }
}

// -----

!act = tensor<?x?x8xf32>

// N=5, T=1 under slow_first(3) unrolled by factor(1): the last two slow
// applications and the last fast one carry gradient. Iterations 0-2 have
// none: one loop, its results detached. Iteration 3 (f3 s3) has only s3:
// straight-line code with f3 detached. Iteration 4 has both.
// CHECK-LABEL: hrm.model @slow_first_factor
// ROLLED-LABEL: hrm.model @slow_first_factor
// ROLLED: hrm.hier_loop N 5 T 1
hrm.model @slow_first_factor {
  hrm.module @f(%a: !act, %b: !act) -> !act {
    %s = hrm.add %a, %b : !act, !act
    hrm.yield %s : !act
  }
  hrm.module @s(%a: !act, %b: !act) -> !act {
    hrm.yield %b : !act
  }
  // CHECK-LABEL: func.func @g
  func.func @g(%x: !act) -> !act {
    // CHECK: %[[PRE:.*]]:2 = hrm.loop steps 3 iter(%arg0, %arg0 : {{.*}} schedule <unroll = rolled, grad = full, memory = keep>
    // CHECK-NOT: hrm.detach
    // CHECK: hrm.yield
    // CHECK: %[[PF:.*]] = hrm.detach %[[PRE]]#0
    // CHECK: %[[PS:.*]] = hrm.detach %[[PRE]]#1
    // CHECK: %[[F3:.*]] = hrm.apply @f(%[[PF]], %[[PS]]) :
    // CHECK: %[[D3:.*]] = hrm.detach %[[F3]]
    // CHECK: %[[S3:.*]] = hrm.apply @s(%[[PS]], %[[D3]]) {memory = #hrm.memory<keep>}
    // CHECK: %[[F4:.*]] = hrm.apply @f(%[[D3]], %[[S3]]) {memory = #hrm.memory<keep>}
    // CHECK: %[[S4:.*]] = hrm.apply @s(%[[S3]], %[[F4]]) {memory = #hrm.memory<keep>}
    // CHECK-NOT: hrm.detach
    // CHECK: return %[[S4]]
    %zf, %zs = hrm.hier_loop N 5 T 1 init(%x, %x) : !act, !act
        schedule <unroll = factor(1), grad = slow_first(3), memory = keep>
      fast {
      ^bb0(%k: index, %f: !act, %s: !act):
        %f1 = hrm.apply @f(%f, %s) : (!act, !act) -> !act
        hrm.yield %f1 : !act
      } slow {
      ^bb0(%i: index, %f: !act, %s: !act):
        %s1 = hrm.apply @s(%s, %f) : (!act, !act) -> !act
        hrm.yield %s1 : !act
      }
    return %zs : !act
  }
}

// -----

!act = tensor<?x?x8xf32>

// N=4, T=1 under slow_first(4): cycle 0 has no gradient, cycles 1 and 2
// only their slow application (a loop of two iterations whose fast
// application is detached inside), cycle 3 both.
// CHECK-LABEL: hrm.model @slow_first_factor_mid
// ROLLED-LABEL: hrm.model @slow_first_factor_mid
hrm.model @slow_first_factor_mid {
  hrm.module @f(%a: !act, %b: !act) -> !act {
    %s = hrm.add %a, %b : !act, !act
    hrm.yield %s : !act
  }
  hrm.module @s(%a: !act, %b: !act) -> !act {
    hrm.yield %b : !act
  }
  // CHECK-LABEL: func.func @g
  func.func @g(%x: !act) -> !act {
    // CHECK: %[[F0:.*]] = hrm.apply @f(%arg0, %arg0) :
    // CHECK: %[[D0:.*]] = hrm.detach %[[F0]]
    // CHECK: %[[S0:.*]] = hrm.apply @s(%arg0, %[[D0]]) :
    // CHECK: %[[E0:.*]] = hrm.detach %[[S0]]
    // CHECK: %[[MID:.*]]:2 = hrm.loop steps 2 iter(%[[D0]], %[[E0]] : {{.*}} schedule <unroll = rolled, grad = full, memory = keep>
    // CHECK: ^bb0(%[[I:.*]]: index, %[[A:.*]]: tensor<?x?x8xf32>, %[[B:.*]]: tensor<?x?x8xf32>):
    // CHECK: %[[FM:.*]] = hrm.apply @f(%[[A]], %[[B]])
    // CHECK-NEXT: %[[DM:.*]] = hrm.detach %[[FM]]
    // CHECK: %[[SM:.*]] = hrm.apply @s(%[[B]], %[[DM]])
    // CHECK-NEXT: hrm.yield %[[DM]], %[[SM]]
    // CHECK: %[[F3:.*]] = hrm.apply @f(%[[MID]]#0, %[[MID]]#1) {memory = #hrm.memory<keep>}
    // CHECK: hrm.apply @s(%[[MID]]#1, %[[F3]]) {memory = #hrm.memory<keep>}
    %zf, %zs = hrm.hier_loop N 4 T 1 init(%x, %x) : !act, !act
        schedule <unroll = factor(1), grad = slow_first(4), memory = keep>
      fast {
      ^bb0(%k: index, %f: !act, %s: !act):
        %f1 = hrm.apply @f(%f, %s) : (!act, !act) -> !act
        hrm.yield %f1 : !act
      } slow {
      ^bb0(%i: index, %f: !act, %s: !act):
        %s1 = hrm.apply @s(%s, %f) : (!act, !act) -> !act
        hrm.yield %s1 : !act
      }
    return %zs : !act
  }
}
