// RUN: hrm-opt %s -split-input-file --hrm-tile-attention-keys --cse | FileCheck %s
// RUN: hrm-opt %s -split-input-file --hrm-tile-attention-keys --remarks-filter=hrm-tile-attention-keys -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
// What the pass did, where, and (missed) why not: one remark each.
// REMARK: tile-attention-keys.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] shared-memory-keys | Category:hrm-tile-attention-keys | Function=causal | heads=2, key-tile=64, keys=70, queries=70
// REMARK: tile-attention-keys.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] shared-memory-keys | Category:hrm-tile-attention-keys | Function=wide | heads=1, key-tile=32, keys=40, queries=40
// REMARK-NOT: remark:

// A block per 64 queries of a head, a thread per query. The threads copy
// the block's query rows into shared memory once, each row padded by one
// element; per tile of 64 keys they copy the key and value rows into
// shared memory (neighbouring threads, neighbouring elements; rows past the
// end not read), wait, run their key loops over the tile reading keys,
// values and their own query row there, and wait again. The block's tiles
// end where its last query's keys end; a thread past the last query runs no
// keys and stores nothing.
// CHECK-LABEL: func.func @causal
// CHECK-SAME: (%[[Q:.*]]: memref<2x70x4xf32>, %[[K:.*]]: memref<2x70x4xf32>, %[[V:.*]]: memref<2x70x4xf32>, %[[O:.*]]: memref<2x70x4xf32>)
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK: gpu.launch blocks(%[[BX:.*]], %[[BY:.*]], %{{.*}}) in (%{{.*}} = %[[C2]], %{{.*}} = %[[C2]], %{{.*}} = %{{.*}}) threads(%[[T:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C64]], {{.*}}) workgroup(%[[KS:.*]] : memref<64x4xf32, #gpu.address_space<workgroup>>, %[[VS:.*]] : memref<64x4xf32, #gpu.address_space<workgroup>>, %[[QS:.*]] : memref<64x5xf32, #gpu.address_space<workgroup>>)
// CHECK: %[[Q0:.*]] = arith.muli %[[BX]], %{{.*}} : index
// CHECK: %[[LAST:.*]] = arith.subi
// CHECK: %[[LAST1:.*]] = arith.addi %[[LAST]], %{{.*}} : index
// CHECK: %[[BEND:.*]] = arith.minui %[[LAST1]], %{{.*}} : index
// CHECK: %[[I:.*]] = arith.addi %[[Q0]], %[[T]] : index
// CHECK: %[[VALID:.*]] = arith.cmpi ult, %[[I]], %{{.*}} : index
// CHECK: %[[OWN:.*]] = arith.minui
// CHECK: %[[END:.*]] = arith.select %[[VALID]], %[[OWN]], %{{.*}} : index
// CHECK: scf.for
// CHECK:   %[[QROW:.*]] = arith.divui
// CHECK:   %[[QCOL:.*]] = arith.remui
// CHECK:   %[[QI:.*]] = arith.addi %[[Q0]], %[[QROW]] : index
// CHECK:   scf.if
// CHECK:     memref.load %[[Q]][%[[BY]], %[[QI]], %[[QCOL]]]
// CHECK:     memref.store %{{.*}}, %[[QS]][%[[QROW]], %[[QCOL]]]
// CHECK: %[[TILES:.*]]:6 = scf.for %[[K0:.*]] = %{{.*}} to %[[BEND]] step %[[C64]] iter_args(
// CHECK:   scf.for %[[R:.*]] = %{{.*}} to %{{.*}} step
// CHECK:     %[[FLAT0:.*]] = arith.muli %[[R]], %[[C64]] : index
// CHECK:     %[[FLAT:.*]] = arith.addi %[[FLAT0]], %[[T]] : index
// CHECK:     %[[ROW:.*]] = arith.divui %[[FLAT]]
// CHECK:     %[[COL:.*]] = arith.remui %[[FLAT]]
// CHECK:     %[[KEY:.*]] = arith.addi %[[K0]], %[[ROW]] : index
// CHECK:     scf.if
// CHECK:       memref.load %[[K]][%[[BY]], %[[KEY]], %[[COL]]]
// CHECK:       memref.store %{{.*}}, %[[KS]][%[[ROW]], %[[COL]]]
// CHECK:       memref.load %[[V]][%[[BY]], %[[KEY]], %[[COL]]]
// CHECK:       memref.store %{{.*}}, %[[VS]][%[[ROW]], %[[COL]]]
// CHECK:   gpu.barrier
// CHECK:   %[[TEND0:.*]] = arith.addi %[[K0]], %[[C64]] : index
// CHECK:   %[[TEND:.*]] = arith.minui %[[TEND0]], %[[END]] : index
// CHECK:   scf.for %[[J:.*]] = %[[K0]] to %[[TEND]] step
// CHECK:     %[[MINE:.*]] = arith.subi %[[I]], %[[Q0]] : index
// CHECK:     memref.load %[[QS]][%[[MINE]],
// CHECK:     %[[JR:.*]] = arith.subi %[[J]], %[[K0]] : index
// CHECK:     memref.load %[[KS]][%[[JR]],
// CHECK:     math.exp
// CHECK:     memref.load %[[VS]][
// CHECK-NOT: memref.load %[[K]][
// CHECK-NOT: memref.load %[[V]][
// CHECK-NOT: memref.load %[[Q]][
// CHECK:   gpu.barrier
// CHECK: scf.if %[[VALID]]
// CHECK:   arith.divf %[[TILES]]#2, %[[TILES]]#1
// CHECK:   memref.store %{{.*}}, %[[O]][%[[BY]], %[[I]], %{{.*}}]
// CHECK: gpu.terminator
// CHECK-NEXT: } {hrm.stores_each_element_once}
// CHECK-NOT: scf.parallel
func.func @causal(%q: memref<2x70x4xf32>, %k: memref<2x70x4xf32>, %v: memref<2x70x4xf32>, %out: memref<2x70x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c70 = arith.constant 70 : index
  %scale = arith.constant 0.5 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  scf.parallel (%h, %i) = (%c0, %c0) to (%c2, %c70) step (%c1, %c1) {
    %i1 = arith.addi %i, %c1 : index
    %end = arith.minui %i1, %c70 : index
    %r:6 = scf.for %j = %c0 to %end step %c1 iter_args(%mx = %ninf, %sum = %zero, %a0 = %zero, %a1 = %zero, %a2 = %zero, %a3 = %zero) -> (f32, f32, f32, f32, f32, f32) {
      %dot = scf.for %d = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> (f32) {
        %qd = memref.load %q[%h, %i, %d] : memref<2x70x4xf32>
        %kd = memref.load %k[%h, %j, %d] : memref<2x70x4xf32>
        %p = arith.mulf %qd, %kd : f32
        %s = arith.addf %acc, %p : f32
        scf.yield %s : f32
      }
      %s = arith.mulf %dot, %scale : f32
      %m = arith.maximumf %mx, %s : f32
      %dm = arith.subf %mx, %m : f32
      %rescale = math.exp %dm : f32
      %ds = arith.subf %s, %m : f32
      %p = math.exp %ds : f32
      %sr = arith.mulf %sum, %rescale : f32
      %sum2 = arith.addf %sr, %p : f32
      %v0 = memref.load %v[%h, %j, %c0] : memref<2x70x4xf32>
      %v1 = memref.load %v[%h, %j, %c1] : memref<2x70x4xf32>
      %v2 = memref.load %v[%h, %j, %c2] : memref<2x70x4xf32>
      %v3 = memref.load %v[%h, %j, %c3] : memref<2x70x4xf32>
      %r0 = arith.mulf %a0, %rescale : f32
      %p0 = arith.mulf %p, %v0 : f32
      %n0 = arith.addf %r0, %p0 : f32
      %r1 = arith.mulf %a1, %rescale : f32
      %p1 = arith.mulf %p, %v1 : f32
      %n1 = arith.addf %r1, %p1 : f32
      %r2 = arith.mulf %a2, %rescale : f32
      %p2 = arith.mulf %p, %v2 : f32
      %n2 = arith.addf %r2, %p2 : f32
      %r3 = arith.mulf %a3, %rescale : f32
      %p3 = arith.mulf %p, %v3 : f32
      %n3 = arith.addf %r3, %p3 : f32
      scf.yield %m, %sum2, %n0, %n1, %n2, %n3 : f32, f32, f32, f32, f32, f32
    }
    %o0 = arith.divf %r#2, %r#1 : f32
    memref.store %o0, %out[%h, %i, %c0] : memref<2x70x4xf32>
    %o1 = arith.divf %r#3, %r#1 : f32
    memref.store %o1, %out[%h, %i, %c1] : memref<2x70x4xf32>
    %o2 = arith.divf %r#4, %r#1 : f32
    memref.store %o2, %out[%h, %i, %c2] : memref<2x70x4xf32>
    %o3 = arith.divf %r#5, %r#1 : f32
    memref.store %o3, %out[%h, %i, %c3] : memref<2x70x4xf32>
    scf.reduce
  } {hrm.fused_attention}
  return
}

// -----

// Head size 128: 64 rows of keys and values would take 64 KiB, so the
// tiles are 32 queries and 32 keys (32 KiB). No buffer is read at the
// query index: no query tile. Other loads stay as they are.
// CHECK-LABEL: func.func @wide
// CHECK-SAME: %[[SCALE:[a-z0-9]+]]: memref<1xf32>)
// CHECK: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %[[C32:.*]], {{.*}}) workgroup(%{{.*}} : memref<32x128xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<32x128xf32, #gpu.address_space<workgroup>>) {
// CHECK: gpu.barrier
// CHECK: memref.load %[[SCALE]][
// CHECK: gpu.barrier
func.func @wide(%q: memref<1x40x128xf32>, %k: memref<1x40x128xf32>, %v: memref<1x40x128xf32>, %out: memref<1x40x128xf32>, %scale: memref<1xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c40 = arith.constant 40 : index
  %c128 = arith.constant 128 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%h, %i) = (%c0, %c0) to (%c1, %c40) step (%c1, %c1) {
    %r:2 = scf.for %j = %c0 to %c40 step %c1 iter_args(%s = %zero, %t = %zero) -> (f32, f32) {
      %kd = memref.load %k[%h, %j, %c0] : memref<1x40x128xf32>
      %vd = memref.load %v[%h, %j, %c1] : memref<1x40x128xf32>
      %sc = memref.load %scale[%c0] : memref<1xf32>
      %ks = arith.mulf %kd, %sc : f32
      %s2 = arith.addf %s, %ks : f32
      %t2 = arith.addf %t, %vd : f32
      scf.yield %s2, %t2 : f32, f32
    }
    %o = arith.divf %r#0, %r#1 : f32
    memref.store %o, %out[%h, %i, %c0] : memref<1x40x128xf32>
    scf.reduce
  } {hrm.fused_attention}
  return
}

// -----

// Left alone: an unmarked nest, a key loop by 2, a staged buffer written
// inside the nest, an effect before the key loop, and staged buffers of
// different shapes.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: gpu.launch
// CHECK-COUNT-5: scf.parallel
// CHECK-NOT: gpu.launch
func.func @left_alone(%k: memref<1x8x4xf32>, %v: memref<1x6x4xf32>, %out: memref<1x8x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c6 = arith.constant 6 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%h, %i) = (%c0, %c0) to (%c1, %c8) step (%c1, %c1) {
    %r = scf.for %j = %c0 to %c8 step %c1 iter_args(%s = %zero) -> (f32) {
      %kd = memref.load %k[%h, %j, %c0] : memref<1x8x4xf32>
      %s2 = arith.addf %s, %kd : f32
      scf.yield %s2 : f32
    }
    memref.store %r, %out[%h, %i, %c0] : memref<1x8x4xf32>
    scf.reduce
  }
  scf.parallel (%h, %i) = (%c0, %c0) to (%c1, %c8) step (%c1, %c1) {
    %r = scf.for %j = %c0 to %c8 step %c2 iter_args(%s = %zero) -> (f32) {
      %kd = memref.load %k[%h, %j, %c0] : memref<1x8x4xf32>
      %s2 = arith.addf %s, %kd : f32
      scf.yield %s2 : f32
    }
    memref.store %r, %out[%h, %i, %c0] : memref<1x8x4xf32>
    scf.reduce
  } {hrm.fused_attention}
  scf.parallel (%h, %i) = (%c0, %c0) to (%c1, %c8) step (%c1, %c1) {
    %r = scf.for %j = %c0 to %c8 step %c1 iter_args(%s = %zero) -> (f32) {
      %kd = memref.load %k[%h, %j, %c0] : memref<1x8x4xf32>
      %s2 = arith.addf %s, %kd : f32
      scf.yield %s2 : f32
    }
    memref.store %r, %k[%h, %i, %c0] : memref<1x8x4xf32>
    scf.reduce
  } {hrm.fused_attention}
  scf.parallel (%h, %i) = (%c0, %c0) to (%c1, %c8) step (%c1, %c1) {
    %x = memref.load %out[%h, %i, %c1] : memref<1x8x4xf32>
    %r = scf.for %j = %c0 to %c8 step %c1 iter_args(%s = %x) -> (f32) {
      %kd = memref.load %k[%h, %j, %c0] : memref<1x8x4xf32>
      %s2 = arith.addf %s, %kd : f32
      scf.yield %s2 : f32
    }
    memref.store %r, %out[%h, %i, %c0] : memref<1x8x4xf32>
    scf.reduce
  } {hrm.fused_attention}
  scf.parallel (%h, %i) = (%c0, %c0) to (%c1, %c8) step (%c1, %c1) {
    %r = scf.for %j = %c0 to %c6 step %c1 iter_args(%s = %zero) -> (f32) {
      %kd = memref.load %k[%h, %j, %c0] : memref<1x8x4xf32>
      %vd = memref.load %v[%h, %j, %c0] : memref<1x6x4xf32>
      %p = arith.mulf %kd, %vd : f32
      %s2 = arith.addf %s, %p : f32
      scf.yield %s2 : f32
    }
    memref.store %r, %out[%h, %i, %c0] : memref<1x8x4xf32>
    scf.reduce
  } {hrm.fused_attention}
  return
}
