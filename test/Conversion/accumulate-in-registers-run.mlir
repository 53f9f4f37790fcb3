// The loops hrm-accumulate-in-registers (and hrm-fuse-row-consumers after
// it) build compute what the linalg ops did: the versions run on the CPU
// and print the same numbers.
// DEFINE: %{lower} = hrm-opt --convert-linalg-to-loops --lower-affine --convert-scf-to-cf --expand-strided-metadata --finalize-memref-to-llvm --convert-to-llvm --reconcile-unrealized-casts | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | sed -e 's/base@ = 0x[0-9a-f]*//'
// RUN: hrm-opt %s --hrm-accumulate-in-registers | %{lower} > %t.acc
// RUN: hrm-opt %s --hrm-accumulate-in-registers --hrm-fuse-row-consumers | %{lower} > %t.row
// RUN: hrm-opt %s | %{lower} > %t.ref
// RUN: FileCheck %s < %t.acc
// RUN: diff %t.ref %t.acc
// RUN: diff %t.ref %t.row
// The row fusion happened (the check is not vacuous).
// RUN: hrm-opt %s --hrm-accumulate-in-registers --hrm-fuse-row-consumers | FileCheck %s --check-prefix=FUSED
// FUSED: memref.store {{.*}} : memref<2x3xf32>
// FUSED: scf.for
// FUSED: memref.store {{.*}} : memref<2x3x4xf32>
// FUSED-NEXT: }
// FUSED-NEXT: scf.reduce
// RUN: hrm-opt %s --hrm-accumulate-in-registers | FileCheck %s --check-prefix=FROM-OUTPUT
// FROM-OUTPUT: memref.copy %[[C:.*]], %[[C2:.*]] :
// FROM-OUTPUT: scf.parallel
// FROM-OUTPUT-NEXT: memref.load %[[C2]]

// CHECK: rank = 2 offset = 0 sizes = [4, 6]
// CHECK-NEXT: {{\[\[}}16,   6,   17,   0,   4,   -20],
// CHECK-NEXT: [20,   4,   9,   -14,   -16,   3],
// CHECK-NEXT: [10,   -12,   -13,   7,   -1,   12],
// CHECK-NEXT: [-14,   7,   0,   14,   0,   7]]
// 1.5 + sum over k < 3, l < 5 of (l + i + k) * k:
// CHECK: rank = 1 offset = 0 sizes = [2]
// CHECK-NEXT: [56.5,  71.5]
// x[b, s, d] = b + s + d scaled in place by its row's sum of squares:
// row (0, 0) sums 0 + 1 + 4 + 9 = 14.
// CHECK: rank = 3 offset = 0 sizes = [2, 3, 4]
// CHECK-NEXT: {{\[\[\[}}0,    14,    28,    42],
// The matmul accumulated onto a copy of its own result: twice the first.
// CHECK: rank = 2 offset = 0 sizes = [4, 6]
// CHECK-NEXT: {{\[\[}}32,   12,   34,   0,   8,   -40],
// CHECK-NEXT: [40,   8,   18,   -28,   -32,   6],

#in = affine_map<(i, k, l) -> (l, i, k)>
#out = affine_map<(i, k, l) -> (i)>
#id2 = affine_map<(i, j) -> (i, j)>
#id3 = affine_map<(i, j, k) -> (i, j, k)>
#row = affine_map<(i, j, k) -> (i, j)>
func.func private @printMemrefF32(memref<*xf32>)

// Small integers, so that every sum is exact whatever its order.
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
    linalg.yield %f : f32
  }
  return
}

func.func @main() {
  %c8 = arith.constant 8 : index
  %c5 = arith.constant 5 : index
  %a = memref.alloc() : memref<4x8xf32>
  %b = memref.alloc() : memref<8x6xf32>
  %c = memref.alloc() : memref<4x6xf32>
  %ad = memref.cast %a : memref<4x8xf32> to memref<?x?xf32>
  %bd = memref.cast %b : memref<8x6xf32> to memref<?x?xf32>
  func.call @fill2(%ad, %c8) : (memref<?x?xf32>, index) -> ()
  func.call @fill2(%bd, %c5) : (memref<?x?xf32>, index) -> ()
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<4x6xf32>)
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x6xf32>) outs(%c : memref<4x6xf32>)
  // Accumulating onto a buffer that was not filled just before: the sum
  // starts from its elements (a residual add folded into a matmul).
  %c2 = memref.alloc() : memref<4x6xf32>
  memref.copy %c, %c2 : memref<4x6xf32> to memref<4x6xf32>
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x6xf32>) outs(%c2 : memref<4x6xf32>)

  %x = memref.alloc() : memref<5x2x3xf32>
  linalg.generic {indexing_maps = [#id3], iterator_types = ["parallel", "parallel", "parallel"]} outs(%x : memref<5x2x3xf32>) {
  ^bb0(%o: f32):
    %l = linalg.index 0 : index
    %i = linalg.index 1 : index
    %k = linalg.index 2 : index
    %t = arith.addi %l, %i : index
    %u = arith.addi %t, %k : index
    %n = arith.index_cast %u : index to i32
    %f = arith.sitofp %n : i32 to f32
    linalg.yield %f : f32
  }
  %y = memref.alloc() : memref<2xf32>
  %init = arith.constant 1.5 : f32
  linalg.fill ins(%init : f32) outs(%y : memref<2xf32>)
  linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "reduction", "reduction"]}
      ins(%x : memref<5x2x3xf32>) outs(%y : memref<2xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %k = linalg.index 1 : index
    %ki = arith.index_cast %k : index to i32
    %kf = arith.sitofp %ki : i32 to f32
    %w = arith.mulf %v, %kf : f32
    %s = arith.addf %acc, %w : f32
    linalg.yield %s : f32
  }
  // An RMSNorm-like row: a sum of squares, then every element of the row
  // scaled by it, written over its input.
  %rows = memref.alloc() : memref<2x3x4xf32>
  linalg.generic {indexing_maps = [#id3], iterator_types = ["parallel", "parallel", "parallel"]} outs(%rows : memref<2x3x4xf32>) {
  ^bb0(%o: f32):
    %b0 = linalg.index 0 : index
    %s0 = linalg.index 1 : index
    %d0 = linalg.index 2 : index
    %t0 = arith.addi %b0, %s0 : index
    %u0 = arith.addi %t0, %d0 : index
    %n0 = arith.index_cast %u0 : index to i32
    %f0 = arith.sitofp %n0 : i32 to f32
    linalg.yield %f0 : f32
  }
  %sums = memref.alloc() : memref<2x3xf32>
  linalg.fill ins(%zero : f32) outs(%sums : memref<2x3xf32>)
  linalg.generic {indexing_maps = [#id3, #row], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%rows : memref<2x3x4xf32>) outs(%sums : memref<2x3xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %sq = arith.mulf %v, %v : f32
    %s = arith.addf %acc, %sq : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id3, #row, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%rows, %sums : memref<2x3x4xf32>, memref<2x3xf32>) outs(%rows : memref<2x3x4xf32>) {
  ^bb0(%v: f32, %sum: f32, %o: f32):
    %scaled = arith.mulf %v, %sum : f32
    linalg.yield %scaled : f32
  }
  %cu = memref.cast %c : memref<4x6xf32> to memref<*xf32>
  func.call @printMemrefF32(%cu) : (memref<*xf32>) -> ()
  %yu = memref.cast %y : memref<2xf32> to memref<*xf32>
  func.call @printMemrefF32(%yu) : (memref<*xf32>) -> ()
  %ru = memref.cast %rows : memref<2x3x4xf32> to memref<*xf32>
  func.call @printMemrefF32(%ru) : (memref<*xf32>) -> ()
  %c2u = memref.cast %c2 : memref<4x6xf32> to memref<*xf32>
  func.call @printMemrefF32(%c2u) : (memref<*xf32>) -> ()
  memref.dealloc %c2 : memref<4x6xf32>
  memref.dealloc %rows : memref<2x3x4xf32>
  memref.dealloc %sums : memref<2x3xf32>
  memref.dealloc %a : memref<4x8xf32>
  memref.dealloc %b : memref<8x6xf32>
  memref.dealloc %c : memref<4x6xf32>
  memref.dealloc %x : memref<5x2x3xf32>
  memref.dealloc %y : memref<2xf32>
  return
}
