// bf16 storage computes what rounding inside the matmul computes: a step
// (an elementwise producer, a collapse, a matmul with a weight, an expand
// and a residual) run three times from a loop, its weight passed through a
// private function as a rolled recurrence passes it, gives the numbers of
// hrm-round-matmul-operands exactly, on the CPU's linalg loops and on
// hrm-matmul-to-mma-sync's host emulation of the tensor-core tiles, also
// with the weight's copy in the K-contiguous layout the GPU uses. The
// operands are not bf16 values, so the rounding matters: the f32 run
// differs.
// DEFINE: %{bufferize} = --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map allow-return-allocs-from-loops"
// DEFINE: %{bf16} = --hrm-bf16-matmul-operands --cse --hrm-fuse-elementwise
// DEFINE: %{lower} = hrm-opt --convert-linalg-to-loops --lower-affine --arith-expand=include-bf16=true --convert-scf-to-cf --expand-strided-metadata --finalize-memref-to-llvm --convert-to-llvm --reconcile-unrealized-casts | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | sed -e 's/base@ = 0x[0-9a-f]*//'
// RUN: hrm-opt %s %{bufferize} | %{lower} > %t.f32
// RUN: hrm-opt %s %{bufferize} --hrm-round-matmul-operands | %{lower} > %t.rounded
// RUN: hrm-opt %s %{bf16} %{bufferize} | %{lower} > %t.stored
// RUN: hrm-opt %s %{bf16} %{bufferize} --hrm-matmul-to-mma-sync=emulate | %{lower} > %t.mma
// RUN: hrm-opt %s --hrm-bf16-matmul-operands=k-contiguous-arguments --cse --hrm-fuse-elementwise %{bufferize} --hrm-matmul-to-mma-sync=emulate | %{lower} > %t.kc
// RUN: FileCheck %s < %t.stored
// RUN: diff %t.rounded %t.stored
// RUN: diff %t.rounded %t.mma
// RUN: diff %t.rounded %t.kc
// RUN: not diff %t.f32 %t.stored > /dev/null
// What ran stored the operands in bf16: the producer writes bf16, the
// weight is cast once, outside the loop, and the step reads it as bf16.
// RUN: hrm-opt %s %{bf16} | FileCheck %s --check-prefix=STORED
// STORED-LABEL: func.func private @step
// STORED-SAME: %{{.*}}: tensor<16x16xbf16>
// STORED: arith.mulf
// STORED-NEXT: arith.truncf {{.*}} : f32 to bf16
// STORED: tensor.collapse_shape {{.*}} into tensor<32x16xbf16>
// STORED-LABEL: func.func @main
// STORED: arith.truncf {{.*}} : f32 to bf16
// STORED: scf.for
// STORED-NOT: arith.truncf
// STORED: return

// CHECK: rank = 3 offset = 0 sizes = [2, 16, 16]

#id2 = affine_map<(i, j) -> (i, j)>
#id3 = affine_map<(b, i, j) -> (b, i, j)>
func.func private @printMemrefF32(memref<*xf32>)

// ((i * 5 + j) mod 7 - 3) * 0.13: not exact in bf16.
func.func @weight() -> tensor<16x16xf32> {
  %e = tensor.empty() : tensor<16x16xf32>
  %w = linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]} outs(%e : tensor<16x16xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c5 = arith.constant 5 : index
    %a = arith.muli %i, %c5 : index
    %b = arith.addi %a, %j : index
    %c7 = arith.constant 7 : index
    %r = arith.remui %b, %c7 : index
    %c3 = arith.constant 3 : index
    %s = arith.subi %r, %c3 : index
    %n = arith.index_cast %s : index to i32
    %f = arith.sitofp %n : i32 to f32
    %scale = arith.constant 0.13 : f32
    %g = arith.mulf %f, %scale : f32
    linalg.yield %g : f32
  } -> tensor<16x16xf32>
  return %w : tensor<16x16xf32>
}

func.func private @step(%w: tensor<16x16xf32>, %h: tensor<2x16x16xf32>) -> tensor<2x16x16xf32> {
  %e = tensor.empty() : tensor<2x16x16xf32>
  %n = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%h : tensor<2x16x16xf32>) outs(%e : tensor<2x16x16xf32>) {
  ^bb0(%x: f32, %o: f32):
    %k = arith.constant 1.1 : f32
    %y = arith.mulf %x, %k : f32
    linalg.yield %y : f32
  } -> tensor<2x16x16xf32>
  %flat = tensor.collapse_shape %n [[0, 1], [2]] : tensor<2x16x16xf32> into tensor<32x16xf32>
  %z = tensor.empty() : tensor<32x16xf32>
  %zero = arith.constant 0.0 : f32
  %acc = linalg.fill ins(%zero : f32) outs(%z : tensor<32x16xf32>) -> tensor<32x16xf32>
  %m = linalg.matmul ins(%flat, %w : tensor<32x16xf32>, tensor<16x16xf32>) outs(%acc : tensor<32x16xf32>) -> tensor<32x16xf32>
  %m3 = tensor.expand_shape %m [[0, 1], [2]] output_shape [2, 16, 16] : tensor<32x16xf32> into tensor<2x16x16xf32>
  %r = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%h, %m3 : tensor<2x16x16xf32>, tensor<2x16x16xf32>) outs(%e : tensor<2x16x16xf32>) {
  ^bb0(%x: f32, %p: f32, %o: f32):
    %half = arith.constant 0.5 : f32
    %q = arith.mulf %p, %half : f32
    %s = arith.addf %x, %q : f32
    linalg.yield %s : f32
  } -> tensor<2x16x16xf32>
  return %r : tensor<2x16x16xf32>
}

func.func @main() {
  %w = call @weight() : () -> tensor<16x16xf32>
  %e = tensor.empty() : tensor<2x16x16xf32>
  %h0 = linalg.generic {indexing_maps = [#id3], iterator_types = ["parallel", "parallel", "parallel"]} outs(%e : tensor<2x16x16xf32>) {
  ^bb0(%o: f32):
    %b = linalg.index 0 : index
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %c3 = arith.constant 3 : index
    %a = arith.muli %i, %c3 : index
    %s = arith.addi %a, %j : index
    %t = arith.addi %s, %b : index
    %c11 = arith.constant 11 : index
    %r = arith.remui %t, %c11 : index
    %n = arith.index_cast %r : index to i32
    %f = arith.sitofp %n : i32 to f32
    %scale = arith.constant 0.07 : f32
    %g = arith.mulf %f, %scale : f32
    linalg.yield %g : f32
  } -> tensor<2x16x16xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %h = scf.for %it = %c0 to %c3 step %c1 iter_args(%cur = %h0) -> (tensor<2x16x16xf32>) {
    %next = func.call @step(%w, %cur) : (tensor<16x16xf32>, tensor<2x16x16xf32>) -> tensor<2x16x16xf32>
    scf.yield %next : tensor<2x16x16xf32>
  }
  %buf = bufferization.to_buffer %h : tensor<2x16x16xf32> to memref<2x16x16xf32>
  %u = memref.cast %buf : memref<2x16x16xf32> to memref<*xf32>
  func.call @printMemrefF32(%u) : (memref<*xf32>) -> ()
  return
}
