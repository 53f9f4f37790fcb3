// RUN: hrm-opt %s --split-input-file --hrm-fuse-row-consumers | FileCheck %s
// RUN: hrm-opt %s --split-input-file --hrm-fuse-row-consumers --remarks-filter=hrm-fuse-row-consumers -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
// What the pass did, where, and (missed) why not: one remark each.
// REMARK: fuse-row-consumers.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] row-consumer | Category:hrm-fuse-row-consumers | Function=rmsnorm_like |
// REMARK-NOT: remark:

// A row loop storing each row's value, then a consumer reading it
// broadcast along the row and writing in place of the row loop's input:
// the consumer moves into the row loop after the store, taking the value
// from the register.
// CHECK-LABEL: func.func @rmsnorm_like
// CHECK: scf.parallel (%[[B:.*]], %[[S:.*]]) =
// CHECK: %[[SUM:.*]] = scf.for
// CHECK: memref.store %[[SUM]], %[[ROWS:.*]][%[[B]], %[[S]]]
// CHECK: scf.for %[[D:.*]] =
// CHECK: %[[X:.*]] = memref.load %[[IN:.*]][%[[B]], %[[S]], %[[D]]]
// CHECK: %[[Y:.*]] = arith.mulf %[[X]], %[[SUM]]
// CHECK: memref.store %[[Y]], %[[IN]][%[[B]], %[[S]], %[[D]]]
// CHECK: scf.reduce
// CHECK-NOT: linalg.generic
#id3 = affine_map<(i, j, k) -> (i, j, k)>
#row = affine_map<(i, j, k) -> (i, j)>
func.func @rmsnorm_like(%x: memref<2x3x4xf32>, %sums: memref<2x3xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%b, %s) = (%c0, %c0) to (%c2, %c3) step (%c1, %c1) {
    %sum = scf.for %d = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> (f32) {
      %v = memref.load %x[%b, %s, %d] : memref<2x3x4xf32>
      %sq = arith.mulf %v, %v : f32
      %next = arith.addf %acc, %sq : f32
      scf.yield %next : f32
    }
    memref.store %sum, %sums[%b, %s] : memref<2x3xf32>
    scf.reduce
  }
  linalg.generic {indexing_maps = [#id3, #row, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %sums : memref<2x3x4xf32>, memref<2x3xf32>) outs(%x : memref<2x3x4xf32>) {
  ^bb0(%v: f32, %sum: f32, %o: f32):
    %y = arith.mulf %v, %sum : f32
    linalg.yield %y : f32
  }
  return
}

// -----

// Left alone: the consumer writes a buffer the row loop reads in other
// rows (a view of it), reads the row values through another map, or has a
// reduction; and a row loop whose store is not at its loop variables.
// CHECK-LABEL: func.func @left_alone
// CHECK-COUNT-4: linalg.generic
#id3 = affine_map<(i, j, k) -> (i, j, k)>
#row = affine_map<(i, j, k) -> (i, j)>
#col = affine_map<(i, j, k) -> (j, i)>
func.func @left_alone(%x: memref<2x3x4xf32>, %sums: memref<2x3xf32>, %t: memref<3x2xf32>, %o: memref<2x3x4xf32>, %r: memref<2x3xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %zero = arith.constant 0.0 : f32
  // Writes through a collapsed view of what the row loop reads.
  scf.parallel (%b, %s) = (%c0, %c0) to (%c2, %c3) step (%c1, %c1) {
    %v = memref.load %x[%b, %s, %c0] : memref<2x3x4xf32>
    memref.store %v, %sums[%b, %s] : memref<2x3xf32>
    scf.reduce
  }
  %flat = memref.collapse_shape %x [[0], [1, 2]] : memref<2x3x4xf32> into memref<2x12xf32>
  %view = memref.expand_shape %flat [[0], [1, 2]] output_shape [2, 3, 4] : memref<2x12xf32> into memref<2x3x4xf32>
  linalg.generic {indexing_maps = [#row, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%sums : memref<2x3xf32>) outs(%view : memref<2x3x4xf32>) {
  ^bb0(%sum: f32, %out: f32):
    linalg.yield %sum : f32
  }
  // Reads the row values transposed.
  scf.parallel (%b, %s) = (%c0, %c0) to (%c3, %c2) step (%c1, %c1) {
    memref.store %zero, %t[%b, %s] : memref<3x2xf32>
    scf.reduce
  }
  linalg.generic {indexing_maps = [#col, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%t : memref<3x2xf32>) outs(%o : memref<2x3x4xf32>) {
  ^bb0(%v: f32, %out: f32):
    linalg.yield %v : f32
  }
  // A consumer with a reduction.
  scf.parallel (%b, %s) = (%c0, %c0) to (%c2, %c3) step (%c1, %c1) {
    memref.store %zero, %sums[%b, %s] : memref<2x3xf32>
    scf.reduce
  }
  linalg.generic {indexing_maps = [#row, #id3, #row], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%sums, %x : memref<2x3xf32>, memref<2x3x4xf32>) outs(%r : memref<2x3xf32>) {
  ^bb0(%v: f32, %w: f32, %out: f32):
    %y = arith.addf %v, %w : f32
    linalg.yield %y : f32
  }
  // The store is not at the loop variables (a transposed write).
  scf.parallel (%b, %s) = (%c0, %c0) to (%c2, %c3) step (%c1, %c1) {
    memref.store %zero, %t[%s, %b] : memref<3x2xf32>
    scf.reduce
  }
  linalg.generic {indexing_maps = [#col, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%t : memref<3x2xf32>) outs(%o : memref<2x3x4xf32>) {
  ^bb0(%v: f32, %out: f32):
    linalg.yield %v : f32
  }
  return
}
