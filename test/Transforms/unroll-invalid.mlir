// RUN: hrm-opt %s -split-input-file -hrm-unroll -verify-diagnostics
// RUN: not hrm-opt %s -split-input-file -hrm-unroll=force=sideways 2>&1 | FileCheck %s --check-prefix=FORCE

// FORCE: hrm-unroll: unknown force value 'sideways', expected full or rolled

!act = tensor<?x?x8xf32>
func.func @g(%x: !act) -> !act {
  // expected-error @+1 {{cannot unroll by factor(2) under a one_step gradient schedule; unroll fully or keep the loop rolled}}
  %h = hrm.loop steps 4 iter(%x : !act) -> !act
      schedule <unroll = factor(2), grad = one_step, memory = keep> {
  ^bb0(%i: index, %a: !act):
    hrm.yield %a : !act
  }
  return %h : !act
}

// -----

!act = tensor<?x?x8xf32>
func.func @g(%x: !act) -> !act {
  // expected-error @+1 {{cannot unroll by factor(3) under a truncated gradient schedule}}
  %zf, %zs = hrm.hier_loop N 2 T 3 init(%x, %x) : !act, !act
      schedule <unroll = factor(3), grad = truncated(3), memory = keep>
    fast {
    ^bb0(%k: index, %f: !act, %s: !act):
      hrm.yield %f : !act
    } slow {
    ^bb0(%i: index, %f: !act, %s: !act):
      hrm.yield %s : !act
    }
  return %zs : !act
}
