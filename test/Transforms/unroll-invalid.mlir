// RUN: not hrm-opt %s -hrm-unroll=force=sideways 2>&1 | FileCheck %s
// RUN: hrm-opt %s -split-input-file -hrm-unroll=force=full -verify-diagnostics

// CHECK: hrm-unroll: unknown force value 'sideways', expected full or rolled

func.func @g() {
  return
}

// -----

// A count known only at run time cannot be unrolled, even when forced.
func.func @counted(%x: tensor<2x4x8xf32>, %n: index) -> tensor<2x4x8xf32> {
  // expected-error @+1 {{hrm-unroll: cannot unroll a loop whose trip count is known only at run time}}
  %r = hrm.loop steps 6 count %n iter(%x : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
      schedule <unroll = rolled, grad = one_step, memory = keep> {
  ^bb0(%i: index, %a: tensor<2x4x8xf32>):
    hrm.yield %a : tensor<2x4x8xf32>
  }
  return %r : tensor<2x4x8xf32>
}

// -----

// Nor can a gradient window known only at run time.
func.func @windowed(%x: tensor<2x4x8xf32>, %k: index) -> tensor<2x4x8xf32> {
  // expected-error @+1 {{hrm-unroll: cannot unroll a loop whose gradient window is known only at run time}}
  %f, %s = hrm.hier_loop N 2 T 3 window %k init(%x, %x) : tensor<2x4x8xf32>, tensor<2x4x8xf32>
      schedule <unroll = rolled, grad = slow_first(5), memory = keep>
    fast {
    ^bb0(%i: index, %a: tensor<2x4x8xf32>, %b: tensor<2x4x8xf32>):
      hrm.yield %a : tensor<2x4x8xf32>
    } slow {
    ^bb0(%i: index, %a: tensor<2x4x8xf32>, %b: tensor<2x4x8xf32>):
      hrm.yield %b : tensor<2x4x8xf32>
    }
  return %s : tensor<2x4x8xf32>
}

// -----

// A flat loop's neither.
func.func @windowed_flat(%x: tensor<2x4x8xf32>, %k: index) -> tensor<2x4x8xf32> {
  // expected-error @+1 {{hrm-unroll: cannot unroll a loop whose gradient window is known only at run time}}
  %h = hrm.loop steps 4 window %k iter(%x : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
      schedule <unroll = rolled, grad = truncated(3), memory = keep> {
  ^bb0(%i: index, %a: tensor<2x4x8xf32>):
    hrm.yield %a : tensor<2x4x8xf32>
  }
  return %h : tensor<2x4x8xf32>
}
