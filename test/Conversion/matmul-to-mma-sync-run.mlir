// hrm-matmul-to-mma-sync{emulate} builds the kernels' tiles, lanes and
// accumulator coordinates as host loops and computes what each lane's
// mma.sync would: run on the CPU, they give the linalg ops' numbers. The
// operands are small integers, exact in bf16 and tf32, so the outputs match
// to the bit.
// DEFINE: %{lower} = hrm-opt --convert-linalg-to-loops --lower-affine --arith-expand=include-bf16=true --convert-scf-to-cf --expand-strided-metadata --finalize-memref-to-llvm --convert-to-llvm --reconcile-unrealized-casts | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | sed -e 's/base@ = 0x[0-9a-f]*//'
// RUN: hrm-opt %s --hrm-matmul-to-mma-sync=emulate | %{lower} > %t.bf16
// RUN: hrm-opt %s --hrm-matmul-to-mma-sync="emulate precision=tf32" | %{lower} > %t.tf32
// RUN: hrm-opt %s | %{lower} > %t.ref
// RUN: FileCheck %s < %t.ref
// RUN: diff %t.ref %t.bf16
// RUN: diff %t.ref %t.tf32
// Every contraction was rewritten (the comparison is not vacuous).
// RUN: hrm-opt %s --hrm-matmul-to-mma-sync=emulate | FileCheck %s --check-prefix=REWRITTEN
// tf32 takes every contraction but those on bf16 operands.
// RUN: hrm-opt %s --hrm-matmul-to-mma-sync="emulate precision=tf32" | FileCheck %s --check-prefix=TF32
// REWRITTEN-LABEL: func.func @main
// REWRITTEN-NOT: linalg.matmul
// REWRITTEN-NOT: linalg.batch_matmul
// REWRITTEN-NOT: iterator_types = ["parallel", "parallel", "reduction"]
// REWRITTEN: return
// TF32-LABEL: func.func @main
// TF32-NOT: linalg.matmul
// TF32-NOT: linalg.batch_matmul
// TF32-NOT: iterator_types = ["parallel", "parallel", "reduction"]} ins({{.*}}xf32>,
// TF32: iterator_types = ["parallel", "parallel", "reduction"]} ins({{.*}} : memref<32x96xbf16>, memref<32x96xbf16>)
// TF32: iterator_types = ["parallel", "parallel", "reduction"]} ins({{.*}} : memref<80x64xbf16>, memref<64x64xbf16>)
// TF32: iterator_types = ["parallel", "parallel", "reduction"]} ins({{.*}} : memref<32x48xbf16>, memref<48x24xbf16>)
// TF32-NOT: iterator_types = ["parallel", "parallel", "reduction"]
// TF32: return

// CHECK-COUNT-9: rank =
// CHECK-NOT: rank =

#id2 = affine_map<(i, j) -> (i, j)>
#id3 = affine_map<(i, j, k) -> (i, j, k)>
#at = affine_map<(m, n, k) -> (k, m)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>
#ak = affine_map<(m, n, k) -> (m, k)>
#bt = affine_map<(m, n, k) -> (n, k)>
func.func private @printMemrefF32(memref<*xf32>)

// x[i, j] = (i * mul + j) mod 7 - 3: small integers, every sum exact.
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

func.func @fill3(%m: memref<?x?x?xf32>) {
  linalg.generic {indexing_maps = [#id3], iterator_types = ["parallel", "parallel", "parallel"]} outs(%m : memref<?x?x?xf32>) {
  ^bb0(%o: f32):
    %b = linalg.index 0 : index
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %c5 = arith.constant 5 : index
    %t = arith.muli %i, %c5 : index
    %u = arith.addi %t, %j : index
    %v = arith.addi %u, %b : index
    %c9 = arith.constant 9 : index
    %r = arith.remui %v, %c9 : index
    %c4 = arith.constant 4 : index
    %s = arith.subi %r, %c4 : index
    %n = arith.index_cast %s : index to i32
    %f = arith.sitofp %n : i32 to f32
    linalg.yield %f : f32
  }
  return
}

func.func @main() {
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %c11 = arith.constant 11 : index
  %half = arith.constant 1.5 : f32

  // A fill and a matmul: two M tiles and four N tiles per warp, two of the
  // block's four warps without rows.
  %a = memref.alloc() : memref<64x32xf32>
  %b = memref.alloc() : memref<32x64xf32>
  %c = memref.alloc() : memref<64x64xf32>
  %ad = memref.cast %a : memref<64x32xf32> to memref<?x?xf32>
  %bd = memref.cast %b : memref<32x64xf32> to memref<?x?xf32>
  func.call @fill2(%ad, %c3) : (memref<?x?xf32>, index) -> ()
  func.call @fill2(%bd, %c5) : (memref<?x?xf32>, index) -> ()
  linalg.fill ins(%half : f32) outs(%c : memref<64x64xf32>)
  linalg.matmul ins(%a, %b : memref<64x32xf32>, memref<32x64xf32>) outs(%c : memref<64x64xf32>)
  %cu = memref.cast %c : memref<64x64xf32> to memref<*xf32>
  func.call @printMemrefF32(%cu) : (memref<*xf32>) -> ()

  // Accumulating into the output's values: one tile each way, three rows
  // of warps.
  %a2 = memref.alloc() : memref<48x32xf32>
  %b2 = memref.alloc() : memref<32x24xf32>
  %c2 = memref.alloc() : memref<48x24xf32>
  %a2d = memref.cast %a2 : memref<48x32xf32> to memref<?x?xf32>
  %b2d = memref.cast %b2 : memref<32x24xf32> to memref<?x?xf32>
  %c2d = memref.cast %c2 : memref<48x24xf32> to memref<?x?xf32>
  func.call @fill2(%a2d, %c5) : (memref<?x?xf32>, index) -> ()
  func.call @fill2(%b2d, %c3) : (memref<?x?xf32>, index) -> ()
  func.call @fill2(%c2d, %c11) : (memref<?x?xf32>, index) -> ()
  linalg.matmul ins(%a2, %b2 : memref<48x32xf32>, memref<32x24xf32>) outs(%c2 : memref<48x24xf32>)
  %c2u = memref.cast %c2 : memref<48x24xf32> to memref<*xf32>
  func.call @printMemrefF32(%c2u) : (memref<*xf32>) -> ()

  // A batch: blockIdx.z.
  %a3 = memref.alloc() : memref<3x16x16xf32>
  %b3 = memref.alloc() : memref<3x16x16xf32>
  %c3b = memref.alloc() : memref<3x16x16xf32>
  %a3d = memref.cast %a3 : memref<3x16x16xf32> to memref<?x?x?xf32>
  %b3d = memref.cast %b3 : memref<3x16x16xf32> to memref<?x?x?xf32>
  func.call @fill3(%a3d) : (memref<?x?x?xf32>) -> ()
  func.call @fill3(%b3d) : (memref<?x?x?xf32>) -> ()
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c3b : memref<3x16x16xf32>)
  linalg.batch_matmul ins(%a3, %b3 : memref<3x16x16xf32>, memref<3x16x16xf32>) outs(%c3b : memref<3x16x16xf32>)
  %c3u = memref.cast %c3b : memref<3x16x16xf32> to memref<*xf32>
  func.call @printMemrefF32(%c3u) : (memref<*xf32>) -> ()

  // A read transposed (A^T B, as in a weight gradient).
  %at = memref.alloc() : memref<32x16xf32>
  %atd = memref.cast %at : memref<32x16xf32> to memref<?x?xf32>
  func.call @fill2(%atd, %c11) : (memref<?x?xf32>, index) -> ()
  %c4 = memref.alloc() : memref<16x64xf32>
  linalg.fill ins(%zero : f32) outs(%c4 : memref<16x64xf32>)
  linalg.generic {indexing_maps = [#at, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%at, %b : memref<32x16xf32>, memref<32x64xf32>) outs(%c4 : memref<16x64xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  %c4u = memref.cast %c4 : memref<16x64xf32> to memref<*xf32>
  func.call @printMemrefF32(%c4u) : (memref<*xf32>) -> ()

  // Two warps along N, two along M and a third block row with one spare
  // warp row; K in two chunks, A copied 16 bytes at a time under tf32.
  %a5 = memref.alloc() : memref<80x64xf32>
  %b5 = memref.alloc() : memref<64x64xf32>
  %c5b = memref.alloc() : memref<80x64xf32>
  %a5d = memref.cast %a5 : memref<80x64xf32> to memref<?x?xf32>
  %b5d = memref.cast %b5 : memref<64x64xf32> to memref<?x?xf32>
  func.call @fill2(%a5d, %c11) : (memref<?x?xf32>, index) -> ()
  func.call @fill2(%b5d, %c3) : (memref<?x?xf32>, index) -> ()
  linalg.fill ins(%zero : f32) outs(%c5b : memref<80x64xf32>)
  linalg.matmul ins(%a5, %b5 : memref<80x64xf32>, memref<64x64xf32>) outs(%c5b : memref<80x64xf32>)
  %c5u = memref.cast %c5b : memref<80x64xf32> to memref<*xf32>
  func.call @printMemrefF32(%c5u) : (memref<*xf32>) -> ()

  // Operands stored in bf16 with K last (A [M, K], B [N, K]), copied 16
  // bytes at a time; K in three chunks.
  %a6 = memref.alloc() : memref<32x96xf32>
  %b6 = memref.alloc() : memref<32x96xf32>
  %a6d = memref.cast %a6 : memref<32x96xf32> to memref<?x?xf32>
  %b6d = memref.cast %b6 : memref<32x96xf32> to memref<?x?xf32>
  func.call @fill2(%a6d, %c5) : (memref<?x?xf32>, index) -> ()
  func.call @fill2(%b6d, %c11) : (memref<?x?xf32>, index) -> ()
  %a6h = memref.alloc() : memref<32x96xbf16>
  %b6h = memref.alloc() : memref<32x96xbf16>
  linalg.generic {indexing_maps = [#id2, #id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%a6, %b6 : memref<32x96xf32>, memref<32x96xf32>) outs(%a6h, %b6h : memref<32x96xbf16>, memref<32x96xbf16>) {
  ^bb0(%x: f32, %y: f32, %o: bf16, %p: bf16):
    %xh = arith.truncf %x : f32 to bf16
    %yh = arith.truncf %y : f32 to bf16
    linalg.yield %xh, %yh : bf16, bf16
  }
  %c6 = memref.alloc() : memref<32x32xf32>
  linalg.fill ins(%half : f32) outs(%c6 : memref<32x32xf32>)
  linalg.generic {indexing_maps = [#ak, #bt, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a6h, %b6h : memref<32x96xbf16>, memref<32x96xbf16>) outs(%c6 : memref<32x32xf32>) {
  ^bb0(%x: bf16, %y: bf16, %o: f32):
    %xw = arith.extf %x : bf16 to f32
    %yw = arith.extf %y : bf16 to f32
    %p = arith.mulf %xw, %yw : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  %c6u = memref.cast %c6 : memref<32x32xf32> to memref<*xf32>
  func.call @printMemrefF32(%c6u) : (memref<*xf32>) -> ()

  // f32 operands with K last ([M, K] and [N, K]): tf32 copies both 16
  // bytes at a time into two stages, four chunks of 16; three warp rows
  // and a spare warp.
  %a7 = memref.alloc() : memref<48x64xf32>
  %b7 = memref.alloc() : memref<32x64xf32>
  %a7d = memref.cast %a7 : memref<48x64xf32> to memref<?x?xf32>
  %b7d = memref.cast %b7 : memref<32x64xf32> to memref<?x?xf32>
  func.call @fill2(%a7d, %c3) : (memref<?x?xf32>, index) -> ()
  func.call @fill2(%b7d, %c11) : (memref<?x?xf32>, index) -> ()
  %c7 = memref.alloc() : memref<48x32xf32>
  linalg.fill ins(%zero : f32) outs(%c7 : memref<48x32xf32>)
  linalg.generic {indexing_maps = [#ak, #bt, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a7, %b7 : memref<48x64xf32>, memref<32x64xf32>) outs(%c7 : memref<48x32xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  %c7u = memref.cast %c7 : memref<48x32xf32> to memref<*xf32>
  func.call @printMemrefF32(%c7u) : (memref<*xf32>) -> ()

  // bf16 operands, B [K, N] (k-major: ldmatrix.trans): 2 x 2 warps of one
  // M tile by four N tiles (x4 loads), a partial third block row, K in two
  // chunks through both stages.
  %a8 = memref.alloc() : memref<80x64xf32>
  %b8 = memref.alloc() : memref<64x64xf32>
  %a8d = memref.cast %a8 : memref<80x64xf32> to memref<?x?xf32>
  %b8d = memref.cast %b8 : memref<64x64xf32> to memref<?x?xf32>
  func.call @fill2(%a8d, %c11) : (memref<?x?xf32>, index) -> ()
  func.call @fill2(%b8d, %c5) : (memref<?x?xf32>, index) -> ()
  %a8h = memref.alloc() : memref<80x64xbf16>
  %b8h = memref.alloc() : memref<64x64xbf16>
  %a8c = memref.cast %a8h : memref<80x64xbf16> to memref<?x?xbf16>
  func.call @toBF16(%a8d, %a8c) : (memref<?x?xf32>, memref<?x?xbf16>) -> ()
  %b8c = memref.cast %b8h : memref<64x64xbf16> to memref<?x?xbf16>
  func.call @toBF16(%b8d, %b8c) : (memref<?x?xf32>, memref<?x?xbf16>) -> ()
  %c8 = memref.alloc() : memref<80x64xf32>
  linalg.fill ins(%half : f32) outs(%c8 : memref<80x64xf32>)
  linalg.generic {indexing_maps = [#ak, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a8h, %b8h : memref<80x64xbf16>, memref<64x64xbf16>) outs(%c8 : memref<80x64xf32>) {
  ^bb0(%x: bf16, %y: bf16, %o: f32):
    %xw = arith.extf %x : bf16 to f32
    %yw = arith.extf %y : bf16 to f32
    %p = arith.mulf %xw, %yw : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  %c8u = memref.cast %c8 : memref<80x64xf32> to memref<*xf32>
  func.call @printMemrefF32(%c8u) : (memref<*xf32>) -> ()

  // The same with one N tile per warp (an x2 ldmatrix.trans) and K in
  // three chunks of 16.
  %a9 = memref.alloc() : memref<32x48xf32>
  %b9 = memref.alloc() : memref<48x24xf32>
  %a9d = memref.cast %a9 : memref<32x48xf32> to memref<?x?xf32>
  %b9d = memref.cast %b9 : memref<48x24xf32> to memref<?x?xf32>
  func.call @fill2(%a9d, %c3) : (memref<?x?xf32>, index) -> ()
  func.call @fill2(%b9d, %c11) : (memref<?x?xf32>, index) -> ()
  %a9h = memref.alloc() : memref<32x48xbf16>
  %b9h = memref.alloc() : memref<48x24xbf16>
  %a9c = memref.cast %a9h : memref<32x48xbf16> to memref<?x?xbf16>
  %b9c = memref.cast %b9h : memref<48x24xbf16> to memref<?x?xbf16>
  func.call @toBF16(%a9d, %a9c) : (memref<?x?xf32>, memref<?x?xbf16>) -> ()
  func.call @toBF16(%b9d, %b9c) : (memref<?x?xf32>, memref<?x?xbf16>) -> ()
  %c9 = memref.alloc() : memref<32x24xf32>
  linalg.fill ins(%zero : f32) outs(%c9 : memref<32x24xf32>)
  linalg.generic {indexing_maps = [#ak, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a9h, %b9h : memref<32x48xbf16>, memref<48x24xbf16>) outs(%c9 : memref<32x24xf32>) {
  ^bb0(%x: bf16, %y: bf16, %o: f32):
    %xw = arith.extf %x : bf16 to f32
    %yw = arith.extf %y : bf16 to f32
    %p = arith.mulf %xw, %yw : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  %c9u = memref.cast %c9 : memref<32x24xf32> to memref<*xf32>
  func.call @printMemrefF32(%c9u) : (memref<*xf32>) -> ()
  return
}

func.func @toBF16(%x: memref<?x?xf32>, %y: memref<?x?xbf16>) {
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%x : memref<?x?xf32>) outs(%y : memref<?x?xbf16>) {
  ^bb0(%v: f32, %o: bf16):
    %h = arith.truncf %v : f32 to bf16
    linalg.yield %h : bf16
  }
  return
}
