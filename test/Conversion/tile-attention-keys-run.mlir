// hrm-tile-attention-keys{emulate} builds the kernel's blocks and threads as
// host loops: the threads copy each tile of keys and values into the
// block's staged buffers and run their key loops over it, the block's last
// query bounding the tiles. Run on the CPU, the fused attention of
// convert-hrm-to-linalg gives the untiled nest's numbers to the bit (the
// key loop's body is the same, the terms are added in the same order), for
// a causal mask with RoPE and query injection, a prefix mask and a
// bidirectional one, with 70 queries: a full block of 64 and a partial one,
// whose last tile of keys is partial too.
// DEFINE: %{bufferize} = --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map allow-return-allocs-from-loops"
// DEFINE: %{lower} = hrm-opt --convert-linalg-to-loops --lower-affine --convert-scf-to-cf --expand-strided-metadata --finalize-memref-to-llvm --convert-math-to-llvm --convert-to-llvm --reconcile-unrealized-casts | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | sed -e 's/base@ = 0x[0-9a-f]*//'
// RUN: hrm-opt %s --convert-hrm-to-linalg=fused-attention %{bufferize} | %{lower} > %t.ref
// RUN: hrm-opt %s --convert-hrm-to-linalg=fused-attention %{bufferize} --hrm-tile-attention-keys=emulate | %{lower} > %t.tiled
// RUN: FileCheck %s < %t.ref
// RUN: diff %t.ref %t.tiled
// Every nest was tiled (the comparison is not vacuous), in 64-query blocks,
// its query rows staged too.
// RUN: hrm-opt %s --convert-hrm-to-linalg=fused-attention %{bufferize} --hrm-tile-attention-keys=emulate | FileCheck %s --check-prefix=TILED
// TILED-NOT: hrm.fused_attention
// TILED-COUNT-3: memref.alloc() : memref<64x5xf32>
// TILED-NOT: hrm.fused_attention
// The untiled run is the fused one.
// RUN: hrm-opt %s --convert-hrm-to-linalg=fused-attention %{bufferize} | FileCheck %s --check-prefix=FUSED
// FUSED-COUNT-3: hrm.fused_attention

// CHECK-COUNT-3: rank = 3 offset = 0 sizes = [2, 70, 8]
// CHECK-NOT: nan

#id2 = affine_map<(i, j) -> (i, j)>
#id3 = affine_map<(b, i, j) -> (b, i, j)>
func.func private @printMemrefF32(memref<*xf32>)

// ((i * a + j * b + k) mod 11 - 5) * 0.21: values that make the softmax
// uneven.
func.func @activations(%a: index) -> tensor<2x70x8xf32> {
  %e = tensor.empty() : tensor<2x70x8xf32>
  %x = linalg.generic {indexing_maps = [#id3], iterator_types = ["parallel", "parallel", "parallel"]} outs(%e : tensor<2x70x8xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %k = linalg.index 2 : index
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
    linalg.yield %g : f32
  } -> tensor<2x70x8xf32>
  return %x : tensor<2x70x8xf32>
}

func.func @weight() -> tensor<8x8xf32> {
  %e = tensor.empty() : tensor<8x8xf32>
  %w = linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]} outs(%e : tensor<8x8xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c5 = arith.constant 5 : index
    %a = arith.muli %i, %c5 : index
    %b = arith.addi %a, %j : index
    %c7 = arith.constant 7 : index
    %r = arith.remui %b, %c7 : index
    %c3 = arith.constant 3 : index
    %s = arith.subi %r, %c3 : index
    %n = arith.index_cast %s : index to i32
    %f = arith.sitofp %n : i32 to f32
    %scale = arith.constant 0.17 : f32
    %g = arith.mulf %f, %scale : f32
    linalg.yield %g : f32
  } -> tensor<8x8xf32>
  return %w : tensor<8x8xf32>
}

func.func @print(%t: tensor<2x70x8xf32>) {
  %m = bufferization.to_buffer %t : tensor<2x70x8xf32> to memref<2x70x8xf32>
  %u = memref.cast %m : memref<2x70x8xf32> to memref<*xf32>
  call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

func.func @main() {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %x = call @activations(%c1) : (index) -> tensor<2x70x8xf32>
  %y = call @activations(%c2) : (index) -> tensor<2x70x8xf32>
  %w = call @weight() : () -> tensor<8x8xf32>
  %causal = hrm.attention %x weights(%w, %w, %w, %w) query %y heads 2 mask causal rope 1.0e+04 : tensor<2x70x8xf32>, tensor<8x8xf32>, tensor<2x70x8xf32>
  call @print(%causal) : (tensor<2x70x8xf32>) -> ()
  %prefix = hrm.attention %x weights(%w, %w, %w, %w) heads 2 mask prefix prefix 3 : tensor<2x70x8xf32>, tensor<8x8xf32>
  call @print(%prefix) : (tensor<2x70x8xf32>) -> ()
  %bi = hrm.attention %x weights(%w, %w, %w, %w) heads 2 mask bidirectional : tensor<2x70x8xf32>, tensor<8x8xf32>
  call @print(%bi) : (tensor<2x70x8xf32>) -> ()
  return
}
