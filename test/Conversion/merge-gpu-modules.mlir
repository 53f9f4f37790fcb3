// RUN: hrm-opt %s -hrm-merge-gpu-modules -split-input-file -verify-diagnostics | FileCheck %s

// Two outlined kernels of the same name in two modules become two kernels
// of one module, named after their old modules; launches follow them.
// CHECK-LABEL: func.func @host
// CHECK: gpu.launch_func @hrm_kernels::@f_kernel blocks
// CHECK: gpu.launch_func @hrm_kernels::@f_kernel_0 blocks
// CHECK: gpu.module @hrm_kernels
// CHECK-DAG: gpu.func @f_kernel(%{{.*}}: memref<4xf32>) kernel
// CHECK-DAG: gpu.func @f_kernel_0(%{{.*}}: memref<4xf32>, %{{.*}}: f32) kernel
// CHECK-NOT: gpu.module
module attributes {gpu.container_module} {
  func.func @host(%m: memref<4xf32>, %x: f32) {
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    gpu.launch_func @f_kernel::@f_kernel blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1) args(%m : memref<4xf32>)
    gpu.launch_func @f_kernel_0::@f_kernel blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1) args(%m : memref<4xf32>, %x : f32)
    return
  }
  gpu.module @f_kernel {
    gpu.func @f_kernel(%m: memref<4xf32>) kernel {
      %i = gpu.thread_id x
      %cst = arith.constant 0.0 : f32
      memref.store %cst, %m[%i] : memref<4xf32>
      gpu.return
    }
  }
  gpu.module @f_kernel_0 {
    gpu.func @f_kernel(%m: memref<4xf32>, %x: f32) kernel {
      %i = gpu.thread_id x
      memref.store %x, %m[%i] : memref<4xf32>
      gpu.return
    }
  }
}

// -----

// A module that holds more than kernels is left to the user.
module attributes {gpu.container_module} {
  gpu.module @g_kernel {
    // expected-error @+1 {{only gpu.func ops can be merged}}
    func.func @helper() {
      return
    }
    gpu.func @g_kernel() kernel {
      gpu.return
    }
  }
}

// -----

// The merged module's name is taken.
// expected-error @+1 {{a symbol named 'hrm_kernels' exists already}}
module attributes {gpu.container_module} {
  func.func private @hrm_kernels()
  gpu.module @h_kernel {
    gpu.func @h_kernel() kernel {
      gpu.return
    }
  }
}
