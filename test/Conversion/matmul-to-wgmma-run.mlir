// hrm-matmul-to-wgmma{emulate} builds the kernels' blocks and threads as
// host loops: each thread copies its share of the operand tiles into the
// shared-memory layout, and each accumulator is computed by reading the
// tiles back through the wgmma matrix descriptors (start address, leading
// and stride byte offsets) as the PTX ISA defines them. Run on the CPU, they
// give the linalg ops' numbers, so the copy layout, the descriptors and the
// accumulator coordinates agree. The operands are small integers, exact in
// bf16, so the outputs match to the bit.
// DEFINE: %{lower} = hrm-opt --convert-linalg-to-loops --lower-affine --arith-expand=include-bf16=true --convert-vector-to-scf --convert-scf-to-cf --expand-strided-metadata --finalize-memref-to-llvm --convert-to-llvm --reconcile-unrealized-casts | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | sed -e 's/base@ = 0x[0-9a-f]*//'
// RUN: hrm-opt %s --hrm-matmul-to-wgmma=emulate | %{lower} > %t.wgmma
// RUN: hrm-opt %s | %{lower} > %t.ref
// RUN: FileCheck %s < %t.ref
// RUN: diff %t.ref %t.wgmma
// Every contraction was rewritten (the comparison is not vacuous).
// RUN: hrm-opt %s --hrm-matmul-to-wgmma=emulate | FileCheck %s --check-prefix=REWRITTEN
// REWRITTEN-LABEL: func.func @main
// REWRITTEN-NOT: linalg.matmul
// REWRITTEN-NOT: linalg.batch_matmul
// REWRITTEN-NOT: iterator_types = ["parallel", "parallel", "reduction"]
// REWRITTEN: return

// CHECK-COUNT-5: rank =
// CHECK-NOT: rank =

#id2 = affine_map<(i, j) -> (i, j)>
#id3 = affine_map<(i, j, k) -> (i, j, k)>
#at = affine_map<(m, n, k) -> (k, m)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>
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

#bt = affine_map<(m, n, k) -> (n, k)>
#a = affine_map<(m, n, k) -> (m, k)>

// bf16 copies of x: K-contiguous operands take the 16-byte copy path.
func.func @to_bf16(%x: memref<?x?xf32>, %y: memref<?x?xbf16>) {
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%x : memref<?x?xf32>) outs(%y : memref<?x?xbf16>) {
  ^bb0(%v: f32, %o: bf16):
    %h = arith.truncf %v : f32 to bf16
    linalg.yield %h : bf16
  }
  return
}

func.func @main() {
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %c11 = arith.constant 11 : index
  %half = arith.constant 1.5 : f32
  %zero = arith.constant 0.0 : f32

  // A fill and a matmul: two blocks along M, one 64-wide tile along N, two
  // K steps in one chunk of 32.
  %a = memref.alloc() : memref<128x32xf32>
  %b = memref.alloc() : memref<32x64xf32>
  %c = memref.alloc() : memref<128x64xf32>
  %ad = memref.cast %a : memref<128x32xf32> to memref<?x?xf32>
  %bd = memref.cast %b : memref<32x64xf32> to memref<?x?xf32>
  func.call @fill2(%ad, %c3) : (memref<?x?xf32>, index) -> ()
  func.call @fill2(%bd, %c5) : (memref<?x?xf32>, index) -> ()
  linalg.fill ins(%half : f32) outs(%c : memref<128x64xf32>)
  linalg.matmul ins(%a, %b : memref<128x32xf32>, memref<32x64xf32>) outs(%c : memref<128x64xf32>)
  %cu = memref.cast %c : memref<128x64xf32> to memref<*xf32>
  func.call @printMemrefF32(%cu) : (memref<*xf32>) -> ()

  // Accumulating into the output's values: 8-wide tiles (three blocks
  // along N, fewer copies than threads), three chunks of 16 along K.
  %a2 = memref.alloc() : memref<64x48xf32>
  %b2 = memref.alloc() : memref<48x24xf32>
  %c2 = memref.alloc() : memref<64x24xf32>
  %a2d = memref.cast %a2 : memref<64x48xf32> to memref<?x?xf32>
  %b2d = memref.cast %b2 : memref<48x24xf32> to memref<?x?xf32>
  %c2d = memref.cast %c2 : memref<64x24xf32> to memref<?x?xf32>
  func.call @fill2(%a2d, %c5) : (memref<?x?xf32>, index) -> ()
  func.call @fill2(%b2d, %c3) : (memref<?x?xf32>, index) -> ()
  func.call @fill2(%c2d, %c11) : (memref<?x?xf32>, index) -> ()
  linalg.matmul ins(%a2, %b2 : memref<64x48xf32>, memref<48x24xf32>) outs(%c2 : memref<64x24xf32>)
  %c2u = memref.cast %c2 : memref<64x24xf32> to memref<*xf32>
  func.call @printMemrefF32(%c2u) : (memref<*xf32>) -> ()

  // A batch: blockIdx.z.
  %a3 = memref.alloc() : memref<3x64x16xf32>
  %b3 = memref.alloc() : memref<3x16x16xf32>
  %c3b = memref.alloc() : memref<3x64x16xf32>
  %a3d = memref.cast %a3 : memref<3x64x16xf32> to memref<?x?x?xf32>
  %b3d = memref.cast %b3 : memref<3x16x16xf32> to memref<?x?x?xf32>
  func.call @fill3(%a3d) : (memref<?x?x?xf32>) -> ()
  func.call @fill3(%b3d) : (memref<?x?x?xf32>) -> ()
  linalg.fill ins(%zero : f32) outs(%c3b : memref<3x64x16xf32>)
  linalg.batch_matmul ins(%a3, %b3 : memref<3x64x16xf32>, memref<3x16x16xf32>) outs(%c3b : memref<3x64x16xf32>)
  %c3u = memref.cast %c3b : memref<3x64x16xf32> to memref<*xf32>
  func.call @printMemrefF32(%c3u) : (memref<*xf32>) -> ()

  // A read transposed (A^T B, as in a weight gradient).
  %at = memref.alloc() : memref<32x64xf32>
  %atd = memref.cast %at : memref<32x64xf32> to memref<?x?xf32>
  func.call @fill2(%atd, %c11) : (memref<?x?xf32>, index) -> ()
  %c4 = memref.alloc() : memref<64x64xf32>
  linalg.fill ins(%zero : f32) outs(%c4 : memref<64x64xf32>)
  linalg.generic {indexing_maps = [#at, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%at, %b : memref<32x64xf32>, memref<32x64xf32>) outs(%c4 : memref<64x64xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  %c4u = memref.cast %c4 : memref<64x64xf32> to memref<*xf32>
  func.call @printMemrefF32(%c4u) : (memref<*xf32>) -> ()

  // bf16 operands with K last (x W^T, as hrm-bf16-matmul-operands stores
  // them): copied 16 bytes at a time (cp.async) into two stages, three
  // chunks of 64 (four K steps each), two blocks along M.
  %a5 = memref.alloc() : memref<128x192xf32>
  %w5 = memref.alloc() : memref<32x192xf32>
  %a5d = memref.cast %a5 : memref<128x192xf32> to memref<?x?xf32>
  %w5d = memref.cast %w5 : memref<32x192xf32> to memref<?x?xf32>
  func.call @fill2(%a5d, %c3) : (memref<?x?xf32>, index) -> ()
  func.call @fill2(%w5d, %c11) : (memref<?x?xf32>, index) -> ()
  %a5h = memref.alloc() : memref<128x192xbf16>
  %w5h = memref.alloc() : memref<32x192xbf16>
  %a5hd = memref.cast %a5h : memref<128x192xbf16> to memref<?x?xbf16>
  %w5hd = memref.cast %w5h : memref<32x192xbf16> to memref<?x?xbf16>
  func.call @to_bf16(%a5d, %a5hd) : (memref<?x?xf32>, memref<?x?xbf16>) -> ()
  func.call @to_bf16(%w5d, %w5hd) : (memref<?x?xf32>, memref<?x?xbf16>) -> ()
  %c5b = memref.alloc() : memref<128x32xf32>
  linalg.fill ins(%zero : f32) outs(%c5b : memref<128x32xf32>)
  linalg.generic {indexing_maps = [#a, #bt, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a5h, %w5h : memref<128x192xbf16>, memref<32x192xbf16>) outs(%c5b : memref<128x32xf32>) {
  ^bb0(%x: bf16, %y: bf16, %o: f32):
    %xf = arith.extf %x : bf16 to f32
    %yf = arith.extf %y : bf16 to f32
    %p = arith.mulf %xf, %yf : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  %c5u = memref.cast %c5b : memref<128x32xf32> to memref<*xf32>
  func.call @printMemrefF32(%c5u) : (memref<*xf32>) -> ()
  return
}
