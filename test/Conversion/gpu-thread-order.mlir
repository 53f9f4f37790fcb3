// RUN: hrm-opt %s --split-input-file --hrm-gpu-thread-order | FileCheck %s

// The dimensions of an outermost parallel loop come out innermost first;
// the body sees the same induction variables.
// CHECK-LABEL: func.func @three_dims
// CHECK-SAME: (%[[M:.*]]: memref<2x3x4xf32>)
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK: scf.parallel (%[[K:.*]], %[[J:.*]], %[[I:.*]]) = ({{.*}}) to (%[[C4]], %[[C3]], %[[C2]])
// CHECK: memref.load %[[M]][%[[I]], %[[J]], %[[K]]]
// CHECK: memref.store {{.*}}, %[[M]][%[[I]], %[[J]], %[[K]]]
func.func @three_dims(%m: memref<2x3x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  scf.parallel (%i, %j, %k) = (%c0, %c0, %c0) to (%c2, %c3, %c4) step (%c1, %c1, %c1) {
    %v = memref.load %m[%i, %j, %k] : memref<2x3x4xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %m[%i, %j, %k] : memref<2x3x4xf32>
    scf.reduce
  }
  return
}

// -----

// Left alone: one dimension, a loop with reductions, and a loop nested in
// another parallel loop (only the outermost is mapped to the grid).
// CHECK-LABEL: func.func @left_alone
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%c2)
// CHECK: scf.parallel (%[[A:.*]], %[[B:.*]]) = ({{.*}}) to (%c2, %c3) {{.*}} init
// CHECK: scf.parallel (%[[P:.*]], %[[Q:.*]]) = ({{.*}}) to (%c3, %c2)
// CHECK: scf.parallel (%[[X:.*]], %[[Y:.*]]) = ({{.*}}) to (%c2, %c3)
func.func @left_alone(%m: memref<2x3xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c2) step (%c1) {
    memref.store %zero, %m[%i, %c0] : memref<2x3xf32>
    scf.reduce
  }
  %sum = scf.parallel (%i, %j) = (%c0, %c0) to (%c2, %c3) step (%c1, %c1) init (%zero) -> f32 {
    %v = memref.load %m[%i, %j] : memref<2x3xf32>
    scf.reduce(%v : f32) {
    ^bb0(%a: f32, %b: f32):
      %s = arith.addf %a, %b : f32
      scf.reduce.return %s : f32
    }
  }
  scf.parallel (%i, %j) = (%c0, %c0) to (%c2, %c3) step (%c1, %c1) {
    scf.parallel (%x, %y) = (%c0, %c0) to (%c2, %c3) step (%c1, %c1) {
      memref.store %zero, %m[%x, %y] : memref<2x3xf32>
      scf.reduce
    }
    scf.reduce
  }
  return %sum : f32
}
