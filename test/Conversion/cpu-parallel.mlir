// RUN: hrm-opt %s --split-input-file --hrm-cpu-parallel="min-iterations=4096 chunks=4" | FileCheck %s
// RUN: hrm-opt %s --split-input-file --hrm-cpu-parallel | FileCheck %s --check-prefix=DEFAULT
// RUN: not hrm-opt %s --split-input-file --hrm-cpu-parallel="chunks=1" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: hrm-opt %s --split-input-file --hrm-cpu-parallel="min-iterations=4096 chunks=4" --remarks-filter=hrm-cpu-parallel -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
// What the pass did, where, and (missed) why not: one remark each.
// REMARK: cpu-parallel.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] split | Category:hrm-cpu-parallel | Function=matmul | chunks=4, dims=1
// REMARK: cpu-parallel.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] split | Category:hrm-cpu-parallel | Function=matmul_rows_of_tiles | chunks=2, dims=1
// REMARK: cpu-parallel.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] split | Category:hrm-cpu-parallel | Function=causal_mask | chunks=4, dims=2
// REMARK: cpu-parallel.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] split | Category:hrm-cpu-parallel | Function=row_sum | chunks=4, dims=1
// REMARK: cpu-parallel.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] split | Category:hrm-cpu-parallel | Function=columns | chunks=4, dims=1
// REMARK: cpu-parallel.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] split | Category:hrm-cpu-parallel | Function=columns | chunks=4, dims=1
// REMARK-NOT: remark:
// BAD: hrm-cpu-parallel: chunks must be at least 2

#a = affine_map<(i, k, j) -> (i, k)>
#b = affine_map<(i, k, j) -> (k, j)>
#c = affine_map<(i, k, j) -> (i, j)>

// A 64 x 32 x 32 matmul (65536 iterations): 4 chunks of 16 output rows.
// The fill of the output moves into the chunk, on the same view, where
// hrm-cpu-register-tile folds it; B, which does not depend on the rows,
// is passed whole.
// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%[[A:.*]]: memref<64x32xf32>, %[[B:.*]]: memref<32x32xf32>, %[[C:.*]]: memref<64x32xf32>)
// CHECK-NOT: linalg.fill
// CHECK: scf.parallel (%[[CH:.*]]) = (%{{.*}}) to (%[[C4:.*]]) step
// CHECK: %[[ROW:.*]] = arith.muli %[[CH]], %[[C16:.*]] : index
// CHECK-NEXT: %[[AV:.*]] = memref.subview %[[A]][%[[ROW]], 0] [16, 32] [1, 1]
// CHECK-NEXT: %[[CV:.*]] = memref.subview %[[C]][%[[ROW]], 0] [16, 32] [1, 1]
// CHECK-NEXT: linalg.fill ins(%{{.*}} : f32) outs(%[[CV]] :
// CHECK-NEXT: linalg.generic
// CHECK-SAME: ins(%[[AV]], %[[B]] : memref<16x32xf32, strided<[32, 1], offset: ?>>, memref<32x32xf32>) outs(%[[CV]] :
// CHECK: scf.reduce
// CHECK-NOT: linalg.
// CHECK: return
// DEFAULT-LABEL: func.func @matmul
// DEFAULT: scf.parallel
func.func @matmul(%a: memref<64x32xf32>, %b: memref<32x32xf32>, %c: memref<64x32xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<64x32xf32>)
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%a, %b : memref<64x32xf32>, memref<32x32xf32>) outs(%c : memref<64x32xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#a = affine_map<(i, k, j) -> (i, k)>
#b = affine_map<(i, k, j) -> (k, j)>
#c = affine_map<(i, k, j) -> (i, j)>

// A chunk of a matmul's rows is a whole number of 4-row register tiles:
// 8 rows make two chunks, not four.
// CHECK-LABEL: func.func @matmul_rows_of_tiles
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%[[C2:.*]]) step
// CHECK: memref.subview %{{.*}}[%{{.*}}, 0] [4, 1024] [1, 1]
// DEFAULT-LABEL: func.func @matmul_rows_of_tiles
// DEFAULT-NOT: scf.parallel
// DEFAULT: return
func.func @matmul_rows_of_tiles(%a: memref<8x1024xf32>, %b: memref<1024x1xf32>, %c: memref<8x1xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%a, %b : memref<8x1024xf32>, memref<1024x1xf32>) outs(%c : memref<8x1xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#id = affine_map<(h, i, j) -> (h, i, j)>

// Split are the outer loops first: 2 chunks of the 2 heads, then 2 of the
// rows, in a 2-d scf.parallel. linalg.index of a split loop counts from the
// chunk's start, so the chunk's offset is added back; an unsplit loop's
// index is left as it is.
// CHECK-LABEL: func.func @causal_mask
// CHECK: scf.parallel (%[[H:.*]], %[[I:.*]]) = (%{{.*}}, %{{.*}}) to (%{{.*}}, %{{.*}}) step
// CHECK: %[[H0:.*]] = arith.muli %[[H]], %{{.*}} : index
// CHECK: %[[I0:.*]] = arith.muli %[[I]], %{{.*}} : index
// CHECK: memref.subview %{{.*}}[%[[H0]], %[[I0]], 0] [1, 32, 64] [1, 1, 1]
// CHECK: memref.subview %{{.*}}[%[[H0]], %[[I0]], 0] [1, 32, 64] [1, 1, 1]
// CHECK: linalg.generic
// CHECK: %[[LI:.*]] = linalg.index 1 : index
// CHECK-NEXT: %[[GI:.*]] = arith.addi %[[LI]], %[[I0]] : index
// CHECK-NEXT: %[[LJ:.*]] = linalg.index 2 : index
// CHECK-NEXT: arith.cmpi ugt, %[[LJ]], %[[GI]] : index
func.func @causal_mask(%s: memref<2x64x64xf32>, %p: memref<2x64x64xf32>) {
  %ninf = arith.constant 0xFF800000 : f32
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s : memref<2x64x64xf32>) outs(%p : memref<2x64x64xf32>) {
  ^bb0(%x: f32, %out: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %future = arith.cmpi ugt, %j, %i : index
    %v = arith.select %future, %ninf, %x : f32
    linalg.yield %v : f32
  }
  return
}

// -----

#in = affine_map<(r, c, k) -> (r, c, k)>
#out = affine_map<(r, c, k) -> (r, c)>

// A reduction that is not a contraction has no register tile to keep
// whole: its rows split one by one.
// CHECK-LABEL: func.func @row_sum
// CHECK: scf.parallel
// CHECK: memref.subview %{{.*}}[%{{.*}}, 0, 0] [1, 64, 64] [1, 1, 1]
// CHECK: memref.subview %{{.*}}[%{{.*}}, 0] [1, 64] [1, 1]
func.func @row_sum(%x: memref<4x64x64xf32>, %sum: memref<4x64xf32>) {
  linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x : memref<4x64x64xf32>) outs(%sum : memref<4x64xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %s = arith.addf %acc, %v : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A chunk of the output's last axis is a whole number of 16-element
// vectors: 4 rows make 4 chunks by themselves; 1 row x 4096 columns makes
// 4 chunks of 1024 columns; 1 x 4104 columns cannot split at all.
// CHECK-LABEL: func.func @columns
// CHECK: memref.subview %{{.*}}[%{{.*}}, 0] [1, 1024] [1, 1]
// CHECK: memref.subview %{{.*}}[0, %{{.*}}] [1, 1024] [1, 1]
// CHECK-NOT: scf.parallel
// CHECK: return
func.func @columns(%a: memref<4x1024xf32>, %b: memref<4x1024xf32>,
                   %c: memref<1x4096xf32>, %d: memref<1x4096xf32>,
                   %e: memref<1x4104xf32>, %f: memref<1x4104xf32>) {
  linalg.copy ins(%a : memref<4x1024xf32>) outs(%b : memref<4x1024xf32>)
  linalg.copy ins(%c : memref<1x4096xf32>) outs(%d : memref<1x4096xf32>)
  linalg.copy ins(%e : memref<1x4104xf32>) outs(%f : memref<1x4104xf32>)
  return
}

// -----

// Left whole: an op below min-iterations, one with results (on tensors),
// one with a dynamic shape, one that reads its output through another
// view (chunks would read what other chunks write), one with two outputs
// in one buffer, and one already inside a parallel loop.
// CHECK-LABEL: func.func @left_whole
// CHECK-NOT: scf.parallel
// CHECK: scf.parallel
// CHECK-NEXT: linalg.fill
// CHECK-NEXT: scf.reduce
func.func @left_whole(%small: memref<8x8xf32>, %t: tensor<64x128xf32>,
                      %dyn: memref<?x4096xf32>, %buf: memref<64x128xf32>,
                      %big: memref<64x128xf32>) -> tensor<64x128xf32> {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%small : memref<8x8xf32>)
  %r = linalg.fill ins(%zero : f32) outs(%t : tensor<64x128xf32>) -> tensor<64x128xf32>
  linalg.fill ins(%zero : f32) outs(%dyn : memref<?x4096xf32>)
  %tr = memref.transpose %buf (i, j) -> (j, i) : memref<64x128xf32> to memref<128x64xf32, strided<[1, 128]>>
  %sq = memref.subview %tr[0, 0] [64, 64] [1, 1] : memref<128x64xf32, strided<[1, 128]>> to memref<64x64xf32, strided<[1, 128]>>
  %out = memref.subview %buf[0, 0] [64, 64] [1, 1] : memref<64x128xf32> to memref<64x64xf32, strided<[128, 1]>>
  linalg.copy ins(%sq : memref<64x64xf32, strided<[1, 128]>>) outs(%out : memref<64x64xf32, strided<[128, 1]>>)
  %lo = memref.subview %buf[0, 0] [64, 64] [1, 1] : memref<64x128xf32> to memref<64x64xf32, strided<[128, 1]>>
  %hi = memref.subview %buf[0, 64] [64, 64] [1, 1] : memref<64x128xf32> to memref<64x64xf32, strided<[128, 1], offset: 64>>
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      outs(%lo, %hi : memref<64x64xf32, strided<[128, 1]>>, memref<64x64xf32, strided<[128, 1], offset: 64>>) {
  ^bb0(%x: f32, %y: f32):
    linalg.yield %zero, %zero : f32, f32
  }
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.parallel (%i) = (%c0) to (%c1) step (%c1) {
    linalg.fill ins(%zero : f32) outs(%big : memref<64x128xf32>)
    scf.reduce
  }
  return %r : tensor<64x128xf32>
}
