module {
  hrm.model @recurrent_depth attributes {max_seq_len = 128 : i64} {
    hrm.param @embed : tensor<256x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @prelude.blocks.0.attn_norm : tensor<128xf32> init <ones>
    hrm.param @prelude.blocks.0.attn.wq : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @prelude.blocks.0.attn.wk : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @prelude.blocks.0.attn.wv : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @prelude.blocks.0.attn.wo : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @prelude.blocks.0.attn_post_norm : tensor<128xf32> init <ones>
    hrm.param @prelude.blocks.0.mlp_norm : tensor<128xf32> init <ones>
    hrm.param @prelude.blocks.0.mlp.gate : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @prelude.blocks.0.mlp.up : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @prelude.blocks.0.mlp.down : tensor<384x128xf32> init <trunc_normal(0.051031036307982884)>
    hrm.param @prelude.blocks.0.mlp_post_norm : tensor<128xf32> init <ones>
    hrm.param @core.inject : tensor<256x128xf32> init <trunc_normal(6.250000e-02)>
    hrm.param @core.blocks.0.attn_norm : tensor<128xf32> init <ones>
    hrm.param @core.blocks.0.attn.wq : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @core.blocks.0.attn.wk : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @core.blocks.0.attn.wv : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @core.blocks.0.attn.wo : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @core.blocks.0.attn_post_norm : tensor<128xf32> init <ones>
    hrm.param @core.blocks.0.mlp_norm : tensor<128xf32> init <ones>
    hrm.param @core.blocks.0.mlp.gate : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @core.blocks.0.mlp.up : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @core.blocks.0.mlp.down : tensor<384x128xf32> init <trunc_normal(0.051031036307982884)>
    hrm.param @core.blocks.0.mlp_post_norm : tensor<128xf32> init <ones>
    hrm.param @core.blocks.1.attn_norm : tensor<128xf32> init <ones>
    hrm.param @core.blocks.1.attn.wq : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @core.blocks.1.attn.wk : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @core.blocks.1.attn.wv : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @core.blocks.1.attn.wo : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @core.blocks.1.attn_post_norm : tensor<128xf32> init <ones>
    hrm.param @core.blocks.1.mlp_norm : tensor<128xf32> init <ones>
    hrm.param @core.blocks.1.mlp.gate : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @core.blocks.1.mlp.up : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @core.blocks.1.mlp.down : tensor<384x128xf32> init <trunc_normal(0.051031036307982884)>
    hrm.param @core.blocks.1.mlp_post_norm : tensor<128xf32> init <ones>
    hrm.param @coda.blocks.0.attn_norm : tensor<128xf32> init <ones>
    hrm.param @coda.blocks.0.attn.wq : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @coda.blocks.0.attn.wk : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @coda.blocks.0.attn.wv : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @coda.blocks.0.attn.wo : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @coda.blocks.0.attn_post_norm : tensor<128xf32> init <ones>
    hrm.param @coda.blocks.0.mlp_norm : tensor<128xf32> init <ones>
    hrm.param @coda.blocks.0.mlp.gate : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @coda.blocks.0.mlp.up : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @coda.blocks.0.mlp.down : tensor<384x128xf32> init <trunc_normal(0.051031036307982884)>
    hrm.param @coda.blocks.0.mlp_post_norm : tensor<128xf32> init <ones>
    hrm.param @final_norm : tensor<128xf32> init <ones>
    hrm.param @lm_head : tensor<128x256xf32> init <trunc_normal(0.088388347648318433)>
    hrm.module @prelude(%arg0: tensor<?x?x128xf32>) -> tensor<?x?x128xf32> {
      %0 = weight @prelude.blocks.0.attn_norm : tensor<128xf32>
      %1 = rmsnorm %arg0 weight %0 eps 1.000000e-05 : tensor<?x?x128xf32>, tensor<128xf32>
      %2 = weight @prelude.blocks.0.attn.wq : tensor<128x128xf32>
      %3 = weight @prelude.blocks.0.attn.wk : tensor<128x128xf32>
      %4 = weight @prelude.blocks.0.attn.wv : tensor<128x128xf32>
      %5 = weight @prelude.blocks.0.attn.wo : tensor<128x128xf32>
      %6 = attention %1 weights(%2, %3, %4, %5) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %7 = weight @prelude.blocks.0.attn_post_norm : tensor<128xf32>
      %8 = rmsnorm %6 weight %7 eps 1.000000e-05 : tensor<?x?x128xf32>, tensor<128xf32>
      %9 = add %arg0, %8 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %10 = weight @prelude.blocks.0.mlp_norm : tensor<128xf32>
      %11 = rmsnorm %9 weight %10 eps 1.000000e-05 : tensor<?x?x128xf32>, tensor<128xf32>
      %12 = weight @prelude.blocks.0.mlp.gate : tensor<128x384xf32>
      %13 = weight @prelude.blocks.0.mlp.up : tensor<128x384xf32>
      %14 = weight @prelude.blocks.0.mlp.down : tensor<384x128xf32>
      %15 = mlp swiglu %11 gate %12 up %13 down %14 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %16 = weight @prelude.blocks.0.mlp_post_norm : tensor<128xf32>
      %17 = rmsnorm %15 weight %16 eps 1.000000e-05 : tensor<?x?x128xf32>, tensor<128xf32>
      %18 = add %9, %17 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      yield %18 : tensor<?x?x128xf32>
    }
    hrm.module @core(%arg0: tensor<?x?x128xf32>, %arg1: tensor<?x?x128xf32>) -> tensor<?x?x128xf32> {
      %0 = concat %arg0, %arg1 : tensor<?x?x128xf32>, tensor<?x?x128xf32> -> tensor<?x?x256xf32>
      %1 = weight @core.inject : tensor<256x128xf32>
      %2 = linear %0, %1 : tensor<?x?x256xf32>, tensor<256x128xf32> -> tensor<?x?x128xf32>
      %3 = weight @core.blocks.0.attn_norm : tensor<128xf32>
      %4 = rmsnorm %2 weight %3 eps 1.000000e-05 : tensor<?x?x128xf32>, tensor<128xf32>
      %5 = weight @core.blocks.0.attn.wq : tensor<128x128xf32>
      %6 = weight @core.blocks.0.attn.wk : tensor<128x128xf32>
      %7 = weight @core.blocks.0.attn.wv : tensor<128x128xf32>
      %8 = weight @core.blocks.0.attn.wo : tensor<128x128xf32>
      %9 = attention %4 weights(%5, %6, %7, %8) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %10 = weight @core.blocks.0.attn_post_norm : tensor<128xf32>
      %11 = rmsnorm %9 weight %10 eps 1.000000e-05 : tensor<?x?x128xf32>, tensor<128xf32>
      %12 = add %2, %11 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %13 = weight @core.blocks.0.mlp_norm : tensor<128xf32>
      %14 = rmsnorm %12 weight %13 eps 1.000000e-05 : tensor<?x?x128xf32>, tensor<128xf32>
      %15 = weight @core.blocks.0.mlp.gate : tensor<128x384xf32>
      %16 = weight @core.blocks.0.mlp.up : tensor<128x384xf32>
      %17 = weight @core.blocks.0.mlp.down : tensor<384x128xf32>
      %18 = mlp swiglu %14 gate %15 up %16 down %17 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %19 = weight @core.blocks.0.mlp_post_norm : tensor<128xf32>
      %20 = rmsnorm %18 weight %19 eps 1.000000e-05 : tensor<?x?x128xf32>, tensor<128xf32>
      %21 = add %12, %20 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %22 = weight @core.blocks.1.attn_norm : tensor<128xf32>
      %23 = rmsnorm %21 weight %22 eps 1.000000e-05 : tensor<?x?x128xf32>, tensor<128xf32>
      %24 = weight @core.blocks.1.attn.wq : tensor<128x128xf32>
      %25 = weight @core.blocks.1.attn.wk : tensor<128x128xf32>
      %26 = weight @core.blocks.1.attn.wv : tensor<128x128xf32>
      %27 = weight @core.blocks.1.attn.wo : tensor<128x128xf32>
      %28 = attention %23 weights(%24, %25, %26, %27) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %29 = weight @core.blocks.1.attn_post_norm : tensor<128xf32>
      %30 = rmsnorm %28 weight %29 eps 1.000000e-05 : tensor<?x?x128xf32>, tensor<128xf32>
      %31 = add %21, %30 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %32 = weight @core.blocks.1.mlp_norm : tensor<128xf32>
      %33 = rmsnorm %31 weight %32 eps 1.000000e-05 : tensor<?x?x128xf32>, tensor<128xf32>
      %34 = weight @core.blocks.1.mlp.gate : tensor<128x384xf32>
      %35 = weight @core.blocks.1.mlp.up : tensor<128x384xf32>
      %36 = weight @core.blocks.1.mlp.down : tensor<384x128xf32>
      %37 = mlp swiglu %33 gate %34 up %35 down %36 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %38 = weight @core.blocks.1.mlp_post_norm : tensor<128xf32>
      %39 = rmsnorm %37 weight %38 eps 1.000000e-05 : tensor<?x?x128xf32>, tensor<128xf32>
      %40 = add %31, %39 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      yield %40 : tensor<?x?x128xf32>
    }
    hrm.module @coda(%arg0: tensor<?x?x128xf32>) -> tensor<?x?x128xf32> {
      %0 = weight @coda.blocks.0.attn_norm : tensor<128xf32>
      %1 = rmsnorm %arg0 weight %0 eps 1.000000e-05 : tensor<?x?x128xf32>, tensor<128xf32>
      %2 = weight @coda.blocks.0.attn.wq : tensor<128x128xf32>
      %3 = weight @coda.blocks.0.attn.wk : tensor<128x128xf32>
      %4 = weight @coda.blocks.0.attn.wv : tensor<128x128xf32>
      %5 = weight @coda.blocks.0.attn.wo : tensor<128x128xf32>
      %6 = attention %1 weights(%2, %3, %4, %5) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %7 = weight @coda.blocks.0.attn_post_norm : tensor<128xf32>
      %8 = rmsnorm %6 weight %7 eps 1.000000e-05 : tensor<?x?x128xf32>, tensor<128xf32>
      %9 = add %arg0, %8 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %10 = weight @coda.blocks.0.mlp_norm : tensor<128xf32>
      %11 = rmsnorm %9 weight %10 eps 1.000000e-05 : tensor<?x?x128xf32>, tensor<128xf32>
      %12 = weight @coda.blocks.0.mlp.gate : tensor<128x384xf32>
      %13 = weight @coda.blocks.0.mlp.up : tensor<128x384xf32>
      %14 = weight @coda.blocks.0.mlp.down : tensor<384x128xf32>
      %15 = mlp swiglu %11 gate %12 up %13 down %14 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %16 = weight @coda.blocks.0.mlp_post_norm : tensor<128xf32>
      %17 = rmsnorm %15 weight %16 eps 1.000000e-05 : tensor<?x?x128xf32>, tensor<128xf32>
      %18 = add %9, %17 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      yield %18 : tensor<?x?x128xf32>
    }
    func.func @logits(%arg0: tensor<?x?xi32>, %arg1: tensor<i32> {hrm.host, hrm.name = "noise_draw"}, %arg2: tensor<i32> {hrm.host, hrm.name = "trip_count", hrm.trip_count = {default = 8 : i64, distribution = "lognormal_poisson", max = 16 : i64, mean = 8.000000e+00 : f64, min = 1 : i64, sigma = 5.000000e-01 : f64}}) -> tensor<?x?x256xf32> {
      %extracted = tensor.extract %arg1[] : tensor<i32>
      %extracted_0 = tensor.extract %arg2[] : tensor<i32>
      %0 = arith.index_cast %extracted_0 : i32 to index
      %1 = hrm.weight @embed : tensor<256x128xf32>
      %2 = hrm.embed %arg0, %1 scale 11.313708498984761 : tensor<?x?xi32>, tensor<256x128xf32> -> tensor<?x?x128xf32>
      %3 = hrm.apply @prelude(%2) : (tensor<?x?x128xf32>) -> tensor<?x?x128xf32>
      %4 = hrm.random_normal_like %3 std 1.000000e+00 seed 0 draw %extracted : tensor<?x?x128xf32>
      %5 = hrm.loop steps 8 count %0 iter(%4 : tensor<?x?x128xf32>) -> tensor<?x?x128xf32> schedule <unroll = rolled, grad = truncated(4), memory = keep> {
      ^bb0(%arg3: index, %arg4: tensor<?x?x128xf32>):
        %11 = hrm.apply @core(%arg4, %3) : (tensor<?x?x128xf32>, tensor<?x?x128xf32>) -> tensor<?x?x128xf32>
        hrm.yield %11 : tensor<?x?x128xf32>
      }
      %6 = hrm.apply @coda(%5) : (tensor<?x?x128xf32>) -> tensor<?x?x128xf32>
      %7 = hrm.weight @final_norm : tensor<128xf32>
      %8 = hrm.rmsnorm %6 weight %7 eps 1.000000e-05 : tensor<?x?x128xf32>, tensor<128xf32>
      %9 = hrm.weight @lm_head : tensor<128x256xf32>
      %10 = hrm.lm_head %8, %9 : tensor<?x?x128xf32>, tensor<128x256xf32> -> tensor<?x?x256xf32>
      return %10 : tensor<?x?x256xf32>
    }
    func.func @loss(%arg0: tensor<?x?xi32>, %arg1: tensor<?x?xi32>, %arg2: tensor<i32> {hrm.host, hrm.name = "noise_draw"}, %arg3: tensor<i32> {hrm.host, hrm.name = "trip_count", hrm.trip_count = {default = 8 : i64, distribution = "lognormal_poisson", max = 16 : i64, mean = 8.000000e+00 : f64, min = 1 : i64, sigma = 5.000000e-01 : f64}}) -> tensor<f32> {
      %0 = call @logits(%arg0, %arg2, %arg3) : (tensor<?x?xi32>, tensor<i32>, tensor<i32>) -> tensor<?x?x256xf32>
      %1 = hrm.cross_entropy %0, %arg1 : tensor<?x?x256xf32>, tensor<?x?xi32> -> tensor<f32>
      return %1 : tensor<f32>
    }
  }
}

