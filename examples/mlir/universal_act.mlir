module {
  hrm.model @universal_act attributes {max_seq_len = 128 : i64} {
    hrm.param @embed : tensor<256x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @shared.blocks.0.attn.wq : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @shared.blocks.0.attn.wk : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @shared.blocks.0.attn.wv : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @shared.blocks.0.attn.wo : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @shared.blocks.0.mlp.gate : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @shared.blocks.0.mlp.up : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @shared.blocks.0.mlp.down : tensor<384x128xf32> init <trunc_normal(0.051031036307982884)>
    hrm.param @step_embedding : tensor<12x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @act.weight : tensor<128x1xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @act.bias : tensor<1xf32> init <constant(1.000000e+00)>
    hrm.param @lm_head : tensor<128x256xf32> init <trunc_normal(0.088388347648318433)>
    hrm.module @shared(%arg0: tensor<?x?x128xf32>) -> tensor<?x?x128xf32> {
      %0 = rmsnorm %arg0 eps 1.000000e-05 : tensor<?x?x128xf32>
      %1 = weight @shared.blocks.0.attn.wq : tensor<128x128xf32>
      %2 = weight @shared.blocks.0.attn.wk : tensor<128x128xf32>
      %3 = weight @shared.blocks.0.attn.wv : tensor<128x128xf32>
      %4 = weight @shared.blocks.0.attn.wo : tensor<128x128xf32>
      %5 = attention %0 weights(%1, %2, %3, %4) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %6 = add %arg0, %5 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %7 = rmsnorm %6 eps 1.000000e-05 : tensor<?x?x128xf32>
      %8 = weight @shared.blocks.0.mlp.gate : tensor<128x384xf32>
      %9 = weight @shared.blocks.0.mlp.up : tensor<128x384xf32>
      %10 = weight @shared.blocks.0.mlp.down : tensor<384x128xf32>
      %11 = mlp swiglu %7 gate %8 up %9 down %10 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %12 = add %6, %11 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      yield %12 : tensor<?x?x128xf32>
    }
    func.func @logits(%arg0: tensor<?x?xi32>) -> tensor<?x?x256xf32> {
      %0 = hrm.weight @embed : tensor<256x128xf32>
      %1 = hrm.embed %arg0, %0 scale 11.313708498984761 : tensor<?x?xi32>, tensor<256x128xf32> -> tensor<?x?x128xf32>
      %2 = hrm.weight @step_embedding : tensor<12x128xf32>
      %3 = hrm.weight @act.weight : tensor<128x1xf32>
      %4 = hrm.weight @act.bias : tensor<1xf32>
      %5 = hrm.position_zeros %1 : tensor<?x?x128xf32> -> tensor<?x?x1xf32>
      %6 = hrm.zeros_like %1 : tensor<?x?x128xf32>
      %7:5 = hrm.loop steps 12 iter(%1, %6, %5, %5, %5 : tensor<?x?x128xf32>, tensor<?x?x128xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32>) -> tensor<?x?x128xf32>, tensor<?x?x128xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32> schedule <unroll = rolled, grad = full, memory = keep> {
      ^bb0(%arg1: index, %arg2: tensor<?x?x128xf32>, %arg3: tensor<?x?x128xf32>, %arg4: tensor<?x?x1xf32>, %arg5: tensor<?x?x1xf32>, %arg6: tensor<?x?x1xf32>):
        %11 = hrm.step_embedding %2[%arg1] : tensor<12x128xf32> -> tensor<128xf32>
        %12 = hrm.add %arg2, %11 : tensor<?x?x128xf32>, tensor<128xf32>
        %13 = hrm.apply @shared(%12) : (tensor<?x?x128xf32>) -> tensor<?x?x128xf32>
        %14 = hrm.act_prob %12, %3, %4 : tensor<?x?x128xf32>, tensor<128x1xf32>, tensor<1xf32> -> tensor<?x?x1xf32>
        %new_acc, %new_halting, %new_remainders, %new_updates = hrm.act_update %14, %13, %arg3, %arg4, %arg5, %arg6 threshold 0.98999999999999999 : tensor<?x?x1xf32>, tensor<?x?x128xf32>
        hrm.yield %13, %new_acc, %new_halting, %new_remainders, %new_updates : tensor<?x?x128xf32>, tensor<?x?x128xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32>
      }
      %8 = hrm.rmsnorm %7#1 eps 1.000000e-05 : tensor<?x?x128xf32>
      %9 = hrm.weight @lm_head : tensor<128x256xf32>
      %10 = hrm.lm_head %8, %9 : tensor<?x?x128xf32>, tensor<128x256xf32> -> tensor<?x?x256xf32>
      return %10 : tensor<?x?x256xf32>
    }
    func.func @loss(%arg0: tensor<?x?xi32>, %arg1: tensor<?x?xi32>) -> (tensor<f32>, tensor<f32> {hrm.name = "lm_loss"}, tensor<f32> {hrm.name = "act.ponder"}) {
      %0 = hrm.weight @embed : tensor<256x128xf32>
      %1 = hrm.embed %arg0, %0 scale 11.313708498984761 : tensor<?x?xi32>, tensor<256x128xf32> -> tensor<?x?x128xf32>
      %2 = hrm.weight @step_embedding : tensor<12x128xf32>
      %3 = hrm.weight @act.weight : tensor<128x1xf32>
      %4 = hrm.weight @act.bias : tensor<1xf32>
      %5 = hrm.position_zeros %1 : tensor<?x?x128xf32> -> tensor<?x?x1xf32>
      %6 = hrm.zeros_like %1 : tensor<?x?x128xf32>
      %7:5 = hrm.loop steps 12 iter(%1, %6, %5, %5, %5 : tensor<?x?x128xf32>, tensor<?x?x128xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32>) -> tensor<?x?x128xf32>, tensor<?x?x128xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32> schedule <unroll = rolled, grad = full, memory = keep> {
      ^bb0(%arg2: index, %arg3: tensor<?x?x128xf32>, %arg4: tensor<?x?x128xf32>, %arg5: tensor<?x?x1xf32>, %arg6: tensor<?x?x1xf32>, %arg7: tensor<?x?x1xf32>):
        %14 = hrm.step_embedding %2[%arg2] : tensor<12x128xf32> -> tensor<128xf32>
        %15 = hrm.add %arg3, %14 : tensor<?x?x128xf32>, tensor<128xf32>
        %16 = hrm.apply @shared(%15) : (tensor<?x?x128xf32>) -> tensor<?x?x128xf32>
        %17 = hrm.act_prob %15, %3, %4 : tensor<?x?x128xf32>, tensor<128x1xf32>, tensor<1xf32> -> tensor<?x?x1xf32>
        %new_acc, %new_halting, %new_remainders, %new_updates = hrm.act_update %17, %16, %arg4, %arg5, %arg6, %arg7 threshold 0.98999999999999999 : tensor<?x?x1xf32>, tensor<?x?x128xf32>
        hrm.yield %16, %new_acc, %new_halting, %new_remainders, %new_updates : tensor<?x?x128xf32>, tensor<?x?x128xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32>
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

