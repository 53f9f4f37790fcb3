module {
  hrm.model @transformer_l12 attributes {max_seq_len = 128 : i64} {
    hrm.param @embed : tensor<256x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.0.attn.wq : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.0.attn.wk : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.0.attn.wv : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.0.attn.wo : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.0.mlp.gate : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.0.mlp.up : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.0.mlp.down : tensor<384x128xf32> init <trunc_normal(0.051031036307982884)>
    hrm.param @blocks.blocks.1.attn.wq : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.1.attn.wk : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.1.attn.wv : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.1.attn.wo : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.1.mlp.gate : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.1.mlp.up : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.1.mlp.down : tensor<384x128xf32> init <trunc_normal(0.051031036307982884)>
    hrm.param @blocks.blocks.2.attn.wq : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.2.attn.wk : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.2.attn.wv : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.2.attn.wo : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.2.mlp.gate : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.2.mlp.up : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.2.mlp.down : tensor<384x128xf32> init <trunc_normal(0.051031036307982884)>
    hrm.param @blocks.blocks.3.attn.wq : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.3.attn.wk : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.3.attn.wv : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.3.attn.wo : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.3.mlp.gate : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.3.mlp.up : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.3.mlp.down : tensor<384x128xf32> init <trunc_normal(0.051031036307982884)>
    hrm.param @blocks.blocks.4.attn.wq : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.4.attn.wk : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.4.attn.wv : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.4.attn.wo : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.4.mlp.gate : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.4.mlp.up : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.4.mlp.down : tensor<384x128xf32> init <trunc_normal(0.051031036307982884)>
    hrm.param @blocks.blocks.5.attn.wq : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.5.attn.wk : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.5.attn.wv : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.5.attn.wo : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.5.mlp.gate : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.5.mlp.up : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.5.mlp.down : tensor<384x128xf32> init <trunc_normal(0.051031036307982884)>
    hrm.param @blocks.blocks.6.attn.wq : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.6.attn.wk : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.6.attn.wv : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.6.attn.wo : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.6.mlp.gate : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.6.mlp.up : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.6.mlp.down : tensor<384x128xf32> init <trunc_normal(0.051031036307982884)>
    hrm.param @blocks.blocks.7.attn.wq : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.7.attn.wk : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.7.attn.wv : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.7.attn.wo : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.7.mlp.gate : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.7.mlp.up : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.7.mlp.down : tensor<384x128xf32> init <trunc_normal(0.051031036307982884)>
    hrm.param @blocks.blocks.8.attn.wq : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.8.attn.wk : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.8.attn.wv : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.8.attn.wo : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.8.mlp.gate : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.8.mlp.up : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.8.mlp.down : tensor<384x128xf32> init <trunc_normal(0.051031036307982884)>
    hrm.param @blocks.blocks.9.attn.wq : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.9.attn.wk : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.9.attn.wv : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.9.attn.wo : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.9.mlp.gate : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.9.mlp.up : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.9.mlp.down : tensor<384x128xf32> init <trunc_normal(0.051031036307982884)>
    hrm.param @blocks.blocks.10.attn.wq : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.10.attn.wk : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.10.attn.wv : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.10.attn.wo : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.10.mlp.gate : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.10.mlp.up : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.10.mlp.down : tensor<384x128xf32> init <trunc_normal(0.051031036307982884)>
    hrm.param @blocks.blocks.11.attn.wq : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.11.attn.wk : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.11.attn.wv : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.11.attn.wo : tensor<128x128xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.11.mlp.gate : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.11.mlp.up : tensor<128x384xf32> init <trunc_normal(0.088388347648318433)>
    hrm.param @blocks.blocks.11.mlp.down : tensor<384x128xf32> init <trunc_normal(0.051031036307982884)>
    hrm.param @lm_head : tensor<128x256xf32> init <trunc_normal(0.088388347648318433)>
    hrm.module @blocks(%arg0: tensor<?x?x128xf32>) -> tensor<?x?x128xf32> {
      %0 = rmsnorm %arg0 eps 1.000000e-05 : tensor<?x?x128xf32>
      %1 = weight @blocks.blocks.0.attn.wq : tensor<128x128xf32>
      %2 = weight @blocks.blocks.0.attn.wk : tensor<128x128xf32>
      %3 = weight @blocks.blocks.0.attn.wv : tensor<128x128xf32>
      %4 = weight @blocks.blocks.0.attn.wo : tensor<128x128xf32>
      %5 = attention %0 weights(%1, %2, %3, %4) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %6 = add %arg0, %5 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %7 = rmsnorm %6 eps 1.000000e-05 : tensor<?x?x128xf32>
      %8 = weight @blocks.blocks.0.mlp.gate : tensor<128x384xf32>
      %9 = weight @blocks.blocks.0.mlp.up : tensor<128x384xf32>
      %10 = weight @blocks.blocks.0.mlp.down : tensor<384x128xf32>
      %11 = mlp swiglu %7 gate %8 up %9 down %10 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %12 = add %6, %11 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %13 = rmsnorm %12 eps 1.000000e-05 : tensor<?x?x128xf32>
      %14 = weight @blocks.blocks.1.attn.wq : tensor<128x128xf32>
      %15 = weight @blocks.blocks.1.attn.wk : tensor<128x128xf32>
      %16 = weight @blocks.blocks.1.attn.wv : tensor<128x128xf32>
      %17 = weight @blocks.blocks.1.attn.wo : tensor<128x128xf32>
      %18 = attention %13 weights(%14, %15, %16, %17) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %19 = add %12, %18 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %20 = rmsnorm %19 eps 1.000000e-05 : tensor<?x?x128xf32>
      %21 = weight @blocks.blocks.1.mlp.gate : tensor<128x384xf32>
      %22 = weight @blocks.blocks.1.mlp.up : tensor<128x384xf32>
      %23 = weight @blocks.blocks.1.mlp.down : tensor<384x128xf32>
      %24 = mlp swiglu %20 gate %21 up %22 down %23 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %25 = add %19, %24 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %26 = rmsnorm %25 eps 1.000000e-05 : tensor<?x?x128xf32>
      %27 = weight @blocks.blocks.2.attn.wq : tensor<128x128xf32>
      %28 = weight @blocks.blocks.2.attn.wk : tensor<128x128xf32>
      %29 = weight @blocks.blocks.2.attn.wv : tensor<128x128xf32>
      %30 = weight @blocks.blocks.2.attn.wo : tensor<128x128xf32>
      %31 = attention %26 weights(%27, %28, %29, %30) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %32 = add %25, %31 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %33 = rmsnorm %32 eps 1.000000e-05 : tensor<?x?x128xf32>
      %34 = weight @blocks.blocks.2.mlp.gate : tensor<128x384xf32>
      %35 = weight @blocks.blocks.2.mlp.up : tensor<128x384xf32>
      %36 = weight @blocks.blocks.2.mlp.down : tensor<384x128xf32>
      %37 = mlp swiglu %33 gate %34 up %35 down %36 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %38 = add %32, %37 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %39 = rmsnorm %38 eps 1.000000e-05 : tensor<?x?x128xf32>
      %40 = weight @blocks.blocks.3.attn.wq : tensor<128x128xf32>
      %41 = weight @blocks.blocks.3.attn.wk : tensor<128x128xf32>
      %42 = weight @blocks.blocks.3.attn.wv : tensor<128x128xf32>
      %43 = weight @blocks.blocks.3.attn.wo : tensor<128x128xf32>
      %44 = attention %39 weights(%40, %41, %42, %43) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %45 = add %38, %44 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %46 = rmsnorm %45 eps 1.000000e-05 : tensor<?x?x128xf32>
      %47 = weight @blocks.blocks.3.mlp.gate : tensor<128x384xf32>
      %48 = weight @blocks.blocks.3.mlp.up : tensor<128x384xf32>
      %49 = weight @blocks.blocks.3.mlp.down : tensor<384x128xf32>
      %50 = mlp swiglu %46 gate %47 up %48 down %49 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %51 = add %45, %50 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %52 = rmsnorm %51 eps 1.000000e-05 : tensor<?x?x128xf32>
      %53 = weight @blocks.blocks.4.attn.wq : tensor<128x128xf32>
      %54 = weight @blocks.blocks.4.attn.wk : tensor<128x128xf32>
      %55 = weight @blocks.blocks.4.attn.wv : tensor<128x128xf32>
      %56 = weight @blocks.blocks.4.attn.wo : tensor<128x128xf32>
      %57 = attention %52 weights(%53, %54, %55, %56) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %58 = add %51, %57 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %59 = rmsnorm %58 eps 1.000000e-05 : tensor<?x?x128xf32>
      %60 = weight @blocks.blocks.4.mlp.gate : tensor<128x384xf32>
      %61 = weight @blocks.blocks.4.mlp.up : tensor<128x384xf32>
      %62 = weight @blocks.blocks.4.mlp.down : tensor<384x128xf32>
      %63 = mlp swiglu %59 gate %60 up %61 down %62 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %64 = add %58, %63 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %65 = rmsnorm %64 eps 1.000000e-05 : tensor<?x?x128xf32>
      %66 = weight @blocks.blocks.5.attn.wq : tensor<128x128xf32>
      %67 = weight @blocks.blocks.5.attn.wk : tensor<128x128xf32>
      %68 = weight @blocks.blocks.5.attn.wv : tensor<128x128xf32>
      %69 = weight @blocks.blocks.5.attn.wo : tensor<128x128xf32>
      %70 = attention %65 weights(%66, %67, %68, %69) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %71 = add %64, %70 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %72 = rmsnorm %71 eps 1.000000e-05 : tensor<?x?x128xf32>
      %73 = weight @blocks.blocks.5.mlp.gate : tensor<128x384xf32>
      %74 = weight @blocks.blocks.5.mlp.up : tensor<128x384xf32>
      %75 = weight @blocks.blocks.5.mlp.down : tensor<384x128xf32>
      %76 = mlp swiglu %72 gate %73 up %74 down %75 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %77 = add %71, %76 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %78 = rmsnorm %77 eps 1.000000e-05 : tensor<?x?x128xf32>
      %79 = weight @blocks.blocks.6.attn.wq : tensor<128x128xf32>
      %80 = weight @blocks.blocks.6.attn.wk : tensor<128x128xf32>
      %81 = weight @blocks.blocks.6.attn.wv : tensor<128x128xf32>
      %82 = weight @blocks.blocks.6.attn.wo : tensor<128x128xf32>
      %83 = attention %78 weights(%79, %80, %81, %82) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %84 = add %77, %83 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %85 = rmsnorm %84 eps 1.000000e-05 : tensor<?x?x128xf32>
      %86 = weight @blocks.blocks.6.mlp.gate : tensor<128x384xf32>
      %87 = weight @blocks.blocks.6.mlp.up : tensor<128x384xf32>
      %88 = weight @blocks.blocks.6.mlp.down : tensor<384x128xf32>
      %89 = mlp swiglu %85 gate %86 up %87 down %88 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %90 = add %84, %89 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %91 = rmsnorm %90 eps 1.000000e-05 : tensor<?x?x128xf32>
      %92 = weight @blocks.blocks.7.attn.wq : tensor<128x128xf32>
      %93 = weight @blocks.blocks.7.attn.wk : tensor<128x128xf32>
      %94 = weight @blocks.blocks.7.attn.wv : tensor<128x128xf32>
      %95 = weight @blocks.blocks.7.attn.wo : tensor<128x128xf32>
      %96 = attention %91 weights(%92, %93, %94, %95) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %97 = add %90, %96 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %98 = rmsnorm %97 eps 1.000000e-05 : tensor<?x?x128xf32>
      %99 = weight @blocks.blocks.7.mlp.gate : tensor<128x384xf32>
      %100 = weight @blocks.blocks.7.mlp.up : tensor<128x384xf32>
      %101 = weight @blocks.blocks.7.mlp.down : tensor<384x128xf32>
      %102 = mlp swiglu %98 gate %99 up %100 down %101 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %103 = add %97, %102 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %104 = rmsnorm %103 eps 1.000000e-05 : tensor<?x?x128xf32>
      %105 = weight @blocks.blocks.8.attn.wq : tensor<128x128xf32>
      %106 = weight @blocks.blocks.8.attn.wk : tensor<128x128xf32>
      %107 = weight @blocks.blocks.8.attn.wv : tensor<128x128xf32>
      %108 = weight @blocks.blocks.8.attn.wo : tensor<128x128xf32>
      %109 = attention %104 weights(%105, %106, %107, %108) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %110 = add %103, %109 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %111 = rmsnorm %110 eps 1.000000e-05 : tensor<?x?x128xf32>
      %112 = weight @blocks.blocks.8.mlp.gate : tensor<128x384xf32>
      %113 = weight @blocks.blocks.8.mlp.up : tensor<128x384xf32>
      %114 = weight @blocks.blocks.8.mlp.down : tensor<384x128xf32>
      %115 = mlp swiglu %111 gate %112 up %113 down %114 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %116 = add %110, %115 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %117 = rmsnorm %116 eps 1.000000e-05 : tensor<?x?x128xf32>
      %118 = weight @blocks.blocks.9.attn.wq : tensor<128x128xf32>
      %119 = weight @blocks.blocks.9.attn.wk : tensor<128x128xf32>
      %120 = weight @blocks.blocks.9.attn.wv : tensor<128x128xf32>
      %121 = weight @blocks.blocks.9.attn.wo : tensor<128x128xf32>
      %122 = attention %117 weights(%118, %119, %120, %121) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %123 = add %116, %122 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %124 = rmsnorm %123 eps 1.000000e-05 : tensor<?x?x128xf32>
      %125 = weight @blocks.blocks.9.mlp.gate : tensor<128x384xf32>
      %126 = weight @blocks.blocks.9.mlp.up : tensor<128x384xf32>
      %127 = weight @blocks.blocks.9.mlp.down : tensor<384x128xf32>
      %128 = mlp swiglu %124 gate %125 up %126 down %127 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %129 = add %123, %128 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %130 = rmsnorm %129 eps 1.000000e-05 : tensor<?x?x128xf32>
      %131 = weight @blocks.blocks.10.attn.wq : tensor<128x128xf32>
      %132 = weight @blocks.blocks.10.attn.wk : tensor<128x128xf32>
      %133 = weight @blocks.blocks.10.attn.wv : tensor<128x128xf32>
      %134 = weight @blocks.blocks.10.attn.wo : tensor<128x128xf32>
      %135 = attention %130 weights(%131, %132, %133, %134) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %136 = add %129, %135 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %137 = rmsnorm %136 eps 1.000000e-05 : tensor<?x?x128xf32>
      %138 = weight @blocks.blocks.10.mlp.gate : tensor<128x384xf32>
      %139 = weight @blocks.blocks.10.mlp.up : tensor<128x384xf32>
      %140 = weight @blocks.blocks.10.mlp.down : tensor<384x128xf32>
      %141 = mlp swiglu %137 gate %138 up %139 down %140 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %142 = add %136, %141 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %143 = rmsnorm %142 eps 1.000000e-05 : tensor<?x?x128xf32>
      %144 = weight @blocks.blocks.11.attn.wq : tensor<128x128xf32>
      %145 = weight @blocks.blocks.11.attn.wk : tensor<128x128xf32>
      %146 = weight @blocks.blocks.11.attn.wv : tensor<128x128xf32>
      %147 = weight @blocks.blocks.11.attn.wo : tensor<128x128xf32>
      %148 = attention %143 weights(%144, %145, %146, %147) heads 4 mask causal rope 1.000000e+04 : tensor<?x?x128xf32>, tensor<128x128xf32>
      %149 = add %142, %148 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      %150 = rmsnorm %149 eps 1.000000e-05 : tensor<?x?x128xf32>
      %151 = weight @blocks.blocks.11.mlp.gate : tensor<128x384xf32>
      %152 = weight @blocks.blocks.11.mlp.up : tensor<128x384xf32>
      %153 = weight @blocks.blocks.11.mlp.down : tensor<384x128xf32>
      %154 = mlp swiglu %150 gate %151 up %152 down %153 : tensor<?x?x128xf32>, tensor<128x384xf32>, tensor<384x128xf32>, tensor<128x384xf32>
      %155 = add %149, %154 : tensor<?x?x128xf32>, tensor<?x?x128xf32>
      yield %155 : tensor<?x?x128xf32>
    }
    func.func @logits(%arg0: tensor<?x?xi32>) -> tensor<?x?x256xf32> {
      %0 = hrm.weight @embed : tensor<256x128xf32>
      %1 = hrm.embed %arg0, %0 scale 11.313708498984761 : tensor<?x?xi32>, tensor<256x128xf32> -> tensor<?x?x128xf32>
      %2 = hrm.apply @blocks(%1) : (tensor<?x?x128xf32>) -> tensor<?x?x128xf32>
      %3 = hrm.rmsnorm %2 eps 1.000000e-05 : tensor<?x?x128xf32>
      %4 = hrm.weight @lm_head : tensor<128x256xf32>
      %5 = hrm.lm_head %3, %4 : tensor<?x?x128xf32>, tensor<128x256xf32> -> tensor<?x?x256xf32>
      return %5 : tensor<?x?x256xf32>
    }
    func.func @loss(%arg0: tensor<?x?xi32>, %arg1: tensor<?x?xi32>) -> tensor<f32> {
      %0 = call @logits(%arg0) : (tensor<?x?xi32>) -> tensor<?x?x256xf32>
      %1 = hrm.cross_entropy %0, %arg1 : tensor<?x?x256xf32>, tensor<?x?xi32> -> tensor<f32>
      return %1 : tensor<f32>
    }
  }
}

