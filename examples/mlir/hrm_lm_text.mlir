module {
  hrm.model @hrm_lm_text attributes {max_seq_len = 128 : i64} {
    hrm.param @embed : tensor<256x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @fast.blocks.0.attn.wq : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @fast.blocks.0.attn.wk : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @fast.blocks.0.attn.wv : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @fast.blocks.0.attn.wo : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @fast.blocks.0.attn_norm : tensor<128xf32> init <ones>
    hrm.param @fast.blocks.0.mlp.gate : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @fast.blocks.0.mlp.up : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @fast.blocks.0.mlp.down : tensor<384x128xf32> init <trunc_normal(0.051031036307982884)>
    hrm.param @fast.blocks.0.mlp_norm : tensor<128xf32> init <ones>
    hrm.param @fast.blocks.1.attn.wq : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @fast.blocks.1.attn.wk : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @fast.blocks.1.attn.wv : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @fast.blocks.1.attn.wo : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @fast.blocks.1.attn_norm : tensor<128xf32> init <ones>
    hrm.param @fast.blocks.1.mlp.gate : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @fast.blocks.1.mlp.up : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @fast.blocks.1.mlp.down : tensor<384x128xf32> init <trunc_normal(0.051031036307982884)>
    hrm.param @fast.blocks.1.mlp_norm : tensor<128xf32> init <ones>
    hrm.param @fast.final_norm : tensor<128xf32> init <ones>
    hrm.param @slow.blocks.0.attn.wq : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @slow.blocks.0.attn.wk : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @slow.blocks.0.attn.wv : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @slow.blocks.0.attn.wo : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @slow.blocks.0.attn_norm : tensor<128xf32> init <ones>
    hrm.param @slow.blocks.0.mlp.gate : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @slow.blocks.0.mlp.up : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @slow.blocks.0.mlp.down : tensor<384x128xf32> init <trunc_normal(0.051031036307982884)>
    hrm.param @slow.blocks.0.mlp_norm : tensor<128xf32> init <ones>
    hrm.param @slow.blocks.1.attn.wq : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @slow.blocks.1.attn.wk : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @slow.blocks.1.attn.wv : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @slow.blocks.1.attn.wo : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @slow.blocks.1.attn_norm : tensor<128xf32> init <ones>
    hrm.param @slow.blocks.1.mlp.gate : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @slow.blocks.1.mlp.up : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @slow.blocks.1.mlp.down : tensor<384x128xf32> init <trunc_normal(0.051031036307982884)>
    hrm.param @slow.blocks.1.mlp_norm : tensor<128xf32> init <ones>
    hrm.param @slow.final_norm : tensor<128xf32> init <ones>
    hrm.param @fast.init : tensor<128xf32> init <trunc_normal(1.000000e+00)> frozen
    hrm.param @slow.init : tensor<128xf32> init <trunc_normal(1.000000e+00)> frozen
    hrm.param @lm_head : tensor<128x256xf32> init <trunc_normal(0.088388347648318433)>
    hrm.module @fast(%arg0: tensor<?x?x128xf32>, %arg1: tensor<?x?x128xf32>) -> tensor<?x?x128xf32> {
      %0 = add %arg0, %arg1 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %1 = weight @fast.blocks.0.attn.wq : tensor<128x128xf32>
      %2 = weight @fast.blocks.0.attn.wk : tensor<128x128xf32>
      %3 = weight @fast.blocks.0.attn.wv : tensor<128x128xf32>
      %4 = weight @fast.blocks.0.attn.wo : tensor<128x128xf32>
      %5 = attention %0 weights(%1, %2, %3, %4) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %6 = add %0, %5 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %7 = weight @fast.blocks.0.attn_norm : tensor<128xf32>
      %8 = rmsnorm %6 weight %7 eps 1.000000e-05 : tensor<?x?x128xf32>, tensor<128xf32>
      %9 = weight @fast.blocks.0.mlp.gate : tensor<128x384xf32>
      %10 = weight @fast.blocks.0.mlp.up : tensor<128x384xf32>
      %11 = weight @fast.blocks.0.mlp.down : tensor<384x128xf32>
      %12 = mlp swiglu %8 gate %9 up %10 down %11 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %13 = add %8, %12 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %14 = weight @fast.blocks.0.mlp_norm : tensor<128xf32>
      %15 = rmsnorm %13 weight %14 eps 1.000000e-05 : tensor<?x?x128xf32>, tensor<128xf32>
      %16 = weight @fast.blocks.1.attn.wq : tensor<128x128xf32>
      %17 = weight @fast.blocks.1.attn.wk : tensor<128x128xf32>
      %18 = weight @fast.blocks.1.attn.wv : tensor<128x128xf32>
      %19 = weight @fast.blocks.1.attn.wo : tensor<128x128xf32>
      %20 = attention %15 weights(%16, %17, %18, %19) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %21 = add %15, %20 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %22 = weight @fast.blocks.1.attn_norm : tensor<128xf32>
      %23 = rmsnorm %21 weight %22 eps 1.000000e-05 : tensor<?x?x128xf32>, tensor<128xf32>
      %24 = weight @fast.blocks.1.mlp.gate : tensor<128x384xf32>
      %25 = weight @fast.blocks.1.mlp.up : tensor<128x384xf32>
      %26 = weight @fast.blocks.1.mlp.down : tensor<384x128xf32>
      %27 = mlp swiglu %23 gate %24 up %25 down %26 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %28 = add %23, %27 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %29 = weight @fast.blocks.1.mlp_norm : tensor<128xf32>
      %30 = rmsnorm %28 weight %29 eps 1.000000e-05 : tensor<?x?x128xf32>, tensor<128xf32>
      %31 = weight @fast.final_norm : tensor<128xf32>
      %32 = rmsnorm %30 weight %31 eps 1.000000e-05 : tensor<?x?x128xf32>, tensor<128xf32>
      yield %32 : tensor<?x?x128xf32>
    }
    hrm.module @slow(%arg0: tensor<?x?x128xf32>, %arg1: tensor<?x?x128xf32>) -> tensor<?x?x128xf32> {
      %0 = add %arg0, %arg1 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %1 = weight @slow.blocks.0.attn.wq : tensor<128x128xf32>
      %2 = weight @slow.blocks.0.attn.wk : tensor<128x128xf32>
      %3 = weight @slow.blocks.0.attn.wv : tensor<128x128xf32>
      %4 = weight @slow.blocks.0.attn.wo : tensor<128x128xf32>
      %5 = attention %0 weights(%1, %2, %3, %4) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %6 = add %0, %5 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %7 = weight @slow.blocks.0.attn_norm : tensor<128xf32>
      %8 = rmsnorm %6 weight %7 eps 1.000000e-05 : tensor<?x?x128xf32>, tensor<128xf32>
      %9 = weight @slow.blocks.0.mlp.gate : tensor<128x384xf32>
      %10 = weight @slow.blocks.0.mlp.up : tensor<128x384xf32>
      %11 = weight @slow.blocks.0.mlp.down : tensor<384x128xf32>
      %12 = mlp swiglu %8 gate %9 up %10 down %11 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %13 = add %8, %12 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %14 = weight @slow.blocks.0.mlp_norm : tensor<128xf32>
      %15 = rmsnorm %13 weight %14 eps 1.000000e-05 : tensor<?x?x128xf32>, tensor<128xf32>
      %16 = weight @slow.blocks.1.attn.wq : tensor<128x128xf32>
      %17 = weight @slow.blocks.1.attn.wk : tensor<128x128xf32>
      %18 = weight @slow.blocks.1.attn.wv : tensor<128x128xf32>
      %19 = weight @slow.blocks.1.attn.wo : tensor<128x128xf32>
      %20 = attention %15 weights(%16, %17, %18, %19) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %21 = add %15, %20 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %22 = weight @slow.blocks.1.attn_norm : tensor<128xf32>
      %23 = rmsnorm %21 weight %22 eps 1.000000e-05 : tensor<?x?x128xf32>, tensor<128xf32>
      %24 = weight @slow.blocks.1.mlp.gate : tensor<128x384xf32>
      %25 = weight @slow.blocks.1.mlp.up : tensor<128x384xf32>
      %26 = weight @slow.blocks.1.mlp.down : tensor<384x128xf32>
      %27 = mlp swiglu %23 gate %24 up %25 down %26 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %28 = add %23, %27 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %29 = weight @slow.blocks.1.mlp_norm : tensor<128xf32>
      %30 = rmsnorm %28 weight %29 eps 1.000000e-05 : tensor<?x?x128xf32>, tensor<128xf32>
      %31 = weight @slow.final_norm : tensor<128xf32>
      %32 = rmsnorm %30 weight %31 eps 1.000000e-05 : tensor<?x?x128xf32>, tensor<128xf32>
      yield %32 : tensor<?x?x128xf32>
    }
    func.func @logits(%arg0: tensor<?x?xi32>) -> tensor<?x?x256xf32> {
      %0 = hrm.weight @embed : tensor<256x128xf32>
      %1 = hrm.embed %arg0, %0 scale 11.313708498984761 : tensor<?x?xi32>, tensor<256x128xf32> -> tensor<?x?x128xf32>
      %2 = hrm.weight @fast.init : tensor<128xf32>
      %3 = hrm.broadcast %2 like %1 : tensor<128xf32>, tensor<?x?x128xf32>
      %4 = hrm.weight @slow.init : tensor<128xf32>
      %5 = hrm.broadcast %4 like %1 : tensor<128xf32>, tensor<?x?x128xf32>
      %fast_result, %slow_result = hrm.hier_loop N 3 T 4 init(%3, %5) : tensor<?x?x128xf32>, tensor<?x?x128xf32> schedule <unroll = full, grad = truncated(5), memory = recompute> fast {
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
    func.func @loss(%arg0: tensor<?x?xi32>, %arg1: tensor<?x?xi32>) -> tensor<f32> {
      %0 = call @logits(%arg0) : (tensor<?x?xi32>) -> tensor<?x?x256xf32>
      %1 = hrm.cross_entropy %0, %arg1 : tensor<?x?x256xf32>, tensor<?x?xi32> -> tensor<f32>
      return %1 : tensor<f32>
    }
  }
}

