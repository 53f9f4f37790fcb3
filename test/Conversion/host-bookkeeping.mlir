// RUN: hrm-opt %s --split-input-file --hrm-host-bookkeeping | FileCheck %s

// Deallocation bookkeeping filled in a loop: one stack slot at the entry,
// no heap allocation, no dealloc; the model buffer stays on the heap.
// CHECK-LABEL: func.func @bookkeeping
// CHECK-NEXT: %[[FLAGS:.*]] = memref.alloca() : memref<2xi1>
// CHECK-NEXT: %[[PTRS:.*]] = memref.alloca() : memref<2xindex>
// CHECK: scf.for
// CHECK-NOT: memref.alloc()
// CHECK: memref.store %{{.*}}, %[[PTRS]]
// CHECK: memref.store %{{.*}}, %[[FLAGS]]
// CHECK: call @helper(%[[PTRS]], %[[FLAGS]])
// CHECK-NOT: memref.dealloc %[[PTRS]]
// CHECK: memref.alloc() : memref<4xf32>
// CHECK: memref.dealloc %{{.*}} : memref<4xf32>
func.func private @helper(memref<2xindex>, memref<2xi1>)
func.func @bookkeeping(%p: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %true = arith.constant true
  scf.for %i = %c0 to %c4 step %c1 {
    %ptrs = memref.alloc() : memref<2xindex>
    %flags = memref.alloc() : memref<2xi1>
    memref.store %p, %ptrs[%c0] : memref<2xindex>
    memref.store %true, %flags[%c0] : memref<2xi1>
    func.call @helper(%ptrs, %flags) : (memref<2xindex>, memref<2xi1>) -> ()
    memref.dealloc %ptrs : memref<2xindex>
    memref.dealloc %flags : memref<2xi1>
  }
  %data = memref.alloc() : memref<4xf32>
  memref.dealloc %data : memref<4xf32>
  return
}

// -----

// Left alone: a flag buffer a kernel loop touches, one freed in another
// block, one never freed, and a dynamic shape.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: memref.alloca
// CHECK-COUNT-4: memref.alloc(
func.func @left_alone(%n: index, %cond: i1) -> memref<2xi1> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %true = arith.constant true
  %a = memref.alloc() : memref<2xi1>
  scf.parallel (%i) = (%c0) to (%c1) step (%c1) {
    memref.store %true, %a[%i] : memref<2xi1>
    scf.reduce
  }
  memref.dealloc %a : memref<2xi1>
  %b = memref.alloc() : memref<2xi1>
  scf.if %cond {
    memref.dealloc %b : memref<2xi1>
  }
  %c = memref.alloc() : memref<2xi1>
  %d = memref.alloc(%n) : memref<?xindex>
  memref.dealloc %d : memref<?xindex>
  return %c : memref<2xi1>
}
