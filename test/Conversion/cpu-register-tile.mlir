// RUN: hrm-opt %s --split-input-file --hrm-cpu-register-tile="rows=2 vectors=2 width=4" | FileCheck %s
// RUN: not hrm-opt %s --split-input-file --hrm-cpu-register-tile="rows=0" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: hrm-opt %s --split-input-file --hrm-cpu-register-tile="rows=2 vectors=2 width=4" --remarks-filter=hrm-cpu-register-tile -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
// What the pass did, where, and (missed) why not: one remark each.
// REMARK: cpu-register-tile.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] register-tile | Category:hrm-cpu-register-tile | Function=filled | fill-folded=yes, m=4, n=8, panel-columns=0, panel-copied=no, tile-m=2, tile-n=8
// REMARK: cpu-register-tile.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] register-tile | Category:hrm-cpu-register-tile | Function=residual_with_tails | fill-folded=no, m=3, n=13, panel-columns=0, panel-copied=no, tile-m=2, tile-n=8
// REMARK: cpu-register-tile.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] register-tile | Category:hrm-cpu-register-tile | Function=batched | fill-folded=no, m=2, n=8, panel-columns=0, panel-copied=no, tile-m=2, tile-n=8
// REMARK: cpu-register-tile.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Missed] register-tile | Category:hrm-cpu-register-tile | Function=left_alone | Reason="an input that varies along the output's last dimension is contiguous along the reduction (a row reduction, or a transposed matmul operand)", Remark="left to convert-linalg-to-loops"
// REMARK: cpu-register-tile.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Missed] register-tile | Category:hrm-cpu-register-tile | Function=left_alone | Reason="an input that varies along the output's last dimension is contiguous along the reduction (a row reduction, or a transposed matmul operand)", Remark="left to convert-linalg-to-loops"
// REMARK: cpu-register-tile.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Missed] register-tile | Category:hrm-cpu-register-tile | Function=left_alone | Reason="an input is a view of the output", Remark="left to convert-linalg-to-loops"
// REMARK: cpu-register-tile.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Missed] register-tile | Category:hrm-cpu-register-tile | Function=left_alone | Reason="the body reads loop indices", Remark="left to convert-linalg-to-loops"
// REMARK: cpu-register-tile.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Missed] register-tile | Category:hrm-cpu-register-tile | Function=left_alone | Reason="an output element is written by more than one iteration", Remark="left to convert-linalg-to-loops"
// REMARK: cpu-register-tile.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] register-tile | Category:hrm-cpu-register-tile | Function=panels | fill-folded=no, m=4, n=32, panel-columns=0, panel-copied=no, tile-m=2, tile-n=8
// REMARK-NOT: remark:
// RUN: hrm-opt %s --split-input-file --hrm-cpu-register-tile="rows=2 vectors=2 width=4 cache-bytes=256" --remarks-filter=hrm-cpu-register-tile -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK-PANEL
// REMARK-PANEL: Function=panels | fill-folded=no, m=4, n=32, panel-columns=16, panel-copied=yes, tile-m=2, tile-n=8
// BAD: rows, vectors and width must be positive

#a = affine_map<(i, k, j) -> (i, k)>
#b = affine_map<(i, k, j) -> (k, j)>
#c = affine_map<(i, k, j) -> (i, j)>

// A filled 4 x 8 output: tiles of 2 rows x 2 vectors of 4. The fill
// becomes the accumulators' start; per step of k, one scalar of A per row
// (broadcast), one vector of B per column block, then the body on vectors;
// the tile is stored once after the reduction.
// CHECK-LABEL: func.func @filled
// CHECK-SAME: (%[[A:.*]]: memref<4x3xf32>, %[[B:.*]]: memref<3x8xf32>, %[[C:.*]]: memref<4x8xf32>)
// CHECK-NOT: linalg.fill
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK: scf.for %[[I:.*]] = %[[C0]] to %[[C4]] step %{{.*}} {
// CHECK-NEXT: %[[S:.*]] = vector.broadcast %[[ZERO]] : f32 to vector<4xf32>
// CHECK-NEXT: %[[SUMS:.*]]:4 = scf.for %[[K:.*]] = %{{.*}} iter_args(%[[C00:.*]] = %[[S]], %[[C01:.*]] = %[[S]], %[[C10:.*]] = %[[S]], %[[C11:.*]] = %[[S]]) -> (vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>)
// CHECK-NEXT: %[[A0:.*]] = memref.load %[[A]][%[[I]], %[[K]]]
// CHECK-NEXT: %[[A0V:.*]] = vector.broadcast %[[A0]] : f32 to vector<4xf32>
// CHECK-NEXT: %[[I1:.*]] = arith.addi %[[I]], %[[C1]] : index
// CHECK-NEXT: %[[A1:.*]] = memref.load %[[A]][%[[I1]], %[[K]]]
// CHECK-NEXT: %[[A1V:.*]] = vector.broadcast %[[A1]] : f32 to vector<4xf32>
// CHECK-NEXT: %[[B0:.*]] = vector.load %[[B]][%[[K]], %[[C0]]] : memref<3x8xf32>, vector<4xf32>
// CHECK-NEXT: %[[B1:.*]] = vector.load %[[B]][%[[K]], %[[C4]]] : memref<3x8xf32>, vector<4xf32>
// CHECK-NEXT: %[[M00:.*]] = arith.mulf %[[A0V]], %[[B0]] fastmath<contract> : vector<4xf32>
// CHECK-NEXT: %[[N00:.*]] = arith.addf %[[C00]], %[[M00]] fastmath<contract> : vector<4xf32>
// CHECK-NEXT: %[[M01:.*]] = arith.mulf %[[A0V]], %[[B1]] fastmath<contract> : vector<4xf32>
// CHECK-NEXT: %[[N01:.*]] = arith.addf %[[C01]], %[[M01]] fastmath<contract> : vector<4xf32>
// CHECK-NEXT: %[[M10:.*]] = arith.mulf %[[A1V]], %[[B0]] fastmath<contract> : vector<4xf32>
// CHECK-NEXT: %[[N10:.*]] = arith.addf %[[C10]], %[[M10]] fastmath<contract> : vector<4xf32>
// CHECK-NEXT: %[[M11:.*]] = arith.mulf %[[A1V]], %[[B1]] fastmath<contract> : vector<4xf32>
// CHECK-NEXT: %[[N11:.*]] = arith.addf %[[C11]], %[[M11]] fastmath<contract> : vector<4xf32>
// CHECK-NEXT: scf.yield %[[N00]], %[[N01]], %[[N10]], %[[N11]] :
// CHECK-NEXT: }
// CHECK-NEXT: vector.store %[[SUMS]]#0, %[[C]][%[[I]], %[[C0]]]
// CHECK-NEXT: vector.store %[[SUMS]]#1, %[[C]][%[[I]], %[[C4]]]
// CHECK-NEXT: %[[I1S:.*]] = arith.addi %[[I]], %[[C1]]
// CHECK-NEXT: vector.store %[[SUMS]]#2, %[[C]][%[[I1S]], %[[C0]]]
// CHECK-NEXT: %[[I1T:.*]] = arith.addi %[[I]], %[[C1]]
// CHECK-NEXT: vector.store %[[SUMS]]#3, %[[C]][%[[I1T]], %[[C4]]]
// CHECK-NOT: linalg.generic
func.func @filled(%a: memref<4x3xf32>, %b: memref<3x8xf32>, %c: memref<4x8xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<4x8xf32>)
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%a, %b : memref<4x3xf32>, memref<3x8xf32>) outs(%c : memref<4x8xf32>) {
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

// Without a fill the accumulators start from the output. 3 x 13: a tile
// of two rows, then a single row; across, one tile of two vectors, one
// vector, then scalars.
// CHECK-LABEL: func.func @residual_with_tails
// CHECK-SAME: %[[C:[^:]*]]: memref<3x13xf32>)
// CHECK: vector.load %[[C]]{{.*}} : memref<3x13xf32>, vector<4xf32>
// CHECK: scf.for {{.*}} -> (vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>)
// CHECK: scf.for {{.*}} -> (vector<4xf32>, vector<4xf32>)
// CHECK: scf.for {{.*}} -> (f32, f32)
// CHECK: scf.for {{.*}} -> (vector<4xf32>, vector<4xf32>)
// CHECK: scf.for {{.*}} -> (vector<4xf32>)
// CHECK: memref.load %[[C]]
// CHECK: scf.for {{.*}} -> (f32)
// CHECK-NOT: linalg.generic
func.func @residual_with_tails(%a: memref<3x5xf32>, %b: memref<5x13xf32>, %c: memref<3x13xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%a, %b : memref<3x5xf32>, memref<5x13xf32>) outs(%c : memref<3x13xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#a = affine_map<(b, i, k, j) -> (b, i, k)>
#b = affine_map<(b, i, k, j) -> (b, k, j)>
#c = affine_map<(b, i, k, j) -> (b, i, j)>

// Other parallel dimensions (a batch) are loops around the tiles.
// CHECK-LABEL: func.func @batched
// CHECK: scf.for %[[BATCH:.*]] = %c0{{.*}} to %c3{{.*}} step %c1
// CHECK: scf.for {{.*}} -> (vector<4xf32>, vector<4xf32>, vector<4xf32>, vector<4xf32>)
// CHECK: memref.load %{{.*}}[%[[BATCH]],
func.func @batched(%a: memref<3x2x5xf32>, %b: memref<3x5x8xf32>, %c: memref<3x2x8xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
      ins(%a, %b : memref<3x2x5xf32>, memref<3x5x8xf32>) outs(%c : memref<3x2x8xf32>) {
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
#bt = affine_map<(i, k, j) -> (j, k)>
#c = affine_map<(i, k, j) -> (i, j)>
#row = affine_map<(i, j) -> (i, j)>
#sum = affine_map<(i, j) -> (i)>

// Left alone: an operand that is not contiguous along the output's
// columns; a reduction over the output's last axis; an input that is a
// view of the output; a body that reads its indices; a parallel loop
// that the output does not depend on (each element updated more than
// once).
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: vector.
// CHECK-COUNT-5: linalg.generic
// CHECK-NOT: vector.
func.func @left_alone(%a: memref<4x3xf32>, %bt: memref<8x3xf32>, %c: memref<4x8xf32>, %s: memref<4xf32>, %sq: memref<8x8xf32>, %b: memref<3x8xf32>, %a3: memref<2x4x3xf32>) {
  linalg.generic {indexing_maps = [#a, #bt, #c], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%a, %bt : memref<4x3xf32>, memref<8x3xf32>) outs(%c : memref<4x8xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#row, #sum], iterator_types = ["parallel", "reduction"]}
      ins(%c : memref<4x8xf32>) outs(%s : memref<4xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %r = arith.addf %acc, %x : f32
    linalg.yield %r : f32
  }
  %view = memref.subview %sq[0, 0] [8, 8] [1, 1] : memref<8x8xf32> to memref<8x8xf32, strided<[8, 1]>>
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%view, %sq : memref<8x8xf32, strided<[8, 1]>>, memref<8x8xf32>) outs(%sq : memref<8x8xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%a, %b : memref<4x3xf32>, memref<3x8xf32>) outs(%c : memref<4x8xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %k = linalg.index 1 : index
    %ki = arith.index_cast %k : index to i32
    %kf = arith.sitofp %ki : i32 to f32
    %m = arith.mulf %x, %kf : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [affine_map<(p, i, k, j) -> (p, i, k)>, affine_map<(p, i, k, j) -> (k, j)>, affine_map<(p, i, k, j) -> (i, j)>], iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
      ins(%a3, %b : memref<2x4x3xf32>, memref<3x8xf32>) outs(%c : memref<4x8xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A right-hand side larger than the cache budget (4 x 32 x 4 bytes against
// 256): panels of 16 columns (one tile of 2 x 4; 256 / (16 * 8)), each
// copied tile by tile into a contiguous buffer that the tiles then read.
// RUN: hrm-opt %s --split-input-file --hrm-cpu-register-tile="rows=2 vectors=2 width=4 cache-bytes=256" | FileCheck %s --check-prefix=PANEL
// CHECK-LABEL: func.func @panels
// PANEL-LABEL: func.func @panels
// PANEL-SAME: %[[A:[^:]*]]: memref<4x4xf32>, %[[B:[^:]*]]: memref<4x32xf32>
// PANEL: %[[BUF:.*]] = memref.alloc() {alignment = 64 : i64} : memref<2x4x8xf32>
// PANEL: scf.for %[[FIRST:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// PANEL: %[[END:.*]] = arith.minsi
// PANEL: scf.for %[[COL:.*]] = %[[FIRST]] to %[[END]] step
// PANEL: %[[T:.*]] = arith.divui
// PANEL: scf.for %[[K:.*]] =
// PANEL-NEXT: %[[V0:.*]] = vector.load %[[B]][%[[K]], %[[COL]]] : memref<4x32xf32>, vector<4xf32>
// PANEL-NEXT: vector.store %[[V0]], %[[BUF]][%[[T]], %[[K]], %{{.*}}] : memref<2x4x8xf32>, vector<4xf32>
// PANEL: vector.load %[[BUF]]
// PANEL-NOT: vector.load %[[B]]
// PANEL: memref.dealloc %[[BUF]] : memref<2x4x8xf32>
func.func @panels(%a: memref<4x4xf32>, %b: memref<4x32xf32>, %c: memref<4x32xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, k, j) -> (i, k)>, affine_map<(i, k, j) -> (k, j)>, affine_map<(i, k, j) -> (i, j)>], iterator_types = ["parallel", "reduction", "parallel"]} ins(%a, %b : memref<4x4xf32>, memref<4x32xf32>) outs(%c : memref<4x32xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  }
  return
}
