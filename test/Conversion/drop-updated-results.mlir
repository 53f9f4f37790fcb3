// RUN: hrm-opt %s --split-input-file --hrm-drop-updated-results --verify-diagnostics | FileCheck %s

// A result returned as the buffer of the argument it updates (through a
// cast or not) leaves the signature; the others stay.
// CHECK-LABEL: func.func @step(%{{.*}}: memref<4xf32>, %{{.*}}: memref<4xf32>) -> (memref<f32> {hrm.loss})
// CHECK: return %{{.*}} : memref<f32>
func.func @step(%p: memref<4xf32>, %m: memref<4xf32>)
    -> (memref<f32> {hrm.loss}, memref<4xf32> {hrm.updates = 0 : i64},
        memref<4xf32> {hrm.updates = 1 : i64}) {
  %loss = memref.alloc() : memref<f32>
  %c = memref.cast %m : memref<4xf32> to memref<4xf32>
  return %loss, %p, %c : memref<f32>, memref<4xf32>, memref<4xf32>
}

// -----

// Functions without the attribute are left alone.
// CHECK-LABEL: func.func @plain(%{{.*}}: memref<4xf32>) -> memref<4xf32>
func.func @plain(%p: memref<4xf32>) -> memref<4xf32> {
  return %p : memref<4xf32>
}

// -----

// Bufferization gave the update a copy: the caller's buffer would keep the
// old values.
func.func @copied(%p: memref<4xf32>) -> (memref<4xf32> {hrm.updates = 0 : i64}) {
  %new = memref.alloc() : memref<4xf32>
  // expected-error @+1 {{result 0 must update argument 0 in place, but bufferization gave it another buffer}}
  return %new : memref<4xf32>
}

// -----

// expected-error @+1 {{hrm-drop-updated-results: argument 0 is not a buffer (run one-shot-bufferize first)}}
func.func @tensors(%p: tensor<4xf32>) -> (tensor<4xf32> {hrm.updates = 0 : i64}) {
  return %p : tensor<4xf32>
}

// -----

// expected-error @+1 {{hrm-drop-updated-results: a function with in-place updates has callers}}
func.func @callee(%p: memref<4xf32>) -> (memref<4xf32> {hrm.updates = 0 : i64}) {
  return %p : memref<4xf32>
}
func.func @caller(%p: memref<4xf32>) {
  %r = call @callee(%p) : (memref<4xf32>) -> memref<4xf32>
  return
}

// -----

// expected-error @+1 {{hrm-drop-updated-results: result 0 updates no argument}}
func.func @out_of_range(%p: memref<4xf32>) -> (memref<4xf32> {hrm.updates = 3 : i64}) {
  return %p : memref<4xf32>
}
