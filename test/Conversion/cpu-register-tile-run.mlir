// Without `contract`, the register tiles (of 8, 4 or AVX-512's 16 floats)
// compute what the loops of the linalg ops do, bit for bit: every output element sums in the same order.
// Both versions run on the CPU and must print the same numbers; the
// operands are not integers, so most sums round. Column panels (a budget
// of 64 bytes: panels of one 4-wide tile, seven of them across 29 columns)
// leave the numbers alone too. With `contract` (the default) each multiply-add is one FMA,
// one rounding instead of two: within 1e-5 of the loops, and not equal.
// DEFINE: %{lower} = hrm-opt --convert-linalg-to-loops --lower-affine --convert-scf-to-cf --expand-strided-metadata --finalize-memref-to-llvm --convert-to-llvm --reconcile-unrealized-casts | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | sed -e 's/base@ = 0x[0-9a-f]*//'
// RUN: hrm-opt %s --hrm-cpu-loop-order --hrm-cpu-register-tile="contract=false" | %{lower} > %t.tiled
// RUN: hrm-opt %s --hrm-cpu-loop-order --hrm-cpu-register-tile="rows=3 vectors=3 width=4 contract=false" | %{lower} > %t.other
// RUN: hrm-opt %s --hrm-cpu-loop-order --hrm-cpu-register-tile="width=16 contract=false" | %{lower} > %t.avx512
// RUN: hrm-opt %s --hrm-cpu-loop-order --hrm-cpu-register-tile="rows=2 vectors=1 width=4 contract=false cache-bytes=64" | %{lower} > %t.panels
// RUN: hrm-opt %s --hrm-cpu-loop-order --hrm-cpu-register-tile | %{lower} > %t.fma
// RUN: hrm-opt %s --hrm-cpu-loop-order | %{lower} > %t.ref
// RUN: FileCheck %s < %t.tiled
// RUN: FileCheck %s < %t.fma
// RUN: diff %t.ref %t.tiled
// RUN: diff %t.ref %t.other
// RUN: diff %t.ref %t.avx512
// RUN: diff %t.ref %t.panels
// RUN: %close %t.ref %t.fma --tol 1e-5
// RUN: not diff %t.ref %t.fma > /dev/null
// The panels were made (the diff of %t.panels is not vacuous).
// RUN: hrm-opt %s --hrm-cpu-loop-order --hrm-cpu-register-tile="rows=2 vectors=1 width=4 cache-bytes=64" | FileCheck %s --check-prefix=PANELS
// PANELS-LABEL: func.func @main
// PANELS: arith.minsi
// Every contraction but the transposed one was tiled (the diffs are not
// vacuous).
// RUN: hrm-opt %s --hrm-cpu-loop-order --hrm-cpu-register-tile | FileCheck %s --check-prefix=TILED
// TILED-LABEL: func.func @main
// TILED-NOT: linalg.matmul
// TILED-NOT: linalg.generic {{.*}}"reduction"
// TILED: linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "parallel"]{{.*}}memref<29x5xf32>
// TILED-NOT: linalg.generic {{.*}}"reduction"

// An exact case, to anchor the comparison: ones(2 x 3) times
// b[k][j] = j - k sums each column to 3j - 3.
// CHECK: rank = 2 offset = 0 sizes = [2, 29]
// CHECK-NEXT: {{\[\[}}-3,   0,   3,   6,   9,

#id2 = affine_map<(i, j) -> (i, j)>
#id3 = affine_map<(b, i, j) -> (b, i, j)>
#a = affine_map<(i, j, k) -> (i, k)>
#b = affine_map<(i, j, k) -> (k, j)>
#bt = affine_map<(i, j, k) -> (j, k)>
#c = affine_map<(i, j, k) -> (i, j)>
#s = affine_map<(i, j, k) -> ()>
func.func private @printMemrefF32(memref<*xf32>)

// x[i][j] = ((i * mul + j) mod 7 - 3) * 0.37 (+ 0.1 * i * j).
func.func @init2(%m: memref<?x?xf32>, %mul: index) {
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
    %k = arith.constant 0.37 : f32
    %g = arith.mulf %f, %k : f32
    %ij = arith.muli %i, %j : index
    %ijn = arith.index_cast %ij : index to i32
    %ijf = arith.sitofp %ijn : i32 to f32
    %t = arith.constant 0.1 : f32
    %h = arith.mulf %ijf, %t : f32
    %x = arith.addf %g, %h : f32
    linalg.yield %x : f32
  }
  return
}

func.func @print(%m: memref<?x?xf32>) {
  %u = memref.cast %m : memref<?x?xf32> to memref<*xf32>
  func.call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}

func.func @main() {
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32

  // The anchor: ones(2 x 3) x (j - k).
  %ones = memref.alloc() : memref<2x3xf32>
  linalg.fill ins(%one : f32) outs(%ones : memref<2x3xf32>)
  %jk = memref.alloc() : memref<3x29xf32>
  linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]} outs(%jk : memref<3x29xf32>) {
  ^bb0(%o: f32):
    %k = linalg.index 0 : index
    %j = linalg.index 1 : index
    %d = arith.subi %j, %k : index
    %n = arith.index_cast %d : index to i32
    %f = arith.sitofp %n : i32 to f32
    linalg.yield %f : f32
  }
  %exact = memref.alloc() : memref<2x29xf32>
  linalg.fill ins(%zero : f32) outs(%exact : memref<2x29xf32>)
  linalg.matmul ins(%ones, %jk : memref<2x3xf32>, memref<3x29xf32>) outs(%exact : memref<2x29xf32>)
  %exactd = memref.cast %exact : memref<2x29xf32> to memref<?x?xf32>
  func.call @print(%exactd) : (memref<?x?xf32>) -> ()

  // 9 x 5 times 5 x 29: two whole row tiles and a row left over; along
  // the columns two vectors, one vector, then scalars (rows=4 vectors=2
  // width=8).
  %a = memref.alloc() : memref<9x5xf32>
  %b = memref.alloc() : memref<5x29xf32>
  %ad = memref.cast %a : memref<9x5xf32> to memref<?x?xf32>
  %bd = memref.cast %b : memref<5x29xf32> to memref<?x?xf32>
  func.call @init2(%ad, %c5) : (memref<?x?xf32>, index) -> ()
  func.call @init2(%bd, %c3) : (memref<?x?xf32>, index) -> ()
  %c = memref.alloc() : memref<9x29xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<9x29xf32>)
  linalg.matmul ins(%a, %b : memref<9x5xf32>, memref<5x29xf32>) outs(%c : memref<9x29xf32>)
  %cd = memref.cast %c : memref<9x29xf32> to memref<?x?xf32>
  func.call @print(%cd) : (memref<?x?xf32>) -> ()

  // Accumulating onto a buffer that was not filled just before (a
  // residual folded into the matmul): the tiles start from its elements.
  %c2 = memref.alloc() : memref<9x29xf32>
  memref.copy %c, %c2 : memref<9x29xf32> to memref<9x29xf32>
  linalg.matmul ins(%a, %b : memref<9x5xf32>, memref<5x29xf32>) outs(%c2 : memref<9x29xf32>)
  %c2d = memref.cast %c2 : memref<9x29xf32> to memref<?x?xf32>
  func.call @print(%c2d) : (memref<?x?xf32>) -> ()

  // A batch matmul: the batch is a loop around the tiles.
  %x = memref.alloc() : memref<2x6x4xf32>
  %y = memref.alloc() : memref<2x4x19xf32>
  %x2 = memref.collapse_shape %x [[0, 1], [2]] : memref<2x6x4xf32> into memref<12x4xf32>
  %y2 = memref.collapse_shape %y [[0, 1], [2]] : memref<2x4x19xf32> into memref<8x19xf32>
  %x2d = memref.cast %x2 : memref<12x4xf32> to memref<?x?xf32>
  %y2d = memref.cast %y2 : memref<8x19xf32> to memref<?x?xf32>
  func.call @init2(%x2d, %c3) : (memref<?x?xf32>, index) -> ()
  func.call @init2(%y2d, %c5) : (memref<?x?xf32>, index) -> ()
  %z = memref.alloc() : memref<2x6x19xf32>
  linalg.fill ins(%zero : f32) outs(%z : memref<2x6x19xf32>)
  linalg.batch_matmul ins(%x, %y : memref<2x6x4xf32>, memref<2x4x19xf32>) outs(%z : memref<2x6x19xf32>)
  %z2 = memref.collapse_shape %z [[0, 1], [2]] : memref<2x6x19xf32> into memref<12x19xf32>
  %z2d = memref.cast %z2 : memref<12x19xf32> to memref<?x?xf32>
  func.call @print(%z2d) : (memref<?x?xf32>) -> ()

  // A body with a bf16 operand widened, a scalar operand and a value
  // from outside the body: out + (ext(a) * b) * s - t.
  %abf = memref.alloc() : memref<9x5xbf16>
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%a : memref<9x5xf32>) outs(%abf : memref<9x5xbf16>) {
  ^bb0(%in: f32, %o: bf16):
    %t = arith.truncf %in : f32 to bf16
    linalg.yield %t : bf16
  }
  %scale = arith.constant 1.25 : f32
  %shift = arith.constant 0.0625 : f32
  %w = memref.alloc() : memref<9x29xf32>
  linalg.fill ins(%one : f32) outs(%w : memref<9x29xf32>)
  linalg.generic {indexing_maps = [#a, #b, #s, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%abf, %b, %scale : memref<9x5xbf16>, memref<5x29xf32>, f32) outs(%w : memref<9x29xf32>) {
  ^bb0(%p: bf16, %q: f32, %sc: f32, %acc: f32):
    %pe = arith.extf %p : bf16 to f32
    %m = arith.mulf %pe, %q : f32
    %ms = arith.mulf %m, %sc : f32
    %sum = arith.addf %acc, %ms : f32
    %r = arith.subf %sum, %shift : f32
    linalg.yield %r : f32
  }
  %wd = memref.cast %w : memref<9x29xf32> to memref<?x?xf32>
  func.call @print(%wd) : (memref<?x?xf32>) -> ()

  // B transposed (its rows along the output's columns): not contiguous
  // along them, so left to convert-linalg-to-loops.
  %bt = memref.alloc() : memref<29x5xf32>
  %btd = memref.cast %bt : memref<29x5xf32> to memref<?x?xf32>
  func.call @init2(%btd, %c3) : (memref<?x?xf32>, index) -> ()
  %v = memref.alloc() : memref<9x29xf32>
  linalg.fill ins(%zero : f32) outs(%v : memref<9x29xf32>)
  linalg.generic {indexing_maps = [#a, #bt, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %bt : memref<9x5xf32>, memref<29x5xf32>) outs(%v : memref<9x29xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %m = arith.mulf %p, %q : f32
    %sum = arith.addf %acc, %m : f32
    linalg.yield %sum : f32
  }
  %vd = memref.cast %v : memref<9x29xf32> to memref<?x?xf32>
  func.call @print(%vd) : (memref<?x?xf32>) -> ()
  return
}
