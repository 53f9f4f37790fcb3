// RUN: hrm-opt %s --split-input-file --hrm-accumulate-in-registers | FileCheck %s
// RUN: hrm-opt %s --split-input-file --hrm-accumulate-in-registers --remarks-filter=hrm-accumulate-in-registers -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
// What the pass did, where, and (missed) why not: one remark each.
// REMARK: accumulate-in-registers.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] register-accumulation | Category:hrm-accumulate-in-registers | Function=matmul | fill-folded=yes, reduced-loops=1
// REMARK: accumulate-in-registers.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] register-accumulation | Category:hrm-accumulate-in-registers | Function=generic_two_reductions | fill-folded=yes, reduced-loops=2
// REMARK: accumulate-in-registers.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] register-accumulation | Category:hrm-accumulate-in-registers | Function=from_output | fill-folded=no, reduced-loops=1
// REMARK: accumulate-in-registers.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] register-accumulation | Category:hrm-accumulate-in-registers | Function=from_output | fill-folded=no, reduced-loops=1
// REMARK-NOT: remark:

// A zero fill and the matmul into it: one parallel loop over the output,
// the reduction carried in a register from the fill's value, one store.
// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%[[A:.*]]: memref<4x8xf32>, %[[B:.*]]: memref<8x6xf32>, %[[C:.*]]: memref<4x6xf32>)
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C6:.*]] = arith.constant 6 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-NOT: linalg.fill
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) = ({{.*}}) to (%[[C4]], %[[C6]])
// CHECK: %[[SUM:.*]] = scf.for %[[K:.*]] = %{{.*}} to %[[C8]] step %{{.*}} iter_args(%[[ACC:.*]] = %[[ZERO]]) -> (f32)
// CHECK-DAG: %[[X:.*]] = memref.load %[[A]][%[[I]], %[[K]]]
// CHECK-DAG: %[[Y:.*]] = memref.load %[[B]][%[[K]], %[[J]]]
// CHECK: %[[P:.*]] = arith.mulf %[[X]], %[[Y]]
// CHECK: %[[S:.*]] = arith.addf %[[ACC]], %[[P]]
// CHECK: scf.yield %[[S]]
// CHECK: memref.store %[[SUM]], %[[C]][%[[I]], %[[J]]]
// CHECK-NOT: linalg.matmul
func.func @matmul(%a: memref<4x8xf32>, %b: memref<8x6xf32>, %c: memref<4x6xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<4x6xf32>)
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x6xf32>) outs(%c : memref<4x6xf32>)
  return
}

// -----

// A generic reduction over two dimensions using linalg.index, its init
// not zero, with an unrelated op between the fill and it: the reduction
// loops nest, the index maps to the loop variables.
// CHECK-LABEL: func.func @generic_two_reductions
// CHECK-DAG: %[[INIT:.*]] = arith.constant 1.500000e+00 : f32
// CHECK: linalg.fill ins(%{{.*}}) outs(%[[OTHER:.*]] : memref<3xf32>)
// CHECK-NOT: linalg.fill
// CHECK: scf.parallel (%[[I:.*]]) =
// CHECK: %[[R:.*]] = scf.for %[[K:.*]] = {{.*}} iter_args(%[[A1:.*]] = %[[INIT]])
// CHECK: %[[R2:.*]] = scf.for %[[L:.*]] = {{.*}} iter_args(%[[A2:.*]] = %[[A1]])
// CHECK: memref.load %{{.*}}[%[[L]], %[[I]], %[[K]]]
// CHECK: arith.index_cast %[[K]]
// CHECK: scf.yield
// CHECK: scf.yield %[[R2]]
// CHECK: memref.store %[[R]], %{{.*}}[%[[I]]]
#in = affine_map<(i, k, l) -> (l, i, k)>
#out = affine_map<(i, k, l) -> (i)>
func.func @generic_two_reductions(%x: memref<5x2x3xf32>, %y: memref<2xf32>, %other: memref<3xf32>) {
  %init = arith.constant 1.5 : f32
  %two = arith.constant 2.0 : f32
  linalg.fill ins(%init : f32) outs(%y : memref<2xf32>)
  linalg.fill ins(%two : f32) outs(%other : memref<3xf32>)
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
  return
}

// -----

// Without a fill right before it (here the filled buffer is read in
// between, and the second matmul accumulates onto a buffer it did not
// fill), the sum starts from the output's element: one load, the same
// loops, one store. The fill and the copy stay.
// CHECK-LABEL: func.func @from_output
// CHECK-SAME: (%[[A:.*]]: memref<4x8xf32>, %[[B:.*]]: memref<8x6xf32>, %[[C:.*]]: memref<4x6xf32>, %[[D:.*]]: memref<4x6xf32>)
// CHECK: linalg.fill
// CHECK-NEXT: memref.copy %[[C]], %[[D]]
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) =
// CHECK-NEXT: %[[START:.*]] = memref.load %[[C]][%[[I]], %[[J]]]
// CHECK-NEXT: %[[SUM:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[START]]) -> (f32)
// CHECK: memref.store %[[SUM]], %[[C]][%[[I]], %[[J]]]
// CHECK: scf.parallel (%[[I2:.*]], %[[J2:.*]]) =
// CHECK-NEXT: %[[START2:.*]] = memref.load %[[D]][%[[I2]], %[[J2]]]
// CHECK-NEXT: %[[SUM2:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[START2]]) -> (f32)
// CHECK: memref.store %[[SUM2]], %[[D]][%[[I2]], %[[J2]]]
// CHECK-NOT: linalg.matmul
func.func @from_output(%a: memref<4x8xf32>, %b: memref<8x6xf32>, %c: memref<4x6xf32>,
                       %d: memref<4x6xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<4x6xf32>)
  memref.copy %c, %d : memref<4x6xf32> to memref<4x6xf32>
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x6xf32>) outs(%c : memref<4x6xf32>)
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x6xf32>) outs(%d : memref<4x6xf32>)
  return
}

// -----

// Left alone: a reduction to a 0-d buffer (no parallel dimension) and a
// dynamic shape.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: scf.parallel
// CHECK: linalg.fill
// CHECK-NEXT: linalg.generic
// CHECK: linalg.fill
// CHECK-NEXT: linalg.matmul
// CHECK-NOT: scf.parallel
func.func @left_alone(%b: memref<8x6xf32>, %s: memref<f32>, %v: memref<8xf32>,
                      %da: memref<?x8xf32>, %dc: memref<?x6xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%s : memref<f32>)
  linalg.generic {indexing_maps = [affine_map<(k) -> (k)>, affine_map<(k) -> ()>], iterator_types = ["reduction"]}
      ins(%v : memref<8xf32>) outs(%s : memref<f32>) {
  ^bb0(%x: f32, %acc: f32):
    %t = arith.addf %acc, %x : f32
    linalg.yield %t : f32
  }
  linalg.fill ins(%zero : f32) outs(%dc : memref<?x6xf32>)
  linalg.matmul ins(%da, %b : memref<?x8xf32>, memref<8x6xf32>) outs(%dc : memref<?x6xf32>)
  return
}
