// Loop and schedule errors.
// RUN: hrm-opt %s -split-input-file -verify-diagnostics

!act = tensor<?x?x8xf32>

func.func @f(%x: !act) {
  // expected-error @+1 {{N must be >= 1, got 0}}
  %a, %b = hrm.hier_loop N 0 T 3 init(%x, %x) : !act, !act
      schedule <unroll = rolled, grad = full, memory = keep>
    fast {
    ^bb0(%k: index, %f: !act, %s: !act):
      hrm.yield %f : !act
    } slow {
    ^bb0(%i: index, %f: !act, %s: !act):
      hrm.yield %s : !act
    }
  return
}

// -----

!act = tensor<?x?x8xf32>
func.func @f(%x: !act) {
  // expected-error @+1 {{T must be >= 1, got 0}}
  %a, %b = hrm.hier_loop N 2 T 0 init(%x, %x) : !act, !act
      schedule <unroll = rolled, grad = full, memory = keep>
    fast {
    ^bb0(%k: index, %f: !act, %s: !act):
      hrm.yield %f : !act
    } slow {
    ^bb0(%i: index, %f: !act, %s: !act):
      hrm.yield %s : !act
    }
  return
}

// -----

!act = tensor<?x?x8xf32>
func.func @f(%x: !act) {
  // expected-error @+1 {{unroll factor 4 is not a multiple of T = 3 (an unrolled step must hold whole slow cycles)}}
  %a, %b = hrm.hier_loop N 2 T 3 init(%x, %x) : !act, !act
      schedule <unroll = factor(4), grad = full, memory = keep>
    fast {
    ^bb0(%k: index, %f: !act, %s: !act):
      hrm.yield %f : !act
    } slow {
    ^bb0(%i: index, %f: !act, %s: !act):
      hrm.yield %s : !act
    }
  return
}

// -----

!act = tensor<?x?x8xf32>
func.func @f(%x: !act) {
  // expected-error @+1 {{unroll factor 6 does not divide N = 3}}
  %a, %b = hrm.hier_loop N 3 T 3 init(%x, %x) : !act, !act
      schedule <unroll = factor(6), grad = full, memory = keep>
    fast {
    ^bb0(%k: index, %f: !act, %s: !act):
      hrm.yield %f : !act
    } slow {
    ^bb0(%i: index, %f: !act, %s: !act):
      hrm.yield %s : !act
    }
  return
}

// -----

!act = tensor<?x?x8xf32>
func.func @f(%x: !act) {
  // expected-error @+1 {{truncated gradient window 9 exceeds the 8 module applications of the loop}}
  %a, %b = hrm.hier_loop N 2 T 3 init(%x, %x) : !act, !act
      schedule <unroll = rolled, grad = truncated(9), memory = keep>
    fast {
    ^bb0(%k: index, %f: !act, %s: !act):
      hrm.yield %f : !act
    } slow {
    ^bb0(%i: index, %f: !act, %s: !act):
      hrm.yield %s : !act
    }
  return
}

// -----

!act = tensor<?x?x8xf32>
func.func @f(%x: !act) {
  // expected-error @+1 {{fast region must take ('index', 'tensor<?x?x8xf32>', 'tensor<?x?x8xf32>')}}
  %a, %b = hrm.hier_loop N 2 T 3 init(%x, %x) : !act, !act
      schedule <unroll = rolled, grad = full, memory = keep>
    fast {
    ^bb0(%f: !act, %s: !act):
      hrm.yield %f : !act
    } slow {
    ^bb0(%i: index, %f: !act, %s: !act):
      hrm.yield %s : !act
    }
  return
}

// -----

!act = tensor<?x?x8xf32>
func.func @f(%x: !act, %z: tensor<f32>) {
  // expected-error @+1 {{slow region must take ('index', 'tensor<?x?x8xf32>', 'tensor<?x?x8xf32>', 'tensor<f32>')}}
  %a, %b, %l = hrm.hier_loop N 2 T 3 init(%x, %x) : !act, !act acc(%z : tensor<f32>)
      schedule <unroll = rolled, grad = full, memory = keep>
    fast {
    ^bb0(%k: index, %f: !act, %s: !act, %l0: tensor<f32>):
      hrm.yield %f : !act
    } slow {
    ^bb0(%i: index, %f: !act, %s: !act):
      hrm.yield %s, %z : !act, tensor<f32>
    }
  return
}

// -----

!act = tensor<?x?x8xf32>
func.func @f(%x: !act, %z: tensor<f32>) {
  %a, %b, %l = hrm.hier_loop N 2 T 3 init(%x, %x) : !act, !act acc(%z : tensor<f32>)
      schedule <unroll = rolled, grad = full, memory = keep>
    fast {
    ^bb0(%k: index, %f: !act, %s: !act, %l0: tensor<f32>):
      hrm.yield %f : !act
    } slow {
    ^bb0(%i: index, %f: !act, %s: !act, %l0: tensor<f32>):
      // expected-error @+1 {{yields 1 values of types ('tensor<?x?x8xf32>'), expected ('tensor<?x?x8xf32>', 'tensor<f32>')}}
      hrm.yield %s : !act
    }
  return
}

// -----

!act = tensor<?x?x8xf32>
func.func @f(%x: !act, %y: tensor<?x?x4xf32>) {
  %a, %b = hrm.hier_loop N 2 T 3 init(%x, %x) : !act, !act
      schedule <unroll = rolled, grad = full, memory = keep>
    fast {
    ^bb0(%k: index, %f: !act, %s: !act):
      // expected-error @+1 {{yields 1 values of types ('tensor<?x?x4xf32>'), expected ('tensor<?x?x8xf32>')}}
      hrm.yield %y : tensor<?x?x4xf32>
    } slow {
    ^bb0(%i: index, %f: !act, %s: !act):
      hrm.yield %s : !act
    }
  return
}

// -----

!act = tensor<?x?x8xf32>
func.func @f(%x: !act) {
  // expected-error @+1 {{steps must be >= 1, got 0}}
  %h = hrm.loop steps 0 iter(%x : !act) -> !act
      schedule <unroll = rolled, grad = full, memory = keep> {
  ^bb0(%i: index, %a: !act):
    hrm.yield %a : !act
  }
  return
}

// -----

!act = tensor<?x?x8xf32>
func.func @f(%x: !act) {
  // expected-error @+1 {{unroll factor 5 does not divide steps = 12}}
  %h = hrm.loop steps 12 iter(%x : !act) -> !act
      schedule <unroll = factor(5), grad = full, memory = keep> {
  ^bb0(%i: index, %a: !act):
    hrm.yield %a : !act
  }
  return
}

// -----

!act = tensor<?x?x8xf32>
func.func @f(%x: !act) {
  // expected-error @+1 {{truncated gradient window 13 exceeds the 12 module applications of the loop}}
  %h = hrm.loop steps 12 iter(%x : !act) -> !act
      schedule <unroll = rolled, grad = truncated(13), memory = keep> {
  ^bb0(%i: index, %a: !act):
    hrm.yield %a : !act
  }
  return
}

// -----

!act = tensor<?x?x8xf32>
func.func @f(%x: !act) {
  // expected-error @+1 {{result types must match the carried values}}
  %h = hrm.loop steps 12 iter(%x : !act) -> tensor<?x?x4xf32>
      schedule <unroll = rolled, grad = full, memory = keep> {
  ^bb0(%i: index, %a: !act):
    hrm.yield %a : !act
  }
  return
}

// -----

!act = tensor<?x?x8xf32>
func.func @f(%x: !act) {
  // expected-error @+1 {{body region must take ('index', 'tensor<?x?x8xf32>')}}
  %h = hrm.loop steps 12 iter(%x : !act) -> !act
      schedule <unroll = rolled, grad = full, memory = keep> {
  ^bb0(%a: !act):
    hrm.yield %a : !act
  }
  return
}

// -----

!act = tensor<?x?x8xf32>
func.func @f(%x: !act) {
  // expected-error @+1 {{unroll factor must be >= 1, got 0}}
  %h = hrm.loop steps 12 iter(%x : !act) -> !act
      schedule <unroll = factor(0), grad = full, memory = keep> {
  ^bb0(%i: index, %a: !act):
    hrm.yield %a : !act
  }
  return
}

// -----

!act = tensor<?x?x8xf32>
func.func @f(%x: !act) {
  // expected-error @+1 {{truncated gradient window must be >= 1, got 0}}
  %h = hrm.loop steps 12 iter(%x : !act) -> !act
      schedule <unroll = rolled, grad = truncated(0), memory = keep> {
  ^bb0(%i: index, %a: !act):
    hrm.yield %a : !act
  }
  return
}

// -----

!act = tensor<?x?x8xf32>
func.func @f(%x: !act) {
  %h = hrm.loop steps 12 iter(%x : !act) -> !act
      // expected-error @+1 {{unknown unroll schedule 'some', expected one of: rolled, factor(k), full}}
      schedule <unroll = some, grad = full, memory = keep> {
  ^bb0(%i: index, %a: !act):
    hrm.yield %a : !act
  }
  return
}

// -----

!act = tensor<?x?x8xf32>
func.func @f(%x: !act) {
  %h = hrm.loop steps 12 iter(%x : !act) -> !act
      // expected-error @+1 {{'truncated' takes a step count in parentheses}}
      schedule <unroll = rolled, grad = truncated, memory = keep> {
  ^bb0(%i: index, %a: !act):
    hrm.yield %a : !act
  }
  return
}

// -----

!act = tensor<?x?x8xf32>
func.func @f(%x: !act) {
  %h = hrm.loop steps 12 iter(%x : !act) -> !act
      // expected-error @+1 {{unknown memory policy 'spill', expected one of: keep, recompute}}
      schedule <unroll = rolled, grad = full, memory = spill> {
  ^bb0(%i: index, %a: !act):
    hrm.yield %a : !act
  }
  return
}

// -----

!act = tensor<?x?x8xf32>
func.func @f(%x: !act, %n: index) {
  // expected-error @+1 {{a run-time trip count needs unroll = rolled}}
  %h = hrm.loop steps 4 count %n iter(%x : !act) -> !act
      schedule <unroll = full, grad = one_step, memory = keep> {
  ^bb0(%i: index, %a: !act):
    hrm.yield %a : !act
  }
  return
}

// -----

!act = tensor<?x?x8xf32>
func.func @f(%x: !act, %n: index) {
  // expected-error @+1 {{a run-time trip count needs a bounded gradient window (truncated(k) or one_step)}}
  %h = hrm.loop steps 4 count %n iter(%x : !act) -> !act
      schedule <unroll = rolled, grad = full, memory = keep> {
  ^bb0(%i: index, %a: !act):
    hrm.yield %a : !act
  }
  return
}

// -----

!act = tensor<?x?x8xf32>
// expected-note @+1 {{prior use here}}
func.func @f(%x: !act, %n: i32) {
  // expected-error @+1 {{use of value '%n' expects different type than prior uses: 'index' vs 'i32'}}
  %h = hrm.loop steps 4 count %n iter(%x : !act) -> !act
      schedule <unroll = rolled, grad = one_step, memory = keep> {
  ^bb0(%i: index, %a: !act):
    hrm.yield %a : !act
  }
  return
}

// -----

!act = tensor<?x?x8xf32>
func.func @f(%x: !act) {
  // expected-error @+1 {{slow_first gradient window must be >= 2 (one slow and one fast application), got 1}}
  %a, %b = hrm.hier_loop N 2 T 3 init(%x, %x) : !act, !act
      schedule <unroll = rolled, grad = slow_first(1), memory = keep>
    fast {
    ^bb0(%k: index, %f: !act, %s: !act):
      hrm.yield %f : !act
    } slow {
    ^bb0(%i: index, %f: !act, %s: !act):
      hrm.yield %s : !act
    }
  return
}

// -----

!act = tensor<?x?x8xf32>
func.func @f(%x: !act) {
  // expected-error @+1 {{slow_first gradient window 9 exceeds the 8 module applications of the loop}}
  %a, %b = hrm.hier_loop N 2 T 3 init(%x, %x) : !act, !act
      schedule <unroll = rolled, grad = slow_first(9), memory = keep>
    fast {
    ^bb0(%k: index, %f: !act, %s: !act):
      hrm.yield %f : !act
    } slow {
    ^bb0(%i: index, %f: !act, %s: !act):
      hrm.yield %s : !act
    }
  return
}

// -----

!act = tensor<?x?x8xf32>
func.func @f(%x: !act) {
  // expected-error @+1 {{grad = slow_first(k) chooses between a slow and a fast module; a flat loop has one (use truncated(k))}}
  %h = hrm.loop steps 4 iter(%x : !act) -> !act
      schedule <unroll = rolled, grad = slow_first(2), memory = keep> {
  ^bb0(%i: index, %a: !act):
    hrm.yield %a : !act
  }
  return
}

// -----

!act = tensor<?x?x8xf32>
func.func @f(%x: !act) {
  // expected-error @+2 {{'slow_first' takes a step count in parentheses}}
  %h = hrm.loop steps 4 iter(%x : !act) -> !act
      schedule <unroll = rolled, grad = slow_first, memory = keep> {
  ^bb0(%i: index, %a: !act):
    hrm.yield %a : !act
  }
  return
}

// -----

!act = tensor<?x?x8xf32>
func.func @f(%x: !act, %k: index) {
  // expected-error @+1 {{a run-time gradient window needs grad = truncated(k) or slow_first(k) to bound it}}
  %a, %b = hrm.hier_loop N 2 T 3 window %k init(%x, %x) : !act, !act
      schedule <unroll = rolled, grad = one_step, memory = keep>
    fast {
    ^bb0(%i: index, %f: !act, %s: !act):
      hrm.yield %f : !act
    } slow {
    ^bb0(%i: index, %f: !act, %s: !act):
      hrm.yield %s : !act
    }
  return
}

// -----

!act = tensor<?x?x8xf32>
func.func @f(%x: !act, %k: index) {
  // expected-error @+1 {{a run-time gradient window needs unroll = rolled}}
  %a, %b = hrm.hier_loop N 2 T 3 window %k init(%x, %x) : !act, !act
      schedule <unroll = full, grad = truncated(4), memory = keep>
    fast {
    ^bb0(%i: index, %f: !act, %s: !act):
      hrm.yield %f : !act
    } slow {
    ^bb0(%i: index, %f: !act, %s: !act):
      hrm.yield %s : !act
    }
  return
}

// -----

!act = tensor<?x?x8xf32>
func.func @f(%x: !act, %k: index) {
  // expected-error @+1 {{a run-time gradient window needs grad = truncated(k) to bound it}}
  %h = hrm.loop steps 4 window %k iter(%x : !act) -> !act
      schedule <unroll = rolled, grad = full, memory = keep> {
  ^bb0(%i: index, %a: !act):
    hrm.yield %a : !act
  }
  return
}

// -----

!act = tensor<?x?x8xf32>
func.func @f(%x: !act, %k: index) {
  // expected-error @+1 {{a run-time gradient window needs grad = truncated(k) to bound it}}
  %h = hrm.loop steps 4 window %k iter(%x : !act) -> !act
      schedule <unroll = rolled, grad = one_step, memory = keep> {
  ^bb0(%i: index, %a: !act):
    hrm.yield %a : !act
  }
  return
}

// -----

!act = tensor<?x?x8xf32>
func.func @f(%x: !act, %k: index) {
  // expected-error @+1 {{a run-time gradient window needs unroll = rolled}}
  %h = hrm.loop steps 4 window %k iter(%x : !act) -> !act
      schedule <unroll = factor(2), grad = truncated(2), memory = keep> {
  ^bb0(%i: index, %a: !act):
    hrm.yield %a : !act
  }
  return
}
