// RUN: hrm-opt %s --split-input-file --hrm-matmul-to-mma-sync --canonicalize --cse | FileCheck %s
// RUN: hrm-opt %s --split-input-file --hrm-matmul-to-mma-sync=precision=tf32 --canonicalize --cse | FileCheck %s --check-prefix=TF32
// RUN: not hrm-opt %s --split-input-file --hrm-matmul-to-mma-sync=precision=fp8 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: precision must be bf16 or tf32, not 'fp8'

// A fill and its matmul become one kernel: N / 32 blocks along x, two
// 16-row tiles per warp and four warps per block along y, 128 threads.
// CHECK-LABEL: func.func @fill_matmul
// CHECK-DAG: %[[CST:.*]] = arith.constant 5.000000e-01 : f32
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C128:.*]] = arith.constant 128 : index
// CHECK-NOT: linalg.fill
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %[[C4]], {{.*}} = %[[C2]], {{.*}} = %{{.*}}) threads({{.*}}) in ({{.*}} = %[[C128]],
// The accumulators start at the fill's value: 2 x 4 tiles of 4 each.
// CHECK: scf.for {{.*}} step %c16 iter_args(%arg{{[0-9]+}} = %[[CST]], %arg{{[0-9]+}} = %[[CST]],
// CHECK-SAME: %arg{{[0-9]+}} = %[[CST]]) -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK-COUNT-8: nvvm.mma.sync A[{{.*}}, {{.*}}, {{.*}}, {{.*}}] B[{{.*}}, {{.*}}] C[{{.*}}, {{.*}}, {{.*}}, {{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>}
// CHECK-NOT: nvvm.mma.sync
// CHECK: scf.yield
// CHECK-COUNT-32: memref.store {{.*}} : memref<256x128xf32>
// CHECK-NOT: linalg.matmul
// TF32-LABEL: func.func @fill_matmul
// TF32: scf.for {{.*}} step %c4
// TF32-COUNT-8: nvvm.mma.sync A[{{[^,]*}}, {{[^,]*}}] B[{{[^,]*}}] C[{{.*}}] {{.*}}multiplicandAPtxType = #nvvm.mma_type<tf32>, multiplicandBPtxType = #nvvm.mma_type<tf32>, shape = #nvvm.shape<m = 16, n = 8, k = 4>}
func.func @fill_matmul(%a: memref<256x32xf32>, %b: memref<32x128xf32>, %c: memref<256x128xf32>) {
  %z = arith.constant 0.5 : f32
  linalg.fill ins(%z : f32) outs(%c : memref<256x128xf32>)
  linalg.matmul ins(%a, %b : memref<256x32xf32>, memref<32x128xf32>) outs(%c : memref<256x128xf32>)
  return
}

// -----

// Without a fill the accumulators start from the output; one tile per warp
// each way, the last block's spare warps skip (a warp-uniform test); the
// batch on blockIdx.z.
// CHECK-LABEL: func.func @batch_accumulate
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %[[BZ:.*]]) in ({{.*}} = %[[C1]], {{.*}} = %[[C1]], {{.*}} = %[[C3]])
// CHECK: %[[WARP:.*]] = arith.divui %{{.*}}, %c32
// CHECK: arith.cmpi ult, %[[WARP]], %[[C3]]
// CHECK: scf.if
// K is one step: canonicalize folds the loop.
// CHECK-COUNT-4: memref.load %arg2[%[[BZ]],
// CHECK: nvvm.mma.sync
// CHECK-NOT: nvvm.mma.sync
// CHECK-COUNT-4: memref.store {{.*}}, %arg2[%[[BZ]],
func.func @batch_accumulate(%a: memref<3x48x16xf32>, %b: memref<3x16x8xf32>, %c: memref<3x48x8xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<3x48x16xf32>, memref<3x16x8xf32>) outs(%c : memref<3x48x8xf32>)
  return
}

// -----

// Left alone: shapes that are not multiples of the instruction's, a
// dynamic shape, f16, a body that is not a multiply-add, a fill that
// something reads before the matmul (the matmul is rewritten, the fill
// kept).
// CHECK-LABEL: func.func @left_alone
// CHECK: linalg.matmul ins({{.*}} : memref<15x16xf32>
// CHECK: linalg.matmul ins({{.*}} : memref<16x16xf32>, memref<16x12xf32>)
// CHECK: linalg.matmul ins({{.*}} : memref<16x8xf32>, memref<8x8xf32>)
// CHECK: linalg.matmul ins({{.*}} : memref<?x16xf32>
// CHECK: linalg.matmul ins({{.*}} : memref<16x16xf16>
// CHECK: linalg.generic
// TF32-LABEL: func.func @left_alone
// TF32: linalg.matmul ins({{.*}} : memref<15x16xf32>
// TF32: linalg.matmul ins({{.*}} : memref<16x16xf32>, memref<16x12xf32>)
// K = 8 is a multiple of tf32's 4.
// TF32-NOT: linalg.matmul ins({{.*}} : memref<16x8xf32>, memref<8x8xf32>)
// TF32: linalg.matmul ins({{.*}} : memref<?x16xf32>
func.func @left_alone(%a: memref<15x16xf32>, %b: memref<16x8xf32>, %c: memref<15x8xf32>,
                      %b12: memref<16x12xf32>, %c12: memref<16x12xf32>, %a16: memref<16x16xf32>,
                      %a8: memref<16x8xf32>, %b8: memref<8x8xf32>, %c8: memref<16x8xf32>,
                      %ad: memref<?x16xf32>, %cd: memref<?x8xf32>,
                      %ah: memref<16x16xf16>, %bh: memref<16x8xf16>, %ch: memref<16x8xf16>) {
  linalg.matmul ins(%a, %b : memref<15x16xf32>, memref<16x8xf32>) outs(%c : memref<15x8xf32>)
  linalg.matmul ins(%a16, %b12 : memref<16x16xf32>, memref<16x12xf32>) outs(%c12 : memref<16x12xf32>)
  linalg.matmul ins(%a8, %b8 : memref<16x8xf32>, memref<8x8xf32>) outs(%c8 : memref<16x8xf32>)
  linalg.matmul ins(%ad, %b : memref<?x16xf32>, memref<16x8xf32>) outs(%cd : memref<?x8xf32>)
  linalg.matmul ins(%ah, %bh : memref<16x16xf16>, memref<16x8xf16>) outs(%ch : memref<16x8xf16>)
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a16, %b : memref<16x16xf32>, memref<16x8xf32>) outs(%c8 : memref<16x8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %m = arith.maximumf %x, %y : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// CHECK-LABEL: func.func @fill_read_in_between
// CHECK: linalg.fill
// CHECK: memref.load %arg2
// CHECK: gpu.launch
// CHECK: memref.load %arg2
// CHECK: nvvm.mma.sync
func.func @fill_read_in_between(%a: memref<16x16xf32>, %b: memref<16x8xf32>, %c: memref<16x8xf32>) -> f32 {
  %z = arith.constant 0.0 : f32
  %i = arith.constant 0 : index
  linalg.fill ins(%z : f32) outs(%c : memref<16x8xf32>)
  %v = memref.load %c[%i, %i] : memref<16x8xf32>
  linalg.matmul ins(%a, %b : memref<16x16xf32>, memref<16x8xf32>) outs(%c : memref<16x8xf32>)
  return %v : f32
}

// -----

// Operands stored in bf16 (hrm-bf16-matmul-operands) are packed into the
// registers as loaded, without a rounding; where K indexes the last
// dimension (A here) each register's pair is one aligned 32-bit load, B
// ([K, N]) is loaded an element at a time. tf32 leaves them alone.
// CHECK-LABEL: func.func @stored_bf16
// CHECK: gpu.launch
// CHECK-NOT: arith.truncf
// CHECK-COUNT-4: vector.load %arg0[%{{.*}}, %{{.*}}] {alignment = 4 : i64} : memref<16x16xbf16>, vector<2xbf16>
// CHECK-COUNT-4: memref.load %arg1[%{{.*}}, %{{.*}}] : memref<16x8xbf16>
// CHECK-NOT: arith.truncf
// CHECK: nvvm.mma.sync {{.*}}multiplicandAPtxType = #nvvm.mma_type<bf16>
// TF32-LABEL: func.func @stored_bf16
// TF32-NOT: gpu.launch
// TF32: linalg.generic
#a = affine_map<(i, j, k) -> (i, k)>
#b = affine_map<(i, j, k) -> (k, j)>
#c = affine_map<(i, j, k) -> (i, j)>
func.func @stored_bf16(%a: memref<16x16xbf16>, %b: memref<16x8xbf16>, %c: memref<16x8xf32>) {
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<16x16xbf16>, memref<16x8xbf16>) outs(%c : memref<16x8xf32>) {
  ^bb0(%x: bf16, %y: bf16, %o: f32):
    %xw = arith.extf %x : bf16 to f32
    %yw = arith.extf %y : bf16 to f32
    %p = arith.mulf %xw, %yw : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// B stored K-contiguous ([N, K], as the GPU pipeline casts weights) is
// paired as well; an operand with a strided layout (a subview) is not.
// CHECK-LABEL: func.func @stored_bf16_k_last
// CHECK: gpu.launch
// CHECK-COUNT-4: vector.load %arg0[
// CHECK-COUNT-2: vector.load %arg1[%{{.*}}, %{{.*}}] {alignment = 4 : i64} : memref<8x16xbf16>, vector<2xbf16>
// CHECK: nvvm.mma.sync
// CHECK: gpu.launch
// CHECK-NOT: vector.load %{{.*}} : memref<16x16xbf16, strided
// CHECK: nvvm.mma.sync
#a = affine_map<(i, j, k) -> (i, k)>
#b = affine_map<(i, j, k) -> (k, j)>
#bt = affine_map<(i, j, k) -> (j, k)>
#c = affine_map<(i, j, k) -> (i, j)>
func.func @stored_bf16_k_last(%a: memref<16x16xbf16>, %b: memref<8x16xbf16>, %c: memref<16x8xf32>, %big: memref<32x32xbf16>, %b2: memref<16x8xbf16>) {
  linalg.generic {indexing_maps = [#a, #bt, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<16x16xbf16>, memref<8x16xbf16>) outs(%c : memref<16x8xf32>) {
  ^bb0(%x: bf16, %y: bf16, %o: f32):
    %xw = arith.extf %x : bf16 to f32
    %yw = arith.extf %y : bf16 to f32
    %p = arith.mulf %xw, %yw : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  %sub = memref.subview %big[0, 1] [16, 16] [1, 1] : memref<32x32xbf16> to memref<16x16xbf16, strided<[32, 1], offset: 1>>
  linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%sub, %b2 : memref<16x16xbf16, strided<[32, 1], offset: 1>>, memref<16x8xbf16>) outs(%c : memref<16x8xf32>) {
  ^bb0(%x: bf16, %y: bf16, %o: f32):
    %xw = arith.extf %x : bf16 to f32
    %yw = arith.extf %y : bf16 to f32
    %p = arith.mulf %xw, %yw : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  return
}
