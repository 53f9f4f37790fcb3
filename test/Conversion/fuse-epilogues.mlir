// RUN: hrm-opt %s --split-input-file --hrm-fuse-epilogues | FileCheck %s
// RUN: hrm-opt %s --split-input-file --hrm-fuse-epilogues --remarks-filter=hrm-fuse-epilogues -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
// What the pass did, where, and (missed) why not: one remark each.
// REMARK: fuse-epilogues.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] epilogue | Category:hrm-fuse-epilogues | Function=swiglu |
// REMARK: fuse-epilogues.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] epilogue | Category:hrm-fuse-epilogues | Function=kept |
// REMARK-NOT: remark:

// A matmul loop as hrm-accumulate-in-registers builds it, then SwiGLU's
// elementwise consumer reading its output through an expand_shape: the
// consumer runs in the loop, its row index split back into (batch, seq);
// the product's buffer, view and dealloc are gone.
// CHECK-LABEL: func.func @swiglu
// CHECK-SAME: (%[[X:.*]]: memref<4x8xf32>, %[[W:.*]]: memref<8x6xf32>, %[[U:.*]]: memref<2x2x6xf32>, %[[H:.*]]: memref<2x2x6xf32>)
// CHECK-NOT: memref.alloc
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) =
// CHECK: %[[G:.*]] = scf.for
// CHECK-NOT: memref.store
// CHECK-DAG: %[[B:.*]] = arith.divui %[[I]], %c2
// CHECK-DAG: %[[S:.*]] = arith.remui %[[I]], %c2
// CHECK: %[[UV:.*]] = memref.load %[[U]][%[[B]], %[[S]], %[[J]]]
// CHECK: %[[E:.*]] = math.exp %[[G]]
// CHECK: %[[P:.*]] = arith.mulf %[[E]], %[[UV]]
// CHECK: memref.store %[[P]], %[[H]][%[[B]], %[[S]], %[[J]]]
// CHECK-NEXT: scf.reduce
// CHECK-NOT: linalg.generic
// CHECK-NOT: memref.dealloc
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @swiglu(%x: memref<4x8xf32>, %w: memref<8x6xf32>, %u: memref<2x2x6xf32>, %h: memref<2x2x6xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c6 = arith.constant 6 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %g = memref.alloc() : memref<4x6xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c6) step (%c1, %c1) {
    %sum = scf.for %k = %c0 to %c8 step %c1 iter_args(%acc = %zero) -> (f32) {
      %a = memref.load %x[%i, %k] : memref<4x8xf32>
      %b = memref.load %w[%k, %j] : memref<8x6xf32>
      %p = arith.mulf %a, %b : f32
      %s = arith.addf %acc, %p : f32
      scf.yield %s : f32
    }
    memref.store %sum, %g[%i, %j] : memref<4x6xf32>
    scf.reduce
  }
  %ge = memref.expand_shape %g [[0, 1], [2]] output_shape [2, 2, 6] : memref<4x6xf32> into memref<2x2x6xf32>
  linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ge, %u : memref<2x2x6xf32>, memref<2x2x6xf32>) outs(%h : memref<2x2x6xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %e = math.exp %a : f32
    %p = arith.mulf %e, %b : f32
    linalg.yield %p : f32
  }
  memref.dealloc %g : memref<4x6xf32>
  return
}

// -----

// The product is read again later (a pre-activation kept for the
// backward): the consumer is fused, the store stays, in a kernel marked
// as hrm-matmul-to-mma-sync marks its own (several stores, each element
// once).
// CHECK-LABEL: func.func @kept
// CHECK-SAME: (%[[G:.*]]: memref<2x4xf32>, %[[H:.*]]: memref<2x4xf32>)
// CHECK: scf.parallel (%[[I:.*]]) =
// CHECK-NEXT: %[[T0:.*]] = math.tanh %[[V0:.*]] : f32
// CHECK-NEXT: memref.store %[[T0]], %[[H]][%[[I]], %c0]
// CHECK-NEXT: memref.store %[[V0]], %[[G]][%[[I]], %c0]
// CHECK-NEXT: %[[T1:.*]] = math.tanh %[[V1:.*]] : f32
// CHECK-NEXT: memref.store %[[T1]], %[[H]][%[[I]], %c1]
// CHECK-NEXT: memref.store %[[V1]], %[[G]][%[[I]], %c1]
// CHECK-COUNT-2: math.tanh
// CHECK: } {hrm.stores_each_element_once}
// CHECK-NOT: linalg.generic
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @kept(%g: memref<2x4xf32>, %h: memref<2x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%c2) step (%c1) {
    memref.store %one, %g[%i, %c0] : memref<2x4xf32>
    memref.store %one, %g[%i, %c1] : memref<2x4xf32>
    memref.store %one, %g[%i, %c2] : memref<2x4xf32>
    memref.store %one, %g[%i, %c3] : memref<2x4xf32>
    scf.reduce
  } {hrm.stores_each_element_once}
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%g : memref<2x4xf32>) outs(%h : memref<2x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.tanh %a : f32
    linalg.yield %t : f32
  }
  return
}

// -----

// Left alone: a write between the loop and the consumer; a consumer that
// broadcasts; a consumer writing what the loop reads; a loop that covers
// part of its buffer; a consumer reading through a collapse_shape.
// CHECK-LABEL: func.func @left_alone
// CHECK-COUNT-5: linalg.generic
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#id1 = affine_map<(d0) -> (d0)>
func.func @left_alone(%x: memref<4x6xf32>, %h: memref<4x6xf32>, %v: memref<4xf32>, %f: memref<24xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c6 = arith.constant 6 : index
  %zero = arith.constant 0.0 : f32
  %g1 = memref.alloc() : memref<4x6xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c6) step (%c1, %c1) {
    %a = memref.load %x[%i, %j] : memref<4x6xf32>
    memref.store %a, %g1[%i, %j] : memref<4x6xf32>
    scf.reduce
  }
  linalg.fill ins(%zero : f32) outs(%h : memref<4x6xf32>)
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%g1 : memref<4x6xf32>) outs(%h : memref<4x6xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.tanh %a : f32
    linalg.yield %t : f32
  }
  %g2 = memref.alloc() : memref<4x6xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c6) step (%c1, %c1) {
    %a = memref.load %x[%i, %j] : memref<4x6xf32>
    memref.store %a, %g2[%i, %j] : memref<4x6xf32>
    scf.reduce
  }
  linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]} ins(%g2, %v : memref<4x6xf32>, memref<4xf32>) outs(%h : memref<4x6xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %t = arith.addf %a, %b : f32
    linalg.yield %t : f32
  }
  %g3 = memref.alloc() : memref<4x6xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c6) step (%c1, %c1) {
    %a = memref.load %x[%c0, %j] : memref<4x6xf32>
    memref.store %a, %g3[%i, %j] : memref<4x6xf32>
    scf.reduce
  }
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%g3 : memref<4x6xf32>) outs(%x : memref<4x6xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.tanh %a : f32
    linalg.yield %t : f32
  }
  %g4 = memref.alloc() : memref<4x6xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c3, %c6) step (%c1, %c1) {
    %a = memref.load %x[%i, %j] : memref<4x6xf32>
    memref.store %a, %g4[%i, %j] : memref<4x6xf32>
    scf.reduce
  }
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%g4 : memref<4x6xf32>) outs(%h : memref<4x6xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.tanh %a : f32
    linalg.yield %t : f32
  }
  %g5 = memref.alloc() : memref<4x6xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c6) step (%c1, %c1) {
    %a = memref.load %x[%i, %j] : memref<4x6xf32>
    memref.store %a, %g5[%i, %j] : memref<4x6xf32>
    scf.reduce
  }
  %gc = memref.collapse_shape %g5 [[0, 1]] : memref<4x6xf32> into memref<24xf32>
  linalg.generic {indexing_maps = [#id1, #id1], iterator_types = ["parallel"]} ins(%gc : memref<24xf32>) outs(%f : memref<24xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.tanh %a : f32
    linalg.yield %t : f32
  }
  memref.dealloc %g1 : memref<4x6xf32>
  memref.dealloc %g2 : memref<4x6xf32>
  memref.dealloc %g3 : memref<4x6xf32>
  memref.dealloc %g4 : memref<4x6xf32>
  memref.dealloc %g5 : memref<4x6xf32>
  return
}
