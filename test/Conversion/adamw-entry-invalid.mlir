// RUN: hrm-opt %s --split-input-file --hrm-adamw-entry --verify-diagnostics

// expected-error @+1 {{hrm-adamw-entry needs the training entry point @loss_grad (run hrm-autodiff first)}}
module {
  func.func @loss(%w: tensor<4xf32> {hrm.param = "w"}) -> tensor<f32>
      attributes {hrm.entry} {
    %l = tensor.empty() : tensor<f32>
    return %l : tensor<f32>
  }
}

// -----

// expected-error @+1 {{hrm-adamw-entry: @train_step already exists}}
module {
  func.func @loss_grad(%w: tensor<4xf32> {hrm.param = "w"})
      -> (tensor<f32> {hrm.loss}, tensor<4xf32> {hrm.grad = "w"})
      attributes {hrm.entry} {
    %l = tensor.empty() : tensor<f32>
    return %l, %w : tensor<f32>, tensor<4xf32>
  }
  func.func @train_step() {
    return
  }
}

// -----

// expected-error @+1 {{hrm-adamw-entry: result 0 of @loss_grad is not the loss}}
func.func @loss_grad(%w: tensor<4xf32> {hrm.param = "w"})
    -> (tensor<4xf32> {hrm.grad = "w"}) attributes {hrm.entry} {
  return %w : tensor<4xf32>
}

// -----

// expected-error @+1 {{hrm-adamw-entry: result 1 of @loss_grad is not a parameter's gradient}}
func.func @loss_grad(%w: tensor<4xf32> {hrm.param = "w"})
    -> (tensor<f32> {hrm.loss}, tensor<4xf32> {hrm.grad = "v"})
    attributes {hrm.entry} {
  %l = tensor.empty() : tensor<f32>
  return %l, %w : tensor<f32>, tensor<4xf32>
}

// -----

// expected-error @+1 {{hrm-adamw-entry: the gradient of 'w' is not a static f32 tensor of its parameter's type}}
func.func @loss_grad(%w: tensor<4xf16> {hrm.param = "w"})
    -> (tensor<f32> {hrm.loss}, tensor<4xf16> {hrm.grad = "w"})
    attributes {hrm.entry} {
  %l = tensor.empty() : tensor<f32>
  return %l, %w : tensor<f32>, tensor<4xf16>
}
