// RUN: hrm-opt %s --split-input-file --hrm-fold-add-into-contraction | FileCheck %s
// RUN: hrm-opt %s --split-input-file --hrm-fold-add-into-contraction --remarks-filter=hrm-fold-add-into-contraction -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
// What the pass did, where, and (missed) why not: one remark each.
// REMARK: fold-add-into-contraction.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] residual-epilogue | Category:hrm-fold-add-into-contraction | Function=residual | Remark="the addition is the contraction's start value"
// REMARK: fold-add-into-contraction.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] residual-epilogue | Category:hrm-fold-add-into-contraction | Function=product_first | Remark="the addition is the contraction's start value"
// REMARK: fold-add-into-contraction.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] residual-epilogue | Category:hrm-fold-add-into-contraction | Function=generic_contraction | Remark="the addition is the contraction's start value"
// REMARK: fold-add-into-contraction.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Missed] residual-epilogue | Category:hrm-fold-add-into-contraction | Function=left_alone | Reason="the product does not start from zeros", Remark="the addition stays a kernel of its own"
// REMARK: fold-add-into-contraction.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Missed] residual-epilogue | Category:hrm-fold-add-into-contraction | Function=left_alone | Reason="the product is read elsewhere too", Remark="the addition stays a kernel of its own"
// REMARK: fold-add-into-contraction.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Missed] residual-epilogue | Category:hrm-fold-add-into-contraction | Function=left_alone | Reason="the product is read elsewhere too", Remark="the addition stays a kernel of its own"
// REMARK-NOT: remark:

// A residual add of a matmul started from zero, through the expand_shape
// that restores the batch dimension: the matmul starts from the residual,
// collapsed the same way; the fill and the add are gone.
// CHECK-LABEL: func.func @residual
// CHECK-SAME: (%[[X:.*]]: tensor<2x8x32xf32>, %[[A:.*]]: tensor<16x32xf32>, %[[W:.*]]: tensor<32x32xf32>)
// CHECK-NOT: linalg.fill
// CHECK: %[[XC:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<2x8x32xf32> into tensor<16x32xf32>
// CHECK-NEXT: %[[M:.*]] = linalg.matmul ins(%[[A]], %[[W]] : tensor<16x32xf32>, tensor<32x32xf32>) outs(%[[XC]] : tensor<16x32xf32>)
// CHECK-NEXT: %[[R:.*]] = tensor.expand_shape %[[M]] {{\[\[}}0, 1], [2]] output_shape [2, 8, 32]
// CHECK-NEXT: return %[[R]]
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @residual(%x: tensor<2x8x32xf32>, %a: tensor<16x32xf32>, %w: tensor<32x32xf32>) -> tensor<2x8x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<16x32xf32>) -> tensor<16x32xf32>
  %m = linalg.matmul ins(%a, %w : tensor<16x32xf32>, tensor<32x32xf32>) outs(%f : tensor<16x32xf32>) -> tensor<16x32xf32>
  %r = tensor.expand_shape %m [[0, 1], [2]] output_shape [2, 8, 32] : tensor<16x32xf32> into tensor<2x8x32xf32>
  %o = tensor.empty() : tensor<2x8x32xf32>
  %s = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x, %r : tensor<2x8x32xf32>, tensor<2x8x32xf32>) outs(%o : tensor<2x8x32xf32>) {
  ^bb0(%p: f32, %q: f32, %out: f32):
    %v = arith.addf %p, %q : f32
    linalg.yield %v : f32
  } -> tensor<2x8x32xf32>
  return %s : tensor<2x8x32xf32>
}

// -----

// The product first, no reshape, a batched matmul; the addend is defined
// after the matmul, so the new matmul is built at the add. The zero fill
// shared with another matmul stays for it.
// CHECK-LABEL: func.func @product_first
// CHECK-SAME: (%[[A:.*]]: tensor<2x4x8xf32>, %[[B:.*]]: tensor<2x8x6xf32>, %[[Y:.*]]: tensor<2x4x6xf32>)
// CHECK: %[[F:.*]] = linalg.fill
// CHECK: %[[KEEP:.*]] = linalg.batch_matmul ins(%[[A]], %[[B]] : {{.*}}) outs(%[[F]] : tensor<2x4x6xf32>)
// CHECK: %[[Z:.*]] = math.exp %[[Y]]
// CHECK-NEXT: %[[M:.*]] = linalg.batch_matmul ins(%[[A]], %[[B]] : {{.*}}) outs(%[[Z]] : tensor<2x4x6xf32>)
// CHECK-NEXT: return %[[M]], %[[KEEP]]
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @product_first(%a: tensor<2x4x8xf32>, %b: tensor<2x8x6xf32>, %y: tensor<2x4x6xf32>) -> (tensor<2x4x6xf32>, tensor<2x4x6xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4x6xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
  %m = linalg.batch_matmul ins(%a, %b : tensor<2x4x8xf32>, tensor<2x8x6xf32>) outs(%f : tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
  %keep = linalg.batch_matmul ins(%a, %b : tensor<2x4x8xf32>, tensor<2x8x6xf32>) outs(%f : tensor<2x4x6xf32>) -> tensor<2x4x6xf32>
  %z = math.exp %y : tensor<2x4x6xf32>
  %s = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%m, %z : tensor<2x4x6xf32>, tensor<2x4x6xf32>) outs(%e : tensor<2x4x6xf32>) {
  ^bb0(%p: f32, %q: f32, %out: f32):
    %v = arith.addf %q, %p : f32
    linalg.yield %v : f32
  } -> tensor<2x4x6xf32>
  return %s, %keep : tensor<2x4x6xf32>, tensor<2x4x6xf32>
}

// -----

// A generic contraction (a weight gradient's A^T B) counts too.
// CHECK-LABEL: func.func @generic_contraction
// CHECK-SAME: (%[[A:.*]]: tensor<8x4xf32>, %[[B:.*]]: tensor<8x6xf32>, %[[Y:.*]]: tensor<4x6xf32>)
// CHECK-NOT: linalg.fill
// CHECK: %[[M:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[A]], %[[B]] : {{.*}}) outs(%[[Y]] : tensor<4x6xf32>)
// CHECK-NOT: linalg.generic
// CHECK: return %[[M]]
#at = affine_map<(i, j, k) -> (k, i)>
#b = affine_map<(i, j, k) -> (k, j)>
#c = affine_map<(i, j, k) -> (i, j)>
#id2 = affine_map<(i, j) -> (i, j)>
func.func @generic_contraction(%a: tensor<8x4xf32>, %b: tensor<8x6xf32>, %y: tensor<4x6xf32>) -> tensor<4x6xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x6xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x6xf32>) -> tensor<4x6xf32>
  %m = linalg.generic {indexing_maps = [#at, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<8x4xf32>, tensor<8x6xf32>) outs(%f : tensor<4x6xf32>) {
  ^bb0(%p: f32, %q: f32, %acc: f32):
    %t = arith.mulf %p, %q : f32
    %u = arith.addf %acc, %t : f32
    linalg.yield %u : f32
  } -> tensor<4x6xf32>
  %s = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%y, %m : tensor<4x6xf32>, tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%p: f32, %q: f32, %out: f32):
    %v = arith.addf %p, %q : f32
    linalg.yield %v : f32
  } -> tensor<4x6xf32>
  return %s : tensor<4x6xf32>
}

// -----

// Left alone: a matmul started from a non-zero fill, a product with
// another use, a broadcast addend (a bias), a subtraction, an add of a
// product to itself, and an addition that also scales.
// CHECK-LABEL: func.func @left_alone
// CHECK: %[[F0:.*]] = linalg.fill ins(%{{.*}}) outs
// CHECK: %[[F1:.*]] = linalg.fill ins(%{{.*}}) outs
// CHECK: linalg.matmul ins({{.*}}) outs(%[[F1]] : tensor<4x6xf32>)
// CHECK-NEXT: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: linalg.matmul ins({{.*}}) outs(%[[F0]] : tensor<4x6xf32>)
// CHECK-NEXT: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: linalg.matmul ins({{.*}}) outs(%[[F0]] : tensor<4x6xf32>)
// CHECK-NEXT: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: linalg.matmul ins({{.*}}) outs(%[[F0]] : tensor<4x6xf32>)
// CHECK-NEXT: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: linalg.matmul ins({{.*}}) outs(%[[F0]] : tensor<4x6xf32>)
// CHECK-NEXT: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: linalg.matmul ins({{.*}}) outs(%[[F0]] : tensor<4x6xf32>)
// CHECK-NEXT: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
#id2 = affine_map<(i, j) -> (i, j)>
#bias = affine_map<(i, j) -> (j)>
func.func @left_alone(%a: tensor<4x8xf32>, %b: tensor<8x6xf32>, %y: tensor<4x6xf32>, %v: tensor<6xf32>)
    -> (tensor<4x6xf32>, tensor<4x6xf32>, tensor<4x6xf32>, tensor<4x6xf32>, tensor<4x6xf32>, tensor<4x6xf32>, tensor<4x6xf32>) {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<4x6xf32>
  %f0 = linalg.fill ins(%zero : f32) outs(%e : tensor<4x6xf32>) -> tensor<4x6xf32>
  %f1 = linalg.fill ins(%one : f32) outs(%e : tensor<4x6xf32>) -> tensor<4x6xf32>
  %m1 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x6xf32>) outs(%f1 : tensor<4x6xf32>) -> tensor<4x6xf32>
  %r1 = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%y, %m1 : tensor<4x6xf32>, tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%p: f32, %q: f32, %out: f32):
    %s = arith.addf %p, %q : f32
    linalg.yield %s : f32
  } -> tensor<4x6xf32>
  %m2 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x6xf32>) outs(%f0 : tensor<4x6xf32>) -> tensor<4x6xf32>
  %r2 = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%y, %m2 : tensor<4x6xf32>, tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%p: f32, %q: f32, %out: f32):
    %s = arith.addf %p, %q : f32
    linalg.yield %s : f32
  } -> tensor<4x6xf32>
  %m3 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x6xf32>) outs(%f0 : tensor<4x6xf32>) -> tensor<4x6xf32>
  %r3 = linalg.generic {indexing_maps = [#bias, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%v, %m3 : tensor<6xf32>, tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%p: f32, %q: f32, %out: f32):
    %s = arith.addf %p, %q : f32
    linalg.yield %s : f32
  } -> tensor<4x6xf32>
  %m4 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x6xf32>) outs(%f0 : tensor<4x6xf32>) -> tensor<4x6xf32>
  %r4 = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%y, %m4 : tensor<4x6xf32>, tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%p: f32, %q: f32, %out: f32):
    %s = arith.subf %p, %q : f32
    linalg.yield %s : f32
  } -> tensor<4x6xf32>
  %m5 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x6xf32>) outs(%f0 : tensor<4x6xf32>) -> tensor<4x6xf32>
  %r5 = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%m5, %m5 : tensor<4x6xf32>, tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%p: f32, %q: f32, %out: f32):
    %s = arith.addf %p, %q : f32
    linalg.yield %s : f32
  } -> tensor<4x6xf32>
  %m6 = linalg.matmul ins(%a, %b : tensor<4x8xf32>, tensor<8x6xf32>) outs(%f0 : tensor<4x6xf32>) -> tensor<4x6xf32>
  %r6 = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%y, %m6 : tensor<4x6xf32>, tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%p: f32, %q: f32, %out: f32):
    %s = arith.addf %p, %q : f32
    %t = arith.mulf %s, %s : f32
    linalg.yield %t : f32
  } -> tensor<4x6xf32>
  return %r1, %r2, %m2, %r3, %r4, %r5, %r6 : tensor<4x6xf32>, tensor<4x6xf32>, tensor<4x6xf32>, tensor<4x6xf32>, tensor<4x6xf32>, tensor<4x6xf32>, tensor<4x6xf32>
}
