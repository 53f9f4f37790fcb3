module {
  hrm.model @fully_looped attributes {max_seq_len = 128 : i64} {
    hrm.param @embed : tensor<256x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @stack.blocks.0.attn.wq : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @stack.blocks.0.attn.wk : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @stack.blocks.0.attn.wv : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @stack.blocks.0.attn.wo : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @stack.blocks.0.mlp.gate : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @stack.blocks.0.mlp.up : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @stack.blocks.0.mlp.down : tensor<384x128xf32> init <trunc_normal(0.051031036307982884)>
    hrm.param @stack.blocks.1.attn.wq : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @stack.blocks.1.attn.wk : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @stack.blocks.1.attn.wv : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @stack.blocks.1.attn.wo : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @stack.blocks.1.mlp.gate : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @stack.blocks.1.mlp.up : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @stack.blocks.1.mlp.down : tensor<384x128xf32> init <trunc_normal(0.051031036307982884)>
    hrm.param @lm_head : tensor<128x256xf32> init <trunc_normal(0.088388347648318433)>
    hrm.module @stack(%arg0: tensor<?x?x128xf32>, %arg1: tensor<?x?x128xf32>, %arg2: tensor<?x?x128xf32>) -> (tensor<?x?x128xf32>, tensor<?x?x128xf32>) {
      %0 = rmsnorm %arg1 eps 1.000000e-05 : tensor<?x?x128xf32>
      %1 = rmsnorm %arg0 eps 1.000000e-05 : tensor<?x?x128xf32>
      %2 = weight @stack.blocks.0.attn.wq : tensor<128x128xf32>
      %3 = weight @stack.blocks.0.attn.wk : tensor<128x128xf32>
      %4 = weight @stack.blocks.0.attn.wv : tensor<128x128xf32>
      %5 = weight @stack.blocks.0.attn.wo : tensor<128x128xf32>
      %6 = attention %1 weights(%2, %3, %4, %5) query %0 heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>, tensor<?x?x128xf32>
      %7 = add %arg0, %6 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %8 = rmsnorm %7 eps 1.000000e-05 : tensor<?x?x128xf32>
      %9 = weight @stack.blocks.0.mlp.gate : tensor<128x384xf32>
      %10 = weight @stack.blocks.0.mlp.up : tensor<128x384xf32>
      %11 = weight @stack.blocks.0.mlp.down : tensor<384x128xf32>
      %12 = mlp swiglu %8 gate %9 up %10 down %11 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %13 = add %7, %12 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %14 = rmsnorm %arg2 eps 1.000000e-05 : tensor<?x?x128xf32>
      %15 = rmsnorm %13 eps 1.000000e-05 : tensor<?x?x128xf32>
      %16 = weight @stack.blocks.1.attn.wq : tensor<128x128xf32>
      %17 = weight @stack.blocks.1.attn.wk : tensor<128x128xf32>
      %18 = weight @stack.blocks.1.attn.wv : tensor<128x128xf32>
      %19 = weight @stack.blocks.1.attn.wo : tensor<128x128xf32>
      %20 = attention %15 weights(%16, %17, %18, %19) query %14 heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>, tensor<?x?x128xf32>
      %21 = add %13, %20 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %22 = rmsnorm %21 eps 1.000000e-05 : tensor<?x?x128xf32>
      %23 = weight @stack.blocks.1.mlp.gate : tensor<128x384xf32>
      %24 = weight @stack.blocks.1.mlp.up : tensor<128x384xf32>
      %25 = weight @stack.blocks.1.mlp.down : tensor<384x128xf32>
      %26 = mlp swiglu %22 gate %23 up %24 down %25 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %27 = add %21, %26 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      yield %13, %27 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
    }
    func.func @logits(%arg0: tensor<?x?xi32>) -> tensor<?x?x256xf32> {
      %0 = hrm.weight @embed : tensor<256x128xf32>
      %1 = hrm.embed %arg0, %0 scale 11.313708498984761 : tensor<?x?xi32>, tensor<256x128xf32> -> tensor<?x?x128xf32>
      %2 = hrm.rmsnorm %1 eps 1.000000e-05 : tensor<?x?x128xf32>
      %3:2 = hrm.loop steps 6 iter(%2, %2 : tensor<?x?x128xf32>, tensor<?x?x128xf32>) -> tensor<?x?x128xf32>, tensor<?x?x128xf32> schedule <unroll = rolled, grad = full, memory = keep> {
      ^bb0(%arg1: index, %arg2: tensor<?x?x128xf32>, %arg3: tensor<?x?x128xf32>):
        %7:2 = hrm.apply @stack(%2, %arg2, %arg3) : (tensor<?x?x128xf32>, tensor<?x?x128xf32>, tensor<?x?x128xf32>) -> (tensor<?x?x128xf32>, tensor<?x?x128xf32>)
        hrm.yield %7#0, %7#1 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      }
      %4 = hrm.rmsnorm %3#1 eps 1.000000e-05 : tensor<?x?x128xf32>
      %5 = hrm.weight @lm_head : tensor<128x256xf32>
      %6 = hrm.lm_head %4, %5 : tensor<?x?x128xf32>, tensor<128x256xf32> -> tensor<?x?x256xf32>
      return %6 : tensor<?x?x256xf32>
    }
    func.func @loss(%arg0: tensor<?x?xi32>, %arg1: tensor<?x?xi32>) -> tensor<f32> {
      %0 = call @logits(%arg0) : (tensor<?x?xi32>) -> tensor<?x?x256xf32>
      %1 = hrm.cross_entropy %0, %arg1 : tensor<?x?x256xf32>, tensor<?x?xi32> -> tensor<f32>
      return %1 : tensor<f32>
    }
  }
}

