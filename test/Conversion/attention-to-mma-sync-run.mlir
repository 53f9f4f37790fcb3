// hrm-attention-to-mma-sync{emulate} builds the tensor-core attention's
// blocks, warps and lanes as host loops: the staged bf16 tiles, each lane's
// fragment registers loaded as the kernel loads them, the mma.syncs computed
// from the lanes' registers through PTX's fragment tables, the shuffles
// reading the partner lane. Run on the CPU its output is the f32 fused
// attention's to bf16's rounding (q, k, v and the probabilities rounded,
// sums in f32), in every printed output within 1e-2 of its largest value:
// - 70 positions, head size 24 (padded to 32 with zeros): causal with RoPE
//   and query injection, prefix and bidirectional masks; a full block of 64
//   queries and one of 6 (part of a warp), a full tile of 64 keys and one
//   of 6 (the rest masked, their values zeros);
// - 128 positions, head size 32: two blocks, two tiles of 64 keys;
// - 64 positions, head size 128, whose tiles are 32 keys (64 would pass the
//   shared-memory budget), causal and bidirectional;
// - 8 positions, head size 8: one tile of 16 keys, half of them past the end.
// A wrong fragment, mask or softmax coordinate is off by far more than the
// tolerance (a key off by one in the mask: 0.15).
// DEFINE: %{bufferize} = --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map allow-return-allocs-from-loops"
// DEFINE: %{lower} = hrm-opt --convert-linalg-to-loops --lower-affine --arith-expand=include-bf16=true --convert-scf-to-cf --expand-strided-metadata --finalize-memref-to-llvm --convert-math-to-llvm --convert-to-llvm --reconcile-unrealized-casts | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | sed -e 's/base@ = 0x[0-9a-f]*//'
// RUN: hrm-opt %s --convert-hrm-to-linalg=fused-attention %{bufferize} | %{lower} > %t.ref
// RUN: hrm-opt %s --convert-hrm-to-linalg=fused-attention %{bufferize} --hrm-attention-to-mma-sync=emulate | %{lower} > %t.mma
// RUN: FileCheck %s < %t.ref
// RUN: %close %t.ref %t.mma --tol 1e-2 | FileCheck %s --check-prefix=CLOSE
// CLOSE: 135360 numbers in 10 blocks, rel err {{.*}}: ok
// The rounding is there: the outputs differ.
// RUN: not diff -q %t.ref %t.mma
// Every nest was rewritten (the comparison is not vacuous).
// RUN: hrm-opt %s --convert-hrm-to-linalg=fused-attention %{bufferize} --hrm-attention-to-mma-sync=emulate | FileCheck %s --check-prefix=MMA
// MMA-NOT: hrm.fused_attention
// MMA-COUNT-12: memref.alloc() : memref<64x40xbf16>
// MMA-COUNT-2: memref.alloc() : memref<32x136xbf16>
// MMA-COUNT-4: memref.alloc() : memref<16x24xbf16>
// MMA-NOT: hrm.fused_attention

// CHECK-COUNT-3: rank = 3 offset = 0 sizes = [2, 70, 48]
// CHECK-COUNT-3: rank = 3 offset = 0 sizes = [2, 128, 64]
// CHECK-COUNT-2: rank = 3 offset = 0 sizes = [2, 64, 256]
// CHECK-COUNT-2: rank = 3 offset = 0 sizes = [2, 8, 16]
// CHECK-NOT: nan

#id2 = affine_map<(i, j) -> (i, j)>
#id3 = affine_map<(b, i, j) -> (b, i, j)>
func.func private @printMemrefF32(memref<*xf32>)

// ((i * a + j * 3 + k) mod 11 - 5) * 0.21: values that make the softmax
// uneven.
func.func @value(%i: index, %j: index, %k: index, %a: index) -> f32 {
  %ia = arith.muli %i, %a : index
  %c3 = arith.constant 3 : index
  %j3 = arith.muli %j, %c3 : index
  %s0 = arith.addi %ia, %j3 : index
  %s = arith.addi %s0, %k : index
  %c11 = arith.constant 11 : index
  %r = arith.remui %s, %c11 : index
  %c5 = arith.constant 5 : index
  %t = arith.subi %r, %c5 : index
  %n = arith.index_cast %t : index to i32
  %f = arith.sitofp %n : i32 to f32
  %scale = arith.constant 0.21 : f32
  %g = arith.mulf %f, %scale : f32
  return %g : f32
}

func.func @activations70(%a: index) -> tensor<2x70x48xf32> {
  %e = tensor.empty() : tensor<2x70x48xf32>
  %x = linalg.generic {indexing_maps = [#id3], iterator_types = ["parallel", "parallel", "parallel"]} outs(%e : tensor<2x70x48xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %k = linalg.index 2 : index
    %v = func.call @value(%i, %j, %k, %a) : (index, index, index, index) -> f32
    linalg.yield %v : f32
  } -> tensor<2x70x48xf32>
  return %x : tensor<2x70x48xf32>
}

// value(0, 7i, j) / 10: scores of order 1, a smooth softmax.
func.func @weight48() -> tensor<48x48xf32> {
  %e = tensor.empty() : tensor<48x48xf32>
  %w = linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]} outs(%e : tensor<48x48xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c0 = arith.constant 0 : index
    %c7 = arith.constant 7 : index
    %i7 = arith.muli %i, %c7 : index
    %v = func.call @value(%c0, %i7, %j, %c0) : (index, index, index, index) -> f32
    %small = arith.constant 0.1 : f32
    %w = arith.mulf %v, %small : f32
    linalg.yield %w : f32
  } -> tensor<48x48xf32>
  return %w : tensor<48x48xf32>
}

func.func @print70(%t: tensor<2x70x48xf32>) {
  %m = bufferization.to_buffer %t : tensor<2x70x48xf32> to memref<2x70x48xf32>
  %u = memref.cast %m : memref<2x70x48xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

func.func @activations128(%a: index) -> tensor<2x128x64xf32> {
  %e = tensor.empty() : tensor<2x128x64xf32>
  %x = linalg.generic {indexing_maps = [#id3], iterator_types = ["parallel", "parallel", "parallel"]} outs(%e : tensor<2x128x64xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %k = linalg.index 2 : index
    %v = func.call @value(%i, %j, %k, %a) : (index, index, index, index) -> f32
    linalg.yield %v : f32
  } -> tensor<2x128x64xf32>
  return %x : tensor<2x128x64xf32>
}

// value(0, 7i, j) / 10: scores of order 1, a smooth softmax.
func.func @weight64() -> tensor<64x64xf32> {
  %e = tensor.empty() : tensor<64x64xf32>
  %w = linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]} outs(%e : tensor<64x64xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c0 = arith.constant 0 : index
    %c7 = arith.constant 7 : index
    %i7 = arith.muli %i, %c7 : index
    %v = func.call @value(%c0, %i7, %j, %c0) : (index, index, index, index) -> f32
    %small = arith.constant 0.1 : f32
    %w = arith.mulf %v, %small : f32
    linalg.yield %w : f32
  } -> tensor<64x64xf32>
  return %w : tensor<64x64xf32>
}

func.func @print128(%t: tensor<2x128x64xf32>) {
  %m = bufferization.to_buffer %t : tensor<2x128x64xf32> to memref<2x128x64xf32>
  %u = memref.cast %m : memref<2x128x64xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

func.func @activations64(%a: index) -> tensor<2x64x256xf32> {
  %e = tensor.empty() : tensor<2x64x256xf32>
  %x = linalg.generic {indexing_maps = [#id3], iterator_types = ["parallel", "parallel", "parallel"]} outs(%e : tensor<2x64x256xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %k = linalg.index 2 : index
    %v = func.call @value(%i, %j, %k, %a) : (index, index, index, index) -> f32
    linalg.yield %v : f32
  } -> tensor<2x64x256xf32>
  return %x : tensor<2x64x256xf32>
}

// value(0, 7i, j) / 40: scores of order 1 at head size 128 too.
func.func @weight256() -> tensor<256x256xf32> {
  %e = tensor.empty() : tensor<256x256xf32>
  %w = linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]} outs(%e : tensor<256x256xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c0 = arith.constant 0 : index
    %c7 = arith.constant 7 : index
    %i7 = arith.muli %i, %c7 : index
    %v = func.call @value(%c0, %i7, %j, %c0) : (index, index, index, index) -> f32
    %small = arith.constant 0.025 : f32
    %w = arith.mulf %v, %small : f32
    linalg.yield %w : f32
  } -> tensor<256x256xf32>
  return %w : tensor<256x256xf32>
}

func.func @print64(%t: tensor<2x64x256xf32>) {
  %m = bufferization.to_buffer %t : tensor<2x64x256xf32> to memref<2x64x256xf32>
  %u = memref.cast %m : memref<2x64x256xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

func.func @activations8(%a: index) -> tensor<2x8x16xf32> {
  %e = tensor.empty() : tensor<2x8x16xf32>
  %x = linalg.generic {indexing_maps = [#id3], iterator_types = ["parallel", "parallel", "parallel"]} outs(%e : tensor<2x8x16xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %k = linalg.index 2 : index
    %v = func.call @value(%i, %j, %k, %a) : (index, index, index, index) -> f32
    linalg.yield %v : f32
  } -> tensor<2x8x16xf32>
  return %x : tensor<2x8x16xf32>
}

func.func @weight16() -> tensor<16x16xf32> {
  %e = tensor.empty() : tensor<16x16xf32>
  %w = linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]} outs(%e : tensor<16x16xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c0 = arith.constant 0 : index
    %c7 = arith.constant 7 : index
    %i7 = arith.muli %i, %c7 : index
    %v = func.call @value(%c0, %i7, %j, %c0) : (index, index, index, index) -> f32
    %small = arith.constant 0.1 : f32
    %w = arith.mulf %v, %small : f32
    linalg.yield %w : f32
  } -> tensor<16x16xf32>
  return %w : tensor<16x16xf32>
}

func.func @print8(%t: tensor<2x8x16xf32>) {
  %m = bufferization.to_buffer %t : tensor<2x8x16xf32> to memref<2x8x16xf32>
  %u = memref.cast %m : memref<2x8x16xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

func.func @main() {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %x70 = call @activations70(%c1) : (index) -> tensor<2x70x48xf32>
  %y70 = call @activations70(%c2) : (index) -> tensor<2x70x48xf32>
  %w70 = call @weight48() : () -> tensor<48x48xf32>
  %causal70 = hrm.attention %x70 weights(%w70, %w70, %w70, %w70) query %y70 heads 2 mask causal rope 1.0e+04 : tensor<2x70x48xf32>, tensor<48x48xf32>, tensor<2x70x48xf32>
  call @print70(%causal70) : (tensor<2x70x48xf32>) -> ()
  %prefix70 = hrm.attention %x70 weights(%w70, %w70, %w70, %w70) heads 2 mask prefix prefix 21 : tensor<2x70x48xf32>, tensor<48x48xf32>
  call @print70(%prefix70) : (tensor<2x70x48xf32>) -> ()
  %bi70 = hrm.attention %x70 weights(%w70, %w70, %w70, %w70) heads 2 mask bidirectional : tensor<2x70x48xf32>, tensor<48x48xf32>
  call @print70(%bi70) : (tensor<2x70x48xf32>) -> ()
  %x128 = call @activations128(%c1) : (index) -> tensor<2x128x64xf32>
  %y128 = call @activations128(%c2) : (index) -> tensor<2x128x64xf32>
  %w128 = call @weight64() : () -> tensor<64x64xf32>
  %causal128 = hrm.attention %x128 weights(%w128, %w128, %w128, %w128) query %y128 heads 2 mask causal rope 1.0e+04 : tensor<2x128x64xf32>, tensor<64x64xf32>, tensor<2x128x64xf32>
  call @print128(%causal128) : (tensor<2x128x64xf32>) -> ()
  %prefix128 = hrm.attention %x128 weights(%w128, %w128, %w128, %w128) heads 2 mask prefix prefix 21 : tensor<2x128x64xf32>, tensor<64x64xf32>
  call @print128(%prefix128) : (tensor<2x128x64xf32>) -> ()
  %bi128 = hrm.attention %x128 weights(%w128, %w128, %w128, %w128) heads 2 mask bidirectional : tensor<2x128x64xf32>, tensor<64x64xf32>
  call @print128(%bi128) : (tensor<2x128x64xf32>) -> ()
  %x64 = call @activations64(%c1) : (index) -> tensor<2x64x256xf32>
  %y64 = call @activations64(%c2) : (index) -> tensor<2x64x256xf32>
  %w64 = call @weight256() : () -> tensor<256x256xf32>
  %causal64 = hrm.attention %x64 weights(%w64, %w64, %w64, %w64) query %y64 heads 2 mask causal rope 1.0e+04 : tensor<2x64x256xf32>, tensor<256x256xf32>, tensor<2x64x256xf32>
  call @print64(%causal64) : (tensor<2x64x256xf32>) -> ()
  %bi64 = hrm.attention %x64 weights(%w64, %w64, %w64, %w64) heads 2 mask bidirectional : tensor<2x64x256xf32>, tensor<256x256xf32>
  call @print64(%bi64) : (tensor<2x64x256xf32>) -> ()
  %x8 = call @activations8(%c1) : (index) -> tensor<2x8x16xf32>
  %w8 = call @weight16() : () -> tensor<16x16xf32>
  %causal8 = hrm.attention %x8 weights(%w8, %w8, %w8, %w8) heads 2 mask causal rope 1.0e+04 : tensor<2x8x16xf32>, tensor<16x16xf32>
  call @print8(%causal8) : (tensor<2x8x16xf32>) -> ()
  %bi8 = hrm.attention %x8 weights(%w8, %w8, %w8, %w8) heads 2 mask bidirectional : tensor<2x8x16xf32>, tensor<16x16xf32>
  call @print8(%bi8) : (tensor<2x8x16xf32>) -> ()
  return
}
