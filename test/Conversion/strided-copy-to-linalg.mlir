// RUN: hrm-opt %s --hrm-strided-copy-to-linalg | FileCheck %s
// RUN: hrm-opt %s --hrm-strided-copy-to-linalg=contiguous | FileCheck %s --check-prefix=ALL

// With `contiguous` (the GPU pipeline) every copy becomes linalg.copy.
// ALL-LABEL: func.func @copies
// ALL: linalg.copy ins(%{{.*}} : memref<4x8xf32>) outs(%{{.*}} : memref<4x8xf32>)
// ALL: linalg.copy ins(%{{.*}} : memref<4x4xf32, strided<[8, 1], offset: 4>>)
// ALL-NOT: memref.copy

// CHECK-LABEL: func.func @copies
// A contiguous copy stays (it becomes memcpy); a strided one becomes loops.
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<4x8xf32> to memref<4x8xf32>
// CHECK: linalg.copy ins(%{{.*}} : memref<4x4xf32, strided<[8, 1], offset: 4>>) outs(%{{.*}} : memref<4x4xf32>)
// CHECK-NOT: memref.copy
func.func @copies(%a: memref<4x8xf32>, %b: memref<4x8xf32>, %c: memref<4x4xf32>) {
  memref.copy %a, %b : memref<4x8xf32> to memref<4x8xf32>
  %s = memref.subview %a[0, 4] [4, 4] [1, 1] : memref<4x8xf32> to memref<4x4xf32, strided<[8, 1], offset: 4>>
  memref.copy %s, %c : memref<4x4xf32, strided<[8, 1], offset: 4>> to memref<4x4xf32>
  return
}
