module {
  hrm.model @hrm_text attributes {max_seq_len = 128 : i64} {
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
    hrm.param @lm_head : tensor<128x256xf32> init <trunc_normal(0.088388347648318433)>
    hrm.module @fast(%arg0: tensor<?x?x128xf32>, %arg1: tensor<?x?x128xf32>) -> tensor<?x?x128xf32> {
      %0 = add %arg0, %arg1 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %1 = rmsnorm %0 eps 1.000000e-05 : tensor<?x?x128xf32>
      %2 = weight @fast.blocks.0.attn.wq : tensor<128x128xf32>
      %3 = weight @fast.blocks.0.attn.wk : tensor<128x128xf32>
      %4 = weight @fast.blocks.0.attn.wv : tensor<128x128xf32>
      %5 = weight @fast.blocks.0.attn.wo : tensor<128x128xf32>
      %6 = attention %1 weights(%2, %3, %4, %5) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %7 = add %0, %6 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %8 = rmsnorm %7 eps 1.000000e-05 : tensor<?x?x128xf32>
      %9 = weight @fast.blocks.0.mlp.gate : tensor<128x384xf32>
      %10 = weight @fast.blocks.0.mlp.up : tensor<128x384xf32>
      %11 = weight @fast.blocks.0.mlp.down : tensor<384x128xf32>
      %12 = mlp swiglu %8 gate %9 up %10 down %11 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %13 = add %7, %12 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %14 = rmsnorm %13 eps 1.000000e-05 : tensor<?x?x128xf32>
      %15 = weight @fast.blocks.1.attn.wq : tensor<128x128xf32>
      %16 = weight @fast.blocks.1.attn.wk : tensor<128x128xf32>
      %17 = weight @fast.blocks.1.attn.wv : tensor<128x128xf32>
      %18 = weight @fast.blocks.1.attn.wo : tensor<128x128xf32>
      %19 = attention %14 weights(%15, %16, %17, %18) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %20 = add %13, %19 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %21 = rmsnorm %20 eps 1.000000e-05 : tensor<?x?x128xf32>
      %22 = weight @fast.blocks.1.mlp.gate : tensor<128x384xf32>
      %23 = weight @fast.blocks.1.mlp.up : tensor<128x384xf32>
      %24 = weight @fast.blocks.1.mlp.down : tensor<384x128xf32>
      %25 = mlp swiglu %21 gate %22 up %23 down %24 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %26 = add %20, %25 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %27 = rmsnorm %26 eps 1.000000e-05 : tensor<?x?x128xf32>
      yield %27 : tensor<?x?x128xf32>
    }
    hrm.module @slow(%arg0: tensor<?x?x128xf32>, %arg1: tensor<?x?x128xf32>) -> tensor<?x?x128xf32> {
      %0 = add %arg0, %arg1 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %1 = rmsnorm %0 eps 1.000000e-05 : tensor<?x?x128xf32>
      %2 = weight @slow.blocks.0.attn.wq : tensor<128x128xf32>
      %3 = weight @slow.blocks.0.attn.wk : tensor<128x128xf32>
      %4 = weight @slow.blocks.0.attn.wv : tensor<128x128xf32>
      %5 = weight @slow.blocks.0.attn.wo : tensor<128x128xf32>
      %6 = attention %1 weights(%2, %3, %4, %5) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %7 = add %0, %6 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %8 = rmsnorm %7 eps 1.000000e-05 : tensor<?x?x128xf32>
      %9 = weight @slow.blocks.0.mlp.gate : tensor<128x384xf32>
      %10 = weight @slow.blocks.0.mlp.up : tensor<128x384xf32>
      %11 = weight @slow.blocks.0.mlp.down : tensor<384x128xf32>
      %12 = mlp swiglu %8 gate %9 up %10 down %11 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %13 = add %7, %12 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %14 = rmsnorm %13 eps 1.000000e-05 : tensor<?x?x128xf32>
      %15 = weight @slow.blocks.1.attn.wq : tensor<128x128xf32>
      %16 = weight @slow.blocks.1.attn.wk : tensor<128x128xf32>
      %17 = weight @slow.blocks.1.attn.wv : tensor<128x128xf32>
      %18 = weight @slow.blocks.1.attn.wo : tensor<128x128xf32>
      %19 = attention %14 weights(%15, %16, %17, %18) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %20 = add %13, %19 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %21 = rmsnorm %20 eps 1.000000e-05 : tensor<?x?x128xf32>
      %22 = weight @slow.blocks.1.mlp.gate : tensor<128x384xf32>
      %23 = weight @slow.blocks.1.mlp.up : tensor<128x384xf32>
      %24 = weight @slow.blocks.1.mlp.down : tensor<384x128xf32>
      %25 = mlp swiglu %21 gate %22 up %23 down %24 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %26 = add %20, %25 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %27 = rmsnorm %26 eps 1.000000e-05 : tensor<?x?x128xf32>
      yield %27 : tensor<?x?x128xf32>
    }
    func.func @logits(%arg0: tensor<?x?xi32>, %arg1: tensor<i32> {hrm.grad_window = {default = 5 : i64, max = 5 : i64, min = 2 : i64, warmup_fraction = 2.000000e-01 : f64}, hrm.host, hrm.name = "grad_window"}) -> tensor<?x?x256xf32> {
      %extracted = tensor.extract %arg1[] : tensor<i32>
      %0 = arith.index_cast %extracted : i32 to index
      %1 = hrm.weight @embed : tensor<256x128xf32>
      %2 = hrm.embed %arg0, %1 scale 11.313708498984761 : tensor<?x?xi32>, tensor<256x128xf32> -> tensor<?x?x128xf32>
      %3 = hrm.zeros_like %2 : tensor<?x?x128xf32>
      %fast_result, %slow_result = hrm.hier_loop N 2 T 3 window %0 init(%3, %2) : tensor<?x?x128xf32>, tensor<?x?x128xf32> schedule <unroll = rolled, grad = slow_first(5), memory = keep> fast {
      ^bb0(%arg2: index, %arg3: tensor<?x?x128xf32>, %arg4: tensor<?x?x128xf32>):
        %6 = hrm.apply @fast(%arg3, %arg4) : (tensor<?x?x128xf32>, tensor<?x?x128xf32>) -> tensor<?x?x128xf32>
        hrm.yield %6 : tensor<?x?x128xf32>
      } slow {
      ^bb0(%arg2: index, %arg3: tensor<?x?x128xf32>, %arg4: tensor<?x?x128xf32>):
        %6 = hrm.apply @slow(%arg4, %arg3) : (tensor<?x?x128xf32>, tensor<?x?x128xf32>) -> tensor<?x?x128xf32>
        hrm.yield %6 : tensor<?x?x128xf32>
      }
      %4 = hrm.weight @lm_head : tensor<128x256xf32>
      %5 = hrm.lm_head %slow_result, %4 : tensor<?x?x128xf32>, tensor<128x256xf32> -> tensor<?x?x256xf32>
      return %5 : tensor<?x?x256xf32>
    }
    func.func @loss(%arg0: tensor<?x?xi32>, %arg1: tensor<?x?xi32>, %arg2: tensor<i32> {hrm.grad_window = {default = 5 : i64, max = 5 : i64, min = 2 : i64, warmup_fraction = 2.000000e-01 : f64}, hrm.host, hrm.name = "grad_window"}) -> tensor<f32> {
      %0 = call @logits(%arg0, %arg2) : (tensor<?x?xi32>, tensor<i32>) -> tensor<?x?x256xf32>
      %1 = hrm.cross_entropy %0, %arg1 : tensor<?x?x256xf32>, tensor<?x?xi32> -> tensor<f32>
      return %1 : tensor<f32>
    }
  }
}

