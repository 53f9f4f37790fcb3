// hrm-fuse-epilogues computes an elementwise consumer inside the matmul
// kernel before it: after hrm-accumulate-in-registers (f32 loops) and after
// hrm-matmul-to-mma-sync or hrm-matmul-to-wgmma (their host emulations,
// bf16, the latter with its shared-memory scratch), the fused versions run
// on the CPU give the unfused ones' numbers exactly. The consumer is
// SwiGLU's silu(g) * u, reading g through the expand_shape that restores
// the batch dimension, and a product kept for a later reader.
// DEFINE: %{lower} = hrm-opt --convert-linalg-to-loops --lower-affine --arith-expand=include-bf16=true --convert-vector-to-scf --convert-scf-to-cf --expand-strided-metadata --finalize-memref-to-llvm --convert-to-llvm --reconcile-unrealized-casts | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | sed -e 's/base@ = 0x[0-9a-f]*//'
// RUN: hrm-opt %s --hrm-accumulate-in-registers | %{lower} > %t.ref
// RUN: hrm-opt %s --hrm-accumulate-in-registers --hrm-fuse-epilogues | %{lower} > %t.fused
// RUN: hrm-opt %s --hrm-matmul-to-mma-sync=emulate | %{lower} > %t.mma.ref
// RUN: hrm-opt %s --hrm-matmul-to-mma-sync=emulate --hrm-fuse-epilogues | %{lower} > %t.mma.fused
// RUN: hrm-opt %s --hrm-matmul-to-wgmma=emulate | %{lower} > %t.wgmma.ref
// RUN: hrm-opt %s --hrm-matmul-to-wgmma=emulate --hrm-fuse-epilogues | %{lower} > %t.wgmma.fused
// RUN: FileCheck %s < %t.ref
// RUN: diff %t.ref %t.fused
// RUN: diff %t.mma.ref %t.mma.fused
// RUN: diff %t.wgmma.ref %t.wgmma.fused
// RUN: diff %t.mma.ref %t.wgmma.ref
// Both consumers were fused, the first product's buffer dropped (the
// comparisons are not vacuous).
// RUN: hrm-opt %s --hrm-accumulate-in-registers --hrm-fuse-epilogues | FileCheck %s --check-prefix=FUSED
// RUN: hrm-opt %s --hrm-matmul-to-mma-sync=emulate --hrm-fuse-epilogues | FileCheck %s --check-prefix=FUSED
// RUN: hrm-opt %s --hrm-matmul-to-wgmma=emulate --hrm-fuse-epilogues | FileCheck %s --check-prefix=FUSED
// FUSED-LABEL: func.func @main
// FUSED-COUNT-4: memref.alloc() : memref<64x16xf32>
// FUSED-NOT: memref.alloc() : memref<64x16xf32>
// FUSED-NOT: linalg.generic
// FUSED: return

// CHECK-COUNT-2: rank = 3 offset = 0 sizes = [4, 16, 16]
// CHECK: rank = 2 offset = 0 sizes = [64, 16]

#id2 = affine_map<(i, j) -> (i, j)>
#id3 = affine_map<(i, j, k) -> (i, j, k)>
func.func private @printMemrefF32(memref<*xf32>)

// Small values (i * mul + j) mod 7 - 3, scaled by 1/8: exact in bf16.
func.func @fill2(%m: memref<?x?xf32>, %mul: index) {
  linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]} outs(%m : memref<?x?xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %a = arith.muli %i, %mul : index
    %b = arith.addi %a, %j : index
    %c7 = arith.constant 7 : index
    %r = arith.remui %b, %c7 : index
    %c3 = arith.constant 3 : index
    %s = arith.subi %r, %c3 : index
    %n = arith.index_cast %s : index to i32
    %f = arith.sitofp %n : i32 to f32
    %eighth = arith.constant 0.125 : f32
    %g = arith.mulf %f, %eighth : f32
    linalg.yield %g : f32
  }
  return
}

func.func @main() {
  %c5 = arith.constant 5 : index
  %c3 = arith.constant 3 : index
  %c2 = arith.constant 2 : index
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %x = memref.alloc() : memref<64x16xf32>
  %wg = memref.alloc() : memref<16x16xf32>
  %wu = memref.alloc() : memref<16x16xf32>
  %xd = memref.cast %x : memref<64x16xf32> to memref<?x?xf32>
  %wgd = memref.cast %wg : memref<16x16xf32> to memref<?x?xf32>
  %wud = memref.cast %wu : memref<16x16xf32> to memref<?x?xf32>
  func.call @fill2(%xd, %c5) : (memref<?x?xf32>, index) -> ()
  func.call @fill2(%wgd, %c3) : (memref<?x?xf32>, index) -> ()
  func.call @fill2(%wud, %c2) : (memref<?x?xf32>, index) -> ()

  // u = x Wu, g = x Wg, h = silu(g) * u over [4, 16, 16].
  %u = memref.alloc() : memref<64x16xf32>
  linalg.fill ins(%zero : f32) outs(%u : memref<64x16xf32>)
  linalg.matmul ins(%x, %wu : memref<64x16xf32>, memref<16x16xf32>) outs(%u : memref<64x16xf32>)
  %ue = memref.expand_shape %u [[0, 1], [2]] output_shape [4, 16, 16] : memref<64x16xf32> into memref<4x16x16xf32>
  %g = memref.alloc() : memref<64x16xf32>
  linalg.fill ins(%zero : f32) outs(%g : memref<64x16xf32>)
  linalg.matmul ins(%x, %wg : memref<64x16xf32>, memref<16x16xf32>) outs(%g : memref<64x16xf32>)
  %ge = memref.expand_shape %g [[0, 1], [2]] output_shape [4, 16, 16] : memref<64x16xf32> into memref<4x16x16xf32>
  %h = memref.alloc() : memref<4x16x16xf32>
  linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ge, %ue : memref<4x16x16xf32>, memref<4x16x16xf32>) outs(%h : memref<4x16x16xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %n = arith.negf %a : f32
    %e = math.exp %n : f32
    %d = arith.addf %e, %one : f32
    %s = arith.divf %a, %d : f32
    %p = arith.mulf %s, %b : f32
    linalg.yield %p : f32
  }
  memref.dealloc %g : memref<64x16xf32>

  // A product read again later: the consumer (its square, through no
  // view) is fused, the product still stored.
  %k = memref.alloc() : memref<64x16xf32>
  linalg.fill ins(%zero : f32) outs(%k : memref<64x16xf32>)
  linalg.matmul ins(%x, %wg : memref<64x16xf32>, memref<16x16xf32>) outs(%k : memref<64x16xf32>)
  %sq = memref.alloc() : memref<64x16xf32>
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%k : memref<64x16xf32>) outs(%sq : memref<64x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %p = arith.mulf %a, %a : f32
    linalg.yield %p : f32
  }
  %ke = memref.expand_shape %k [[0, 1], [2]] output_shape [4, 16, 16] : memref<64x16xf32> into memref<4x16x16xf32>

  %hu = memref.cast %h : memref<4x16x16xf32> to memref<*xf32>
  func.call @printMemrefF32(%hu) : (memref<*xf32>) -> ()
  %keu = memref.cast %ke : memref<4x16x16xf32> to memref<*xf32>
  func.call @printMemrefF32(%keu) : (memref<*xf32>) -> ()
  %squ = memref.cast %sq : memref<64x16xf32> to memref<*xf32>
  func.call @printMemrefF32(%squ) : (memref<*xf32>) -> ()
  memref.dealloc %x : memref<64x16xf32>
  memref.dealloc %wg : memref<16x16xf32>
  memref.dealloc %wu : memref<16x16xf32>
  memref.dealloc %u : memref<64x16xf32>
  memref.dealloc %h : memref<4x16x16xf32>
  memref.dealloc %k : memref<64x16xf32>
  memref.dealloc %sq : memref<64x16xf32>
  return
}
