// hrm.divide_by_count's lowering run on the CPU: a sum over a run-time
// count of steps made their mean, the count read inside the generic (on
// the GPU a kernel parameter), 7.5 / 3 = 2.5 and 7.5 / 1.
// DEFINE: %{bufferize} = --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map"
// DEFINE: %{lower} = hrm-opt --convert-linalg-to-loops --lower-affine --convert-scf-to-cf --expand-strided-metadata --finalize-memref-to-llvm --convert-math-to-llvm --convert-to-llvm --reconcile-unrealized-casts | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | sed -e 's/base@ = 0x[0-9a-f]*//'
// RUN: hrm-opt %s --convert-hrm-to-linalg %{bufferize} | %{lower} | FileCheck %s
// RUN: hrm-opt %s --convert-hrm-to-linalg | FileCheck %s --check-prefix=IR
// IR-LABEL: func.func @mean
// IR: linalg.generic {{.*}} ins(%{{.*}} : tensor<f32>)
// IR: arith.index_castui %{{.*}} : index to i64
// IR-NEXT: arith.uitofp
// IR-NEXT: arith.divf
// IR-NOT: hrm.divide_by_count

// CHECK: rank = 0 offset = 0 sizes = [] strides = [] data =
// CHECK-NEXT: [2.5]
// CHECK: rank = 0 offset = 0 sizes = [] strides = [] data =
// CHECK-NEXT: [7.5]

func.func private @printMemrefF32(tensor<*xf32>)

func.func @mean(%sum: tensor<f32>, %n: index) -> tensor<f32> {
  %m = hrm.divide_by_count %sum, %n : tensor<f32>
  return %m : tensor<f32>
}

func.func @main() {
  %sum = arith.constant dense<7.5> : tensor<f32>
  %c3 = arith.constant 3 : index
  %c1 = arith.constant 1 : index
  %a = func.call @mean(%sum, %c3) : (tensor<f32>, index) -> tensor<f32>
  %au = tensor.cast %a : tensor<f32> to tensor<*xf32>
  func.call @printMemrefF32(%au) : (tensor<*xf32>) -> ()
  %b = func.call @mean(%sum, %c1) : (tensor<f32>, index) -> tensor<f32>
  %bu = tensor.cast %b : tensor<f32> to tensor<*xf32>
  func.call @printMemrefF32(%bu) : (tensor<*xf32>) -> ()
  return
}
