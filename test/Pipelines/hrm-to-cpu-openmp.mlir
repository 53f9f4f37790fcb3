// RUN: hrm-opt %s --hrm-to-cpu="batch=32 seq-len=8" | FileCheck %s
// RUN: hrm-opt %s --hrm-to-cpu="batch=32 seq-len=8 cpu-parallel=0" | FileCheck %s --check-prefix=SERIAL

// Loop nests of 65536 iterations or more (here 32 x 8 rows of 256) run on
// OpenMP threads: hrm-cpu-parallel splits them, convert-scf-to-openmp
// makes the chunks a worksharing loop in a parallel region, which stays in
// the LLVM dialect for translation (calls into libomp). cpu-parallel=0
// keeps every loop on one thread.
// CHECK-LABEL: llvm.func @hrm_module_f(
// CHECK: omp.parallel {
// CHECK-NEXT: omp.wsloop {
// CHECK-NEXT: omp.loop_nest (%{{.*}}) : i64 =
// CHECK: omp.yield
// CHECK: omp.terminator
// CHECK-LABEL: llvm.func @logits(
// CHECK: omp.parallel {
// CHECK-NOT: scf.
// SERIAL-NOT: omp.

hrm.model @m attributes {max_seq_len = 8 : i64} {
  hrm.param @embed : tensor<16x256xf32> init <normal(1.0)>
  hrm.module @f(%z: tensor<?x?x256xf32>) -> tensor<?x?x256xf32> {
    %n = rmsnorm %z eps 1.0e-05 : tensor<?x?x256xf32>
    yield %n : tensor<?x?x256xf32>
  }
  func.func @logits(%t: tensor<?x?xi32>) -> tensor<?x?x256xf32> {
    %w = hrm.weight @embed : tensor<16x256xf32>
    %x = hrm.embed %t, %w scale 1.0 : tensor<?x?xi32>, tensor<16x256xf32> -> tensor<?x?x256xf32>
    %y = hrm.loop steps 3 iter(%x : tensor<?x?x256xf32>) -> tensor<?x?x256xf32>
        schedule <unroll = rolled, grad = full, memory = keep> {
    ^bb0(%i: index, %h: tensor<?x?x256xf32>):
      %a = hrm.apply @f(%h) : (tensor<?x?x256xf32>) -> tensor<?x?x256xf32>
      hrm.yield %a : tensor<?x?x256xf32>
    }
    return %y : tensor<?x?x256xf32>
  }
}
