module {
  hrm.model @hrm_act attributes {max_seq_len = 128 : i64} {
    hrm.param @embed : tensor<256x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @fast.blocks.0.attn.wq : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @fast.blocks.0.attn.wk : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @fast.blocks.0.attn.wv : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @fast.blocks.0.attn.wo : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @fast.blocks.0.mlp.gate : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @fast.blocks.0.mlp.up : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @fast.blocks.0.mlp.down : tensor<384x128xf32> init <trunc_normal(0.051031036307982884)>
    hrm.param @fast.blocks.1.attn.wq : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @fast.blocks.1.attn.wk : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @fast.blocks.1.attn.wv : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @fast.blocks.1.attn.wo : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @fast.blocks.1.mlp.gate : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @fast.blocks.1.mlp.up : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @fast.blocks.1.mlp.down : tensor<384x128xf32> init <trunc_normal(0.051031036307982884)>
    hrm.param @slow.blocks.0.attn.wq : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @slow.blocks.0.attn.wk : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @slow.blocks.0.attn.wv : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @slow.blocks.0.attn.wo : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @slow.blocks.0.mlp.gate : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @slow.blocks.0.mlp.up : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @slow.blocks.0.mlp.down : tensor<384x128xf32> init <trunc_normal(0.051031036307982884)>
    hrm.param @slow.blocks.1.attn.wq : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @slow.blocks.1.attn.wk : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @slow.blocks.1.attn.wv : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @slow.blocks.1.attn.wo : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @slow.blocks.1.mlp.gate : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @slow.blocks.1.mlp.up : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @slow.blocks.1.mlp.down : tensor<384x128xf32> init <trunc_normal(0.051031036307982884)>
    hrm.param @fast.init : tensor<128xf32> init <trunc_normal(1.000000e+00)> frozen
    hrm.param @slow.init : tensor<128xf32> init <trunc_normal(1.000000e+00)> frozen
    hrm.param @lm_head : tensor<128x256xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @halt.weight : tensor<128x2xf32> init <zeros>
    hrm.param @halt.bias : tensor<2xf32> init <constant(-5.000000e+00)>
    hrm.module @fast(%arg0: tensor<?x?x128xf32>, %arg1: tensor<?x?x128xf32>) -> tensor<?x?x128xf32> {
      %0 = add %arg0, %arg1 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %1 = weight @fast.blocks.0.attn.wq : tensor<128x128xf32>
      %2 = weight @fast.blocks.0.attn.wk : tensor<128x128xf32>
      %3 = weight @fast.blocks.0.attn.wv : tensor<128x128xf32>
      %4 = weight @fast.blocks.0.attn.wo : tensor<128x128xf32>
      %5 = attention %0 weights(%1, %2, %3, %4) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %6 = add %0, %5 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %7 = rmsnorm %6 eps 1.000000e-05 : tensor<?x?x128xf32>
      %8 = weight @fast.blocks.0.mlp.gate : tensor<128x384xf32>
      %9 = weight @fast.blocks.0.mlp.up : tensor<128x384xf32>
      %10 = weight @fast.blocks.0.mlp.down : tensor<384x128xf32>
      %11 = mlp swiglu %7 gate %8 up %9 down %10 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %12 = add %7, %11 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %13 = rmsnorm %12 eps 1.000000e-05 : tensor<?x?x128xf32>
      %14 = weight @fast.blocks.1.attn.wq : tensor<128x128xf32>
      %15 = weight @fast.blocks.1.attn.wk : tensor<128x128xf32>
      %16 = weight @fast.blocks.1.attn.wv : tensor<128x128xf32>
      %17 = weight @fast.blocks.1.attn.wo : tensor<128x128xf32>
      %18 = attention %13 weights(%14, %15, %16, %17) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %19 = add %13, %18 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %20 = rmsnorm %19 eps 1.000000e-05 : tensor<?x?x128xf32>
      %21 = weight @fast.blocks.1.mlp.gate : tensor<128x384xf32>
      %22 = weight @fast.blocks.1.mlp.up : tensor<128x384xf32>
      %23 = weight @fast.blocks.1.mlp.down : tensor<384x128xf32>
      %24 = mlp swiglu %20 gate %21 up %22 down %23 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %25 = add %20, %24 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %26 = rmsnorm %25 eps 1.000000e-05 : tensor<?x?x128xf32>
      %27 = rmsnorm %26 eps 1.000000e-05 : tensor<?x?x128xf32>
      yield %27 : tensor<?x?x128xf32>
    }
    hrm.module @slow(%arg0: tensor<?x?x128xf32>, %arg1: tensor<?x?x128xf32>) -> tensor<?x?x128xf32> {
      %0 = add %arg0, %arg1 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %1 = weight @slow.blocks.0.attn.wq : tensor<128x128xf32>
      %2 = weight @slow.blocks.0.attn.wk : tensor<128x128xf32>
      %3 = weight @slow.blocks.0.attn.wv : tensor<128x128xf32>
      %4 = weight @slow.blocks.0.attn.wo : tensor<128x128xf32>
      %5 = attention %0 weights(%1, %2, %3, %4) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %6 = add %0, %5 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %7 = rmsnorm %6 eps 1.000000e-05 : tensor<?x?x128xf32>
      %8 = weight @slow.blocks.0.mlp.gate : tensor<128x384xf32>
      %9 = weight @slow.blocks.0.mlp.up : tensor<128x384xf32>
      %10 = weight @slow.blocks.0.mlp.down : tensor<384x128xf32>
      %11 = mlp swiglu %7 gate %8 up %9 down %10 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %12 = add %7, %11 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %13 = rmsnorm %12 eps 1.000000e-05 : tensor<?x?x128xf32>
      %14 = weight @slow.blocks.1.attn.wq : tensor<128x128xf32>
      %15 = weight @slow.blocks.1.attn.wk : tensor<128x128xf32>
      %16 = weight @slow.blocks.1.attn.wv : tensor<128x128xf32>
      %17 = weight @slow.blocks.1.attn.wo : tensor<128x128xf32>
      %18 = attention %13 weights(%14, %15, %16, %17) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %19 = add %13, %18 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %20 = rmsnorm %19 eps 1.000000e-05 : tensor<?x?x128xf32>
      %21 = weight @slow.blocks.1.mlp.gate : tensor<128x384xf32>
      %22 = weight @slow.blocks.1.mlp.up : tensor<128x384xf32>
      %23 = weight @slow.blocks.1.mlp.down : tensor<384x128xf32>
      %24 = mlp swiglu %20 gate %21 up %22 down %23 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %25 = add %20, %24 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %26 = rmsnorm %25 eps 1.000000e-05 : tensor<?x?x128xf32>
      %27 = rmsnorm %26 eps 1.000000e-05 : tensor<?x?x128xf32>
      yield %27 : tensor<?x?x128xf32>
    }
    func.func @logits(%arg0: tensor<?x?xi32>) -> tensor<?x?x256xf32> {
      %0 = hrm.weight @embed : tensor<256x128xf32>
      %1 = hrm.embed %arg0, %0 scale 11.313708498984761 : tensor<?x?xi32>, tensor<256x128xf32> -> tensor<?x?x128xf32>
      %2 = hrm.weight @fast.init : tensor<128xf32>
      %3 = hrm.broadcast %2 like %1 : tensor<128xf32>, tensor<?x?x128xf32>
      %4 = hrm.weight @slow.init : tensor<128xf32>
      %5 = hrm.broadcast %4 like %1 : tensor<128xf32>, tensor<?x?x128xf32>
      %fast_result, %slow_result = hrm.hier_loop N 8 T 2 init(%3, %5) : tensor<?x?x128xf32>, tensor<?x?x128xf32> schedule <unroll = rolled, grad = one_step, memory = keep> fast {
      ^bb0(%arg1: index, %arg2: tensor<?x?x128xf32>, %arg3: tensor<?x?x128xf32>):
        %8 = hrm.add %arg3, %1 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
        %9 = hrm.apply @fast(%arg2, %8) : (tensor<?x?x128xf32>, tensor<?x?x128xf32>) -> tensor<?x?x128xf32>
        hrm.yield %9 : tensor<?x?x128xf32>
      } slow {
      ^bb0(%arg1: index, %arg2: tensor<?x?x128xf32>, %arg3: tensor<?x?x128xf32>):
        %8 = hrm.apply @slow(%arg3, %arg2) : (tensor<?x?x128xf32>, tensor<?x?x128xf32>) -> tensor<?x?x128xf32>
        hrm.yield %8 : tensor<?x?x128xf32>
      }
      %6 = hrm.weight @lm_head : tensor<128x256xf32>
      %7 = hrm.lm_head %slow_result, %6 : tensor<?x?x128xf32>, tensor<128x256xf32> -> tensor<?x?x256xf32>
      return %7 : tensor<?x?x256xf32>
    }
    func.func @loss(%arg0: tensor<?x?xi32>, %arg1: tensor<?x?xi32>, %arg2: tensor<?xi32> {hrm.name = "reset", hrm.reset = {segments = 4 : i64}}, %arg3: tensor<?x?x128xf32> {hrm.name = "carry.fast"}, %arg4: tensor<?x?x128xf32> {hrm.name = "carry.slow"}, %arg5: tensor<?xi32> {hrm.halt = {exploration = 1.000000e-01 : f64, max_segments = 4 : i64}, hrm.name = "halt.last"}) -> (tensor<f32>, tensor<?x?x128xf32> {hrm.name = "carry.fast"}, tensor<?x?x128xf32> {hrm.name = "carry.slow"}, tensor<?x2xf32> {hrm.name = "halt.q"}, tensor<f32> {hrm.name = "lm_loss"}) {
      %0 = hrm.weight @embed : tensor<256x128xf32>
      %1 = hrm.embed %arg0, %0 scale 11.313708498984761 : tensor<?x?xi32>, tensor<256x128xf32> -> tensor<?x?x128xf32>
      %2 = hrm.weight @fast.init : tensor<128xf32>
      %3 = hrm.broadcast %2 like %1 : tensor<128xf32>, tensor<?x?x128xf32>
      %4 = hrm.weight @slow.init : tensor<128xf32>
      %5 = hrm.broadcast %4 like %1 : tensor<128xf32>, tensor<?x?x128xf32>
      %6 = hrm.carry_in %arg3 or %3 reset %arg2 : tensor<?xi32>, tensor<?x?x128xf32>
      %7 = hrm.carry_in %arg4 or %5 reset %arg2 : tensor<?xi32>, tensor<?x?x128xf32>
      %fast_result, %slow_result = hrm.hier_loop N 2 T 2 init(%6, %7) : tensor<?x?x128xf32>, tensor<?x?x128xf32> schedule <unroll = rolled, grad = one_step, memory = keep> fast {
      ^bb0(%arg6: index, %arg7: tensor<?x?x128xf32>, %arg8: tensor<?x?x128xf32>):
        %18 = hrm.add %arg8, %1 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
        %19 = hrm.apply @fast(%arg7, %18) : (tensor<?x?x128xf32>, tensor<?x?x128xf32>) -> tensor<?x?x128xf32>
        hrm.yield %19 : tensor<?x?x128xf32>
      } slow {
      ^bb0(%arg6: index, %arg7: tensor<?x?x128xf32>, %arg8: tensor<?x?x128xf32>):
        %18 = hrm.apply @slow(%arg8, %arg7) : (tensor<?x?x128xf32>, tensor<?x?x128xf32>) -> tensor<?x?x128xf32>
        hrm.yield %18 : tensor<?x?x128xf32>
      }
      %8 = hrm.weight @lm_head : tensor<128x256xf32>
      %9 = hrm.lm_head %slow_result, %8 : tensor<?x?x128xf32>, tensor<128x256xf32> -> tensor<?x?x256xf32>
      %10 = hrm.cross_entropy %9, %arg1 : tensor<?x?x256xf32>, tensor<?x?xi32> -> tensor<f32>
      %11 = hrm.weight @halt.weight : tensor<128x2xf32>
      %12 = hrm.weight @halt.bias : tensor<2xf32>
      %13 = hrm.q_head %slow_result, %11, %12 last : tensor<?x?x128xf32>, tensor<128x2xf32>, tensor<2xf32> -> tensor<?x2xf32>
      %14 = hrm.sequence_correct %9, %arg1 : tensor<?x?x256xf32>, tensor<?x?xi32> -> tensor<?xf32>
      %fast_result_0, %slow_result_1 = hrm.hier_loop N 2 T 2 init(%fast_result, %slow_result) : tensor<?x?x128xf32>, tensor<?x?x128xf32> schedule <unroll = rolled, grad = one_step, memory = keep> fast {
      ^bb0(%arg6: index, %arg7: tensor<?x?x128xf32>, %arg8: tensor<?x?x128xf32>):
        %18 = hrm.add %arg8, %1 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
        %19 = hrm.apply @fast(%arg7, %18) : (tensor<?x?x128xf32>, tensor<?x?x128xf32>) -> tensor<?x?x128xf32>
        hrm.yield %19 : tensor<?x?x128xf32>
      } slow {
      ^bb0(%arg6: index, %arg7: tensor<?x?x128xf32>, %arg8: tensor<?x?x128xf32>):
        %18 = hrm.apply @slow(%arg8, %arg7) : (tensor<?x?x128xf32>, tensor<?x?x128xf32>) -> tensor<?x?x128xf32>
        hrm.yield %18 : tensor<?x?x128xf32>
      }
      %15 = hrm.q_head %slow_result_1, %11, %12 last : tensor<?x?x128xf32>, tensor<128x2xf32>, tensor<2xf32> -> tensor<?x2xf32>
      %16 = hrm.detach %15 : tensor<?x2xf32>
      %17 = hrm.halt_loss %13, %16, %14, %arg5 acc(%10 : tensor<f32>) : tensor<?x2xf32>, tensor<?xf32>, tensor<?xi32> -> tensor<f32>
      return %17, %fast_result, %slow_result, %13, %10 : tensor<f32>, tensor<?x?x128xf32>, tensor<?x?x128xf32>, tensor<?x2xf32>, tensor<f32>
    }
  }
}

