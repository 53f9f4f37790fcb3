// RUN: hrm-opt %s --split-input-file --hrm-gpu-check-host-access --verify-diagnostics | FileCheck %s

// Allowed: launches, allocation and freeing of device buffers, host code
// on stack buffers and their views, and a private helper every caller
// passes stack buffers to.
// CHECK-LABEL: func.func @host_stack_only
module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @fill(%b: memref<4xf32>) kernel {
      gpu.return
    }
  }
  func.func private @helper(%flags: memref<?xi1>) -> i1 {
    %c0 = arith.constant 0 : index
    %f = memref.load %flags[%c0] : memref<?xi1>
    return %f : i1
  }
  func.func @host_stack_only(%out: memref<4xf32>, %p: index) -> i1 {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %true = arith.constant true
    %flags = memref.alloca() : memref<2xi1>
    %ptrs = memref.alloca() : memref<2xindex>
    %tmp = memref.alloc() : memref<4xf32>
    gpu.launch_func @k::@fill blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%tmp : memref<4xf32>)
    gpu.launch_func @k::@fill blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%out : memref<4xf32>)
    memref.store %p, %ptrs[%c0] : memref<2xindex>
    memref.store %true, %flags[%c0] : memref<2xi1>
    %cast = memref.cast %flags : memref<2xi1> to memref<?xi1>
    %dead = func.call @helper(%cast) : (memref<?xi1>) -> i1
    %addr = memref.extract_aligned_pointer_as_index %tmp : memref<4xf32> -> index
    scf.if %dead {
      memref.dealloc %tmp : memref<4xf32>
    }
    return %dead : i1
  }
}

// -----

// The host reads an entry point's buffer.
func.func @reads_argument(%out: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  // expected-error @below {{host code reads a buffer kernels may use: the CUDA backend does not wait for a kernel before the host goes on}}
  %v = memref.load %out[%c0] : memref<4xf32>
  return %v : f32
}

// -----

// The host writes a heap buffer, inside a loop, through a view.
func.func @writes_heap_view(%x: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %buf = memref.alloc() : memref<2x4xf32>
  // expected-note @below {{the buffer}}
  %row = memref.subview %buf[0, 0] [1, 4] [1, 1] : memref<2x4xf32> to memref<4xf32, strided<[1]>>
  scf.for %i = %c0 to %c4 step %c1 {
    // expected-error @below {{host code writes a buffer kernels may use}}
    memref.store %x, %row[%i] : memref<4xf32, strided<[1]>>
  }
  memref.dealloc %buf : memref<2x4xf32>
  return
}

// -----

// A copy on the host (hrm-strided-copy-to-linalg{contiguous} makes copies
// kernels).
func.func @host_copy(%a: memref<4xf32>, %b: memref<4xf32>) {
  // expected-error @below {{host code reads a buffer kernels may use}}
  memref.copy %a, %b : memref<4xf32> to memref<4xf32>
  return
}

// -----

// A buffer handed to a function the check cannot see into.
func.func private @external(memref<4xf32>)
func.func @calls_external(%a: memref<4xf32>) {
  // expected-error @below {{host code passes a buffer kernels may use to an external function}}
  func.call @external(%a) : (memref<4xf32>) -> ()
  return
}

// -----

// A private helper is host-stack only if every caller passes a stack
// buffer: here one caller passes an argument buffer.
func.func private @helper(%b: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  // expected-error @below {{host code reads a buffer kernels may use}}
  %v = memref.load %b[%c0] : memref<4xf32>
  return %v : f32
}
func.func @mixed_callers(%a: memref<4xf32>) -> f32 {
  %s = memref.alloca() : memref<4xf32>
  %x = func.call @helper(%s) : (memref<4xf32>) -> f32
  %y = func.call @helper(%a) : (memref<4xf32>) -> f32
  %z = arith.addf %x, %y : f32
  return %z : f32
}

// -----

// An input marked hrm.host (the decode entry's position) is in host memory:
// the host code may read it, and pass it to a private helper.
// CHECK-LABEL: func.func @host_input
module attributes {gpu.container_module} {
  func.func private @read(%p: memref<i32>) -> i32 {
    %v = memref.load %p[] : memref<i32>
    return %v : i32
  }
  func.func @host_input(%out: memref<4xf32>, %pos: memref<i32> {hrm.host}) -> i32 {
    %v = memref.load %pos[] : memref<i32>
    %w = func.call @read(%pos) : (memref<i32>) -> i32
    %s = arith.addi %v, %w : i32
    return %s : i32
  }
}

// -----

// Without the mark it is a buffer kernels may use.
module attributes {gpu.container_module} {
  func.func @unmarked_input(%out: memref<4xf32>, %pos: memref<i32>) -> i32 {
    // expected-error @+1 {{host code reads a buffer kernels may use}}
    %v = memref.load %pos[] : memref<i32>
    return %v : i32
  }
}
