// RUN: hrm-opt %s -split-input-file -hrm-dealloc-after-last-use | FileCheck %s

// Each dealloc moves up to just after the last use of its buffer, or of a
// view of it (%v reads %a's memory after %a's own last use).
// CHECK-LABEL: func.func @straight_line
// CHECK: %[[A:.*]] = memref.alloc() : memref<16xf32>
// CHECK-NEXT: %[[B:.*]] = memref.alloc() : memref<16xf32>
// CHECK-NEXT: linalg.fill ins(%{{.*}}) outs(%[[A]]
// CHECK-NEXT: %[[V:.*]] = memref.subview %[[A]]
// CHECK-NEXT: linalg.copy ins(%[[A]] {{.*}}) outs(%[[B]]
// CHECK-NEXT: linalg.copy ins(%[[V]] {{.*}}) outs(%[[OUT:.*]] :
// CHECK-NEXT: memref.dealloc %[[A]]
// CHECK-NEXT: linalg.copy ins(%[[B]] {{.*}}) outs(%[[OUT2:.*]] :
// CHECK-NEXT: memref.dealloc %[[B]]
// A buffer nothing uses is freed right away.
// CHECK-NEXT: %[[C:.*]] = memref.alloc() : memref<16xf32>
// CHECK-NEXT: memref.dealloc %[[C]]
// CHECK-NEXT: return
func.func @straight_line(%out: memref<8xf32>, %out2: memref<16xf32>) {
  %cst = arith.constant 0.0 : f32
  %a = memref.alloc() : memref<16xf32>
  %b = memref.alloc() : memref<16xf32>
  linalg.fill ins(%cst : f32) outs(%a : memref<16xf32>)
  %v = memref.subview %a[0] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1]>>
  linalg.copy ins(%a : memref<16xf32>) outs(%b : memref<16xf32>)
  linalg.copy ins(%v : memref<8xf32, strided<[1]>>) outs(%out : memref<8xf32>)
  linalg.copy ins(%b : memref<16xf32>) outs(%out2 : memref<16xf32>)
  %c = memref.alloc() : memref<16xf32>
  memref.dealloc %a : memref<16xf32>
  memref.dealloc %b : memref<16xf32>
  memref.dealloc %c : memref<16xf32>
  return
}

// -----

// A use inside a loop is a use by the loop; a buffer passed out of a
// region (scf.if yields a view of it) lives as long as the region's result.
// CHECK-LABEL: func.func @regions
// CHECK: %[[A:.*]] = memref.alloc()
// CHECK: scf.for
// CHECK: memref.load %[[A]]
// CHECK: scf.yield
// CHECK-NEXT: }
// CHECK-NEXT: memref.dealloc %[[A]]
// CHECK: %[[B:.*]] = memref.alloc()
// CHECK: %[[R:.*]] = scf.if
// CHECK: memref.load %[[R]]
// CHECK-NEXT: memref.dealloc %[[B]]
// CHECK-NEXT: arith.addf
func.func @regions(%n: index, %p: i1) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %z = arith.constant 0.0 : f32
  %a = memref.alloc() : memref<16xf32>
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %z) -> f32 {
    %x = memref.load %a[%i] : memref<16xf32>
    %y = arith.addf %acc, %x : f32
    scf.yield %y : f32
  }
  %b = memref.alloc() : memref<16xf32>
  %r = scf.if %p -> memref<8xf32, strided<[1], offset: ?>> {
    %v = memref.subview %b[0] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1]>>
    %w = memref.cast %v : memref<8xf32, strided<[1]>> to memref<8xf32, strided<[1], offset: ?>>
    scf.yield %w : memref<8xf32, strided<[1], offset: ?>>
  } else {
    %v = memref.subview %b[8] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1], offset: 8>>
    %w = memref.cast %v : memref<8xf32, strided<[1], offset: 8>> to memref<8xf32, strided<[1], offset: ?>>
    scf.yield %w : memref<8xf32, strided<[1], offset: ?>>
  }
  %e = memref.load %r[%c0] : memref<8xf32, strided<[1], offset: ?>>
  %t = arith.addf %s, %e : f32
  memref.dealloc %a : memref<16xf32>
  memref.dealloc %b : memref<16xf32>
  return %t : f32
}

// -----

// Left alone: a dealloc in another block than its alloc, and a buffer whose
// view is returned (no such dealloc is made by the deallocation pipeline;
// the pass must not move one anyway).
// CHECK-LABEL: func.func @left_alone
// CHECK: scf.if
// CHECK-NEXT: memref.dealloc
// CHECK: %[[V:.*]] = memref.subview
// CHECK-NEXT: linalg.fill
// CHECK-NEXT: memref.dealloc
// CHECK-NEXT: return %[[V]]
func.func @left_alone(%p: i1) -> memref<8xf32, strided<[1]>> {
  %cst = arith.constant 0.0 : f32
  %a = memref.alloc() : memref<16xf32>
  scf.if %p {
    memref.dealloc %a : memref<16xf32>
  }
  %b = memref.alloc() : memref<16xf32>
  %v = memref.subview %b[0] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1]>>
  linalg.fill ins(%cst : f32) outs(%b : memref<16xf32>)
  memref.dealloc %b : memref<16xf32>
  return %v : memref<8xf32, strided<[1]>>
}
