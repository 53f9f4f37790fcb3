// RUN: hrm-opt %s --hrm-align-workgroup-buffers | FileCheck %s
// RUN: hrm-opt %s --hrm-align-workgroup-buffers=alignment=128 | FileCheck %s --check-prefix=WIDE
// RUN: not hrm-opt %s --hrm-align-workgroup-buffers=alignment=24 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: hrm-align-workgroup-buffers: alignment must be a power of two, not 24

// Every workgroup buffer gets at least 16 bytes; one aligned further keeps
// its alignment; private attributions and kernels without shared memory
// are left alone.
// CHECK-LABEL: gpu.func @tiles
// CHECK-SAME: workgroup(%{{.*}} : memref<64x40xbf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64},
// CHECK-SAME: %{{.*}} : memref<8xf32, #gpu.address_space<workgroup>> {llvm.align = 64 : i64},
// CHECK-SAME: %{{.*}} : memref<8xbf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// CHECK-SAME: private(%{{.*}} : memref<4xf32, #gpu.address_space<private>>)
// CHECK-LABEL: gpu.func @none()
// CHECK-NOT: llvm.align
// WIDE-LABEL: gpu.func @tiles
// WIDE-SAME: {llvm.align = 128 : i64},
// WIDE-SAME: {llvm.align = 128 : i64},
// WIDE-SAME: {llvm.align = 128 : i64})
gpu.module @kernels {
  gpu.func @tiles() workgroup(%a : memref<64x40xbf16, #gpu.address_space<workgroup>>, %b : memref<8xf32, #gpu.address_space<workgroup>> {llvm.align = 64 : i64}, %c : memref<8xbf16, #gpu.address_space<workgroup>> {llvm.align = 4 : i64}) private(%p : memref<4xf32, #gpu.address_space<private>>) kernel {
    gpu.return
  }
  gpu.func @none() kernel {
    gpu.return
  }
}
