module {
  hrm.model @looped_act attributes {max_seq_len = 128 : i64} {
    hrm.param @embed : tensor<256x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @stack.blocks.0.attn.wq : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @stack.blocks.0.attn.wk : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @stack.blocks.0.attn.wv : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @stack.blocks.0.attn.wo : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @stack.blocks.0.mlp.up : tensor<128x512xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @stack.blocks.0.mlp.down : tensor<512x128xf32> init <trunc_normal(0.044194173824159216)>
    hrm.param @stack.blocks.1.attn.wq : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @stack.blocks.1.attn.wk : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @stack.blocks.1.attn.wv : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @stack.blocks.1.attn.wo : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @stack.blocks.1.mlp.up : tensor<128x512xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @stack.blocks.1.mlp.down : tensor<512x128xf32> init <trunc_normal(0.044194173824159216)>
    hrm.param @act.weight : tensor<128x1xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @act.bias : tensor<1xf32> init <constant(1.000000e+00)>
    hrm.param @lm_head : tensor<128x256xf32> init <trunc_normal(0.088388347648318433)>
    hrm.module @stack(%arg0: tensor<?x?x128xf32>, %arg1: tensor<?x?x128xf32>) -> tensor<?x?x128xf32> {
      %0 = add %arg0, %arg1 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %1 = rmsnorm %0 eps 1.000000e-05 : tensor<?x?x128xf32>
      %2 = rmsnorm %1 eps 1.000000e-05 : tensor<?x?x128xf32>
      %3 = weight @stack.blocks.0.attn.wq : tensor<128x128xf32>
      %4 = weight @stack.blocks.0.attn.wk : tensor<128x128xf32>
      %5 = weight @stack.blocks.0.attn.wv : tensor<128x128xf32>
      %6 = weight @stack.blocks.0.attn.wo : tensor<128x128xf32>
      %7 = attention %2 weights(%3, %4, %5, %6) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %8 = add %1, %7 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %9 = rmsnorm %8 eps 1.000000e-05 : tensor<?x?x128xf32>
      %10 = weight @stack.blocks.0.mlp.up : tensor<128x512xf32>
      %11 = weight @stack.blocks.0.mlp.down : tensor<512x128xf32>
      %12 = mlp gelu %9 up %10 down %11 : tensor<?x?x128xf32>, tensor<128x512xf32>, tensor<512x128xf32>
      %13 = add %8, %12 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %14 = rmsnorm %13 eps 1.000000e-05 : tensor<?x?x128xf32>
      %15 = weight @stack.blocks.1.attn.wq : tensor<128x128xf32>
      %16 = weight @stack.blocks.1.attn.wk : tensor<128x128xf32>
      %17 = weight @stack.blocks.1.attn.wv : tensor<128x128xf32>
      %18 = weight @stack.blocks.1.attn.wo : tensor<128x128xf32>
      %19 = attention %14 weights(%15, %16, %17, %18) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %20 = add %13, %19 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %21 = rmsnorm %20 eps 1.000000e-05 : tensor<?x?x128xf32>
      %22 = weight @stack.blocks.1.mlp.up : tensor<128x512xf32>
      %23 = weight @stack.blocks.1.mlp.down : tensor<512x128xf32>
      %24 = mlp gelu %21 up %22 down %23 : tensor<?x?x128xf32>, tensor<128x512xf32>, tensor<512x128xf32>
      %25 = add %20, %24 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      yield %25 : tensor<?x?x128xf32>
    }
    func.func @logits(%arg0: tensor<?x?xi32>) -> tensor<?x?x256xf32> {
      %0 = hrm.weight @embed : tensor<256x128xf32>
      %1 = hrm.embed %arg0, %0 scale 11.313708498984761 : tensor<?x?xi32>, tensor<256x128xf32> -> tensor<?x?x128xf32>
      %2 = hrm.zeros_like %1 : tensor<?x?x128xf32>
      %3 = hrm.weight @act.weight : tensor<128x1xf32>
      %4 = hrm.weight @act.bias : tensor<1xf32>
      %5 = hrm.position_zeros %2 : tensor<?x?x128xf32> -> tensor<?x?x1xf32>
      %6 = hrm.zeros_like %2 : tensor<?x?x128xf32>
      %7:5 = hrm.loop steps 8 iter(%2, %6, %5, %5, %5 : tensor<?x?x128xf32>, tensor<?x?x128xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32>) -> tensor<?x?x128xf32>, tensor<?x?x128xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32> schedule <unroll = rolled, grad = full, memory = recompute> {
      ^bb0(%arg1: index, %arg2: tensor<?x?x128xf32>, %arg3: tensor<?x?x128xf32>, %arg4: tensor<?x?x1xf32>, %arg5: tensor<?x?x1xf32>, %arg6: tensor<?x?x1xf32>):
        %11 = hrm.add %arg2, %1 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
        %12 = hrm.apply @stack(%arg2, %1) : (tensor<?x?x128xf32>, tensor<?x?x128xf32>) -> tensor<?x?x128xf32>
        %13 = hrm.act_prob %11, %3, %4 : tensor<?x?x128xf32>, tensor<128x1xf32>, tensor<1xf32> -> tensor<?x?x1xf32>
        %new_acc, %new_halting, %new_remainders, %new_updates = hrm.act_update %13, %12, %arg3, %arg4, %arg5, %arg6 threshold 0.98999999999999999 : tensor<?x?x1xf32>, tensor<?x?x128xf32>
        hrm.yield %12, %new_acc, %new_halting, %new_remainders, %new_updates : tensor<?x?x128xf32>, tensor<?x?x128xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32>
      }
      %8 = hrm.rmsnorm %7#1 eps 1.000000e-05 : tensor<?x?x128xf32>
      %9 = hrm.weight @lm_head : tensor<128x256xf32>
      %10 = hrm.lm_head %8, %9 : tensor<?x?x128xf32>, tensor<128x256xf32> -> tensor<?x?x256xf32>
      return %10 : tensor<?x?x256xf32>
    }
    func.func @loss(%arg0: tensor<?x?xi32>, %arg1: tensor<?x?xi32>) -> (tensor<f32>, tensor<f32> {hrm.name = "lm_loss"}, tensor<f32> {hrm.name = "act.ponder"}) {
      %0 = hrm.weight @embed : tensor<256x128xf32>
      %1 = hrm.embed %arg0, %0 scale 11.313708498984761 : tensor<?x?xi32>, tensor<256x128xf32> -> tensor<?x?x128xf32>
      %2 = hrm.zeros_like %1 : tensor<?x?x128xf32>
      %3 = hrm.weight @act.weight : tensor<128x1xf32>
      %4 = hrm.weight @act.bias : tensor<1xf32>
      %5 = hrm.position_zeros %2 : tensor<?x?x128xf32> -> tensor<?x?x1xf32>
      %6 = hrm.zeros_like %2 : tensor<?x?x128xf32>
      %7:5 = hrm.loop steps 8 iter(%2, %6, %5, %5, %5 : tensor<?x?x128xf32>, tensor<?x?x128xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32>) -> tensor<?x?x128xf32>, tensor<?x?x128xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32> schedule <unroll = rolled, grad = full, memory = recompute> {
      ^bb0(%arg2: index, %arg3: tensor<?x?x128xf32>, %arg4: tensor<?x?x128xf32>, %arg5: tensor<?x?x1xf32>, %arg6: tensor<?x?x1xf32>, %arg7: tensor<?x?x1xf32>):
        %14 = hrm.add %arg3, %1 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
        %15 = hrm.apply @stack(%arg3, %1) : (tensor<?x?x128xf32>, tensor<?x?x128xf32>) -> tensor<?x?x128xf32>
        %16 = hrm.act_prob %14, %3, %4 : tensor<?x?x128xf32>, tensor<128x1xf32>, tensor<1xf32> -> tensor<?x?x1xf32>
        %new_acc, %new_halting, %new_remainders, %new_updates = hrm.act_update %16, %15, %arg4, %arg5, %arg6, %arg7 threshold 0.98999999999999999 : tensor<?x?x1xf32>, tensor<?x?x128xf32>
        hrm.yield %15, %new_acc, %new_halting, %new_remainders, %new_updates : tensor<?x?x128xf32>, tensor<?x?x128xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32>
      }
      %8 = hrm.rmsnorm %7#1 eps 1.000000e-05 : tensor<?x?x128xf32>
      %9 = hrm.weight @lm_head : tensor<128x256xf32>
      %10 = hrm.lm_head %8, %9 : tensor<?x?x128xf32>, tensor<128x256xf32> -> tensor<?x?x256xf32>
      %11 = hrm.cross_entropy %10, %arg1 : tensor<?x?x256xf32>, tensor<?x?xi32> -> tensor<f32>
      %12 = hrm.ponder_cost %7#3, %7#4 acc(%11 : tensor<f32>) weight 1.000000e-02 : tensor<?x?x1xf32> -> tensor<f32>
      %13 = hrm.ponder_cost %7#3, %7#4 weight 1.000000e+00 : tensor<?x?x1xf32> -> tensor<f32>
      return %12, %11, %13 : tensor<f32>, tensor<f32>, tensor<f32>
    }
  }
}

