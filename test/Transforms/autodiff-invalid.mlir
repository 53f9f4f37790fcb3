// RUN: hrm-opt %s --hrm-autodiff --split-input-file -verify-diagnostics

func.func @loss(%x: tensor<1x4x8xf32> {hrm.param = "x"}, %t: tensor<1x4xi32>) -> tensor<f32> attributes {hrm.entry} {
  // expected-error @+1 {{hrm-autodiff: cannot differentiate 'math.exp'}}
  %e = math.exp %x : tensor<1x4x8xf32>
  %l = hrm.cross_entropy %e, %t : tensor<1x4x8xf32>, tensor<1x4xi32> -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// expected-error @+1 {{hrm-autodiff: the entry point 'loss' must return a 0-d float loss first}}
func.func @loss(%x: tensor<1x4x8xf32> {hrm.param = "x"}) -> tensor<1x4x8xf32> attributes {hrm.entry} {
  return %x : tensor<1x4x8xf32>
}

// -----

// Other results may follow the loss (a segment's carried states), not before.
// expected-error @+1 {{hrm-autodiff: the entry point 'loss' must return a 0-d float loss first}}
func.func @loss(%x: tensor<1x4x8xf32> {hrm.param = "x"}, %t: tensor<1x4xi32>) -> (tensor<1x4x8xf32>, tensor<f32>) attributes {hrm.entry} {
  %l = hrm.cross_entropy %x, %t : tensor<1x4x8xf32>, tensor<1x4xi32> -> tensor<f32>
  return %x, %l : tensor<1x4x8xf32>, tensor<f32>
}

// -----

// expected-error @+1 {{hrm-autodiff: no entry point 'loss' (run convert-hrm-to-func first)}}
module {
  func.func @other() {
    return
  }
}

// -----

// Dynamic shapes: the window's stacks need static ones.
// expected-error @+1 {{hrm-autodiff: the entry point 'loss' has an argument of dynamic shape 'tensor<?x4x8xf32>' (run hrm-specialize-shapes first)}}
func.func @loss(%x: tensor<?x4x8xf32> {hrm.param = "x"}, %t: tensor<?x4xi32>) -> tensor<f32> attributes {hrm.entry} {
  %l = hrm.cross_entropy %x, %t : tensor<?x4x8xf32>, tensor<?x4xi32> -> tensor<f32>
  return %l : tensor<f32>
}
