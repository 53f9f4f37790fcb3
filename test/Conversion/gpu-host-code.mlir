// RUN: hrm-opt %s --split-input-file --hrm-gpu-host-code | FileCheck %s

// A loss summed on the host (no parallel dimension) becomes a one-thread
// loop: the fill, the loops and the scaling after them, in one run.
// CHECK-LABEL: func.func @sum
// CHECK: arith.constant 3.125000e-02
// CHECK-NEXT: %[[C0:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[C1:.*]] = arith.constant 1 : index
// CHECK-NEXT: scf.parallel (%{{.*}}) = (%[[C0]]) to (%[[C1]]) step (%[[C1]])
// CHECK-NEXT: memref.store
// CHECK-NEXT: scf.for
// CHECK: arith.mulf
// CHECK-NEXT: memref.store
// CHECK-NEXT: scf.reduce
// CHECK-NEXT: }
// CHECK-NEXT: return
func.func @sum(%x: memref<4x8xf32>, %out: memref<f32>) {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  memref.store %zero, %out[] : memref<f32>
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %x[%i, %j] : memref<4x8xf32>
      %s = memref.load %out[] : memref<f32>
      %t = arith.addf %s, %v : f32
      memref.store %t, %out[] : memref<f32>
    }
  }
  %scale = arith.constant 0.03125 : f32
  %s = memref.load %out[] : memref<f32>
  %m = arith.mulf %s, %scale : f32
  memref.store %m, %out[] : memref<f32>
  return
}

// -----

// Left on the host: a load whose value the host uses after the run, the
// bookkeeping of buffer deallocation (i1, index), a loop that allocates,
// and code already inside a parallel loop.
// CHECK-LABEL: func.func @stays
// CHECK-NOT: scf.parallel
// CHECK: memref.load %{{.*}}[] : memref<i32>
// CHECK: memref.store %{{.*}}, %{{.*}}[%{{.*}}] : memref<2xi1>
// CHECK: scf.for
// CHECK: memref.alloc
// CHECK: scf.parallel
// CHECK-NOT: scf.parallel
func.func @stays(%n: memref<i32>, %flags: memref<2xi1>, %x: memref<4xf32>) -> index {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %true = arith.constant true
  %v = memref.load %n[] : memref<i32>
  %i = arith.index_cast %v : i32 to index
  memref.store %true, %flags[%c0] : memref<2xi1>
  scf.for %k = %c0 to %c4 step %c1 {
    %a = memref.alloc() : memref<4xf32>
    memref.dealloc %a : memref<4xf32>
  }
  scf.parallel (%k) = (%c0) to (%c4) step (%c1) {
    %y = memref.load %x[%k] : memref<4xf32>
    memref.store %y, %x[%k] : memref<4xf32>
    scf.reduce
  }
  return %i : index
}

// -----

// The loops inside a launch (hrm-matmul-to-mma-sync's kernels) are on the
// GPU already.
// CHECK-LABEL: func.func @in_launch
// CHECK: gpu.launch
// CHECK-NEXT: scf.for
// CHECK-NEXT: memref.load
// CHECK-NEXT: arith.addf
// CHECK-NEXT: memref.store
// CHECK-NEXT: }
// CHECK-NEXT: gpu.terminator
func.func @in_launch(%x: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    scf.for %i = %c0 to %c8 step %c1 {
      %v = memref.load %x[%i] : memref<8xf32>
      %w = arith.addf %v, %v : f32
      memref.store %w, %x[%i] : memref<8xf32>
    }
    gpu.terminator
  }
  return
}

// -----

// Pure code at the end of a run whose result the host uses after it (the
// deallocation's metadata of another buffer) stays out; the run before it
// still moves.
// CHECK-LABEL: func.func @trailing
// CHECK: scf.parallel
// CHECK-NEXT: memref.store
// CHECK-NEXT: memref.load
// CHECK-NEXT: arith.addf
// CHECK-NEXT: memref.store
// CHECK-NEXT: scf.reduce
// CHECK-NEXT: }
// CHECK-NEXT: %[[BASE:.*]], %{{.*}} = memref.extract_strided_metadata
// CHECK-NEXT: scf.if
// CHECK-NEXT: memref.dealloc %[[BASE]]
func.func @trailing(%acc: memref<f32>, %other: memref<4xf32>, %owned: i1) {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  memref.store %zero, %acc[] : memref<f32>
  %s = memref.load %acc[] : memref<f32>
  %t = arith.addf %s, %one : f32
  memref.store %t, %acc[] : memref<f32>
  %base, %offset = memref.extract_strided_metadata %acc : memref<f32> -> memref<f32>, index
  scf.if %owned {
    memref.dealloc %base : memref<f32>
  }
  return
}
