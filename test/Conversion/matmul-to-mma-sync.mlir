// RUN: hrm-opt %s --split-input-file --hrm-matmul-to-mma-sync --canonicalize --cse | FileCheck %s
// RUN: hrm-opt %s --split-input-file --hrm-matmul-to-mma-sync=precision=tf32 --canonicalize --cse | FileCheck %s --check-prefix=TF32
// RUN: not hrm-opt %s --split-input-file --hrm-matmul-to-mma-sync=precision=fp8 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: hrm-opt %s --split-input-file --hrm-matmul-to-mma-sync --remarks-filter=hrm-matmul-to-mma-sync -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
// What the pass did, where, and (missed) why not: one remark each.
// REMARK: matmul-to-mma-sync.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] mma-sync | Category:hrm-matmul-to-mma-sync | Function=fill_matmul | batch=1, k=64, m=256, n=128, precision=bf16
// REMARK: matmul-to-mma-sync.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] mma-sync | Category:hrm-matmul-to-mma-sync | Function=batch_accumulate | batch=3, k=16, m=48, n=8, precision=bf16
// REMARK: matmul-to-mma-sync.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Missed] mma-sync | Category:hrm-matmul-to-mma-sync | Function=left_alone | Reason="M x N x K = 15 x 8 x 16: the instruction needs multiples of 16 x 8 x 16", Remark="stays on the CUDA cores"
// REMARK: matmul-to-mma-sync.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Missed] mma-sync | Category:hrm-matmul-to-mma-sync | Function=left_alone | Reason="M x N x K = 16 x 12 x 16: the instruction needs multiples of 16 x 8 x 16", Remark="stays on the CUDA cores"
// REMARK: matmul-to-mma-sync.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Missed] mma-sync | Category:hrm-matmul-to-mma-sync | Function=left_alone | Reason="M x N x K = 16 x 8 x 8: the instruction needs multiples of 16 x 8 x 16", Remark="stays on the CUDA cores"
// REMARK: matmul-to-mma-sync.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Missed] mma-sync | Category:hrm-matmul-to-mma-sync | Function=left_alone | Reason="dynamic shape", Remark="stays on the CUDA cores"
// REMARK: matmul-to-mma-sync.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Missed] mma-sync | Category:hrm-matmul-to-mma-sync | Function=left_alone | Reason="does not accumulate in f32", Remark="stays on the CUDA cores"
// REMARK: matmul-to-mma-sync.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] mma-sync | Category:hrm-matmul-to-mma-sync | Function=fill_read_in_between | batch=1, k=16, m=16, n=8, precision=bf16
// REMARK: matmul-to-mma-sync.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] mma-sync | Category:hrm-matmul-to-mma-sync | Function=stored_bf16 | batch=1, k=16, m=16, n=8, precision=bf16
// REMARK: matmul-to-mma-sync.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] mma-sync | Category:hrm-matmul-to-mma-sync | Function=stored_bf16_k_last | batch=1, k=64, m=32, n=8, precision=bf16
// REMARK: matmul-to-mma-sync.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] mma-sync | Category:hrm-matmul-to-mma-sync | Function=stored_bf16_k_last | batch=1, k=16, m=16, n=8, precision=bf16
// REMARK: matmul-to-mma-sync.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] mma-sync | Category:hrm-matmul-to-mma-sync | Function=pipelined_partial_rows | batch=1, k=64, m=80, n=16, precision=bf16
// REMARK-NOT: remark:

// BAD: precision must be bf16 or tf32, not 'fp8'

// A fill and its matmul become one kernel: blocks of 64 x 64 (2 x 2 warps
// of 32 x 32) along x and y, 128 threads, and a tile of 64 rows of A and
// one of 64 columns of B in shared memory, K contiguous, 32 of K (plus 8
// of padding) per row. Per chunk of K every thread copies its share of
// both (A along K, B [K, N] along N, rounded to bf16), a barrier, two K
// steps of 2 x 4 mma.sync on registers loaded from the tiles, a barrier.
// CHECK-LABEL: func.func @fill_matmul
// CHECK-DAG: %[[CST:.*]] = arith.constant 5.000000e-01 : f32
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C128:.*]] = arith.constant 128 : index
// CHECK-NOT: linalg.fill
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %[[C2]], {{.*}} = %[[C4]], {{.*}} = %{{.*}}) threads(%[[TID:[^,]*]], {{.*}}) in ({{.*}} = %[[C128]], {{.*}}) workgroup(%[[TA:.*]] : memref<1x64x40xbf16, #gpu.address_space<workgroup>>, %[[TB:.*]] : memref<1x64x40xbf16, #gpu.address_space<workgroup>>)
// CHECK: %[[PTA:.*]] = memref.extract_aligned_pointer_as_index %[[TA]]
// CHECK: %[[PTB:.*]] = memref.extract_aligned_pointer_as_index %[[TB]]
// CHECK: %[[LANE:.*]] = arith.remui %[[TID]], %c32
// The accumulators start at the fill's value: 2 x 4 tiles of 4 each.
// CHECK: scf.for {{.*}} step %c32 iter_args(%arg{{[0-9]+}} = %[[CST]], %arg{{[0-9]+}} = %[[CST]],
// CHECK-SAME: %arg{{[0-9]+}} = %[[CST]]) -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK: memref.load %arg0
// CHECK-NEXT: arith.truncf
// CHECK-NEXT: memref.store %{{.*}}, %[[TA]][%{{.*}}, %{{.*}}] : memref<1x64x40xbf16, #gpu.address_space<workgroup>>
// CHECK-COUNT-15: memref.store %{{.*}}, %[[TA]]
// CHECK: %[[BN:.*]] = arith.remui %[[TID]], %c64
// CHECK: %[[BK:.*]] = arith.divui %[[TID]], %c64
// CHECK: memref.store %{{.*}}, %[[TB]][%c0, %[[BN]], %[[BK]]]
// CHECK-COUNT-15: memref.store %{{.*}}, %[[TB]]
// CHECK-NOT: memref.store
// CHECK: gpu.barrier
// Per K step, an ldmatrix.x4 per M tile of A (lane l addresses row l % 16
// at K 8 x (l / 16)) and per pair of N tiles of B (row 8 x (l / 16) +
// l % 8 at K 8 x (l / 8 % 2)), from the tiles' aligned pointers.
// CHECK: %[[AK:.*]] = arith.divui %[[LANE]], %c16
// CHECK: %[[AKB:.*]] = arith.muli %[[AK]], %c8
// CHECK: %[[AR:.*]] = arith.remui %[[LANE]], %c16
// CHECK: %[[AROW:.*]] = arith.addi %{{.*}}, %[[AR]]
// CHECK: affine.linearize_index disjoint [%[[AROW]], %[[AKB]]] by (64, 40)
// CHECK: arith.addi %[[PTA]],
// CHECK: llvm.inttoptr %{{.*}} : i64 to !llvm.ptr<3>
// CHECK-NEXT: nvvm.ldmatrix %{{.*}} {eltType = #nvvm.ld_st_matrix_elt_type<b16>, layout = #nvvm.mma_layout<row>, num = 4 : i32, shape = #nvvm.ld_st_matrix_shape<m = 8, n = 8>} : (!llvm.ptr<3>) -> !llvm.struct<(i32, i32, i32, i32)>
// CHECK: nvvm.ldmatrix
// CHECK: arith.addi %[[PTB]],
// CHECK: nvvm.ldmatrix
// CHECK: arith.addi %[[PTB]],
// CHECK: nvvm.ldmatrix
// CHECK-NOT: vector.load
// CHECK-COUNT-8: nvvm.mma.sync A[{{.*}}, {{.*}}, {{.*}}, {{.*}}] B[{{.*}}, {{.*}}] C[{{.*}}, {{.*}}, {{.*}}, {{.*}}] {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>}
// CHECK-COUNT-8: nvvm.mma.sync
// CHECK-NOT: nvvm.mma.sync
// CHECK: gpu.barrier
// CHECK-NEXT: scf.yield
// CHECK-COUNT-32: memref.store {{.*}} : memref<256x128xf32>
// CHECK-NOT: linalg.matmul
// f32 under tf32: chunks of 16, four K steps per chunk. Both operands are
// stored as staged (f32), so both are copied 16 bytes at a time by
// cp.async into two stages: A [M, K] (rows of 16 + 4), B k-major [K, N]
// (rows of 64 + 8: lane (g, t) reads word 72 t + g, 32 banks).
// TF32-LABEL: func.func @fill_matmul
// TF32: workgroup(%[[TA:.*]] : memref<2x64x20xf32, #gpu.address_space<workgroup>>, %[[TB:.*]] : memref<2x16x72xf32, #gpu.address_space<workgroup>>)
// TF32: %[[LANE:.*]] = arith.remui %{{.*}}, %c32
// TF32: %[[T:.*]] = arith.remui %[[LANE]], %c4
// TF32: affine.linearize_index disjoint [%{{.*}}, %{{.*}}] by (256, 64)
// TF32: nvvm.cp.async.shared.global
// TF32: nvvm.cp.async.shared.global
// B's chunk: 16 rows of K by 16 copies of 4 along N.
// TF32: %[[BN:.*]] = arith.remui %{{.*}}, %c16
// TF32-NEXT: %[[BN4:.*]] = arith.muli %[[BN]], %c4
// TF32-NEXT: %[[BK:.*]] = arith.divui %{{.*}}, %c16
// TF32-NEXT: %[[COL:.*]] = arith.addi %{{.*}}, %[[BN4]]
// TF32-NEXT: affine.linearize_index disjoint [%[[BK]], %[[COL]]] by (64, 128)
// TF32: affine.linearize_index disjoint [%[[BK]], %[[BN4]]] by (16, 72)
// TF32: nvvm.cp.async.shared.global
// TF32: nvvm.cp.async.shared.global
// TF32: nvvm.cp.async.commit.group
// TF32-NEXT: scf.for
// TF32-NOT: arith.truncf
// TF32: %[[STAGE:.*]] = arith.remui %arg{{[0-9]+}}, %c2
// TF32: memref.load %[[TA]][%[[STAGE]], %{{.*}}, %[[T]]]
// TF32: memref.load %[[TB]][%[[STAGE]], %[[T]], %{{.*}}]
// TF32: nvvm.mma.sync A[{{[^,]*}}, {{[^,]*}}] B[{{[^,]*}}] C[{{.*}}] {{.*}}multiplicandAPtxType = #nvvm.mma_type<tf32>, multiplicandBPtxType = #nvvm.mma_type<tf32>, shape = #nvvm.shape<m = 16, n = 8, k = 4>}
// TF32-COUNT-31: nvvm.mma.sync
// TF32-NOT: nvvm.mma.sync
// TF32-NOT: gpu.barrier
// TF32: scf.yield
func.func @fill_matmul(%a: memref<256x64xf32>, %b: memref<64x128xf32>, %c: memref<256x128xf32>) {
  %z = arith.constant 0.5 : f32
  linalg.fill ins(%z : f32) outs(%c : memref<256x128xf32>)
  linalg.matmul ins(%a, %b : memref<256x64xf32>, memref<64x128xf32>) outs(%c : memref<256x128xf32>)
  return
}

// -----

// Without a fill the accumulators start from the output; one tile per warp
// each way, four warps along M, the batch on blockIdx.z. The block's
// fourth warp has no rows: it computes the third's products from the
// staged rows (min) and stores nothing (a warp-uniform test after the last
// barrier). One block row covers M: the block stages its 48 rows only.
// CHECK-LABEL: func.func @batch_accumulate
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %[[BZ:.*]]) in ({{.*}} = %[[C1]], {{.*}} = %[[C1]], {{.*}} = %[[C3]]) {{.*}} workgroup({{.*}} : memref<1x48x24xbf16, #gpu.address_space<workgroup>>, {{.*}} : memref<1x8x24xbf16, #gpu.address_space<workgroup>>)
// CHECK: %[[WARP:.*]] = arith.divui %{{.*}}, %c32
// CHECK: %[[VALID:.*]] = arith.cmpi ult, %[[WARP]], %[[C3]]
// CHECK: arith.minui %[[WARP]], %c2
// K is one chunk: canonicalize folds the loop.
// CHECK-COUNT-4: memref.load %arg2[%[[BZ]],
// CHECK-NOT: scf.if
// CHECK-COUNT-6: memref.load %arg0[%[[BZ]],
// CHECK: gpu.barrier
// CHECK: nvvm.mma.sync
// CHECK-NOT: nvvm.mma.sync
// CHECK: gpu.barrier
// CHECK-NEXT: scf.if %[[VALID]]
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

// Operands stored in bf16 (hrm-bf16-matmul-operands) are staged as
// loaded, without a rounding, 16 bytes at a time: A along K (its last
// dimension), B ([K, N]) k-major along N, both by cp.async. B's fragments
// come through ldmatrix.trans (layout col): lane l addresses K row l % 8
// (+ 8 for lanes 8-15) of the tile's columns. tf32 leaves them alone.
// CHECK-LABEL: func.func @stored_bf16
// CHECK: gpu.launch {{.*}} workgroup(%{{.*}} : memref<2x16x24xbf16, #gpu.address_space<workgroup>>, %[[TB:.*]] : memref<2x16x8xbf16, #gpu.address_space<workgroup>>)
// CHECK-DAG: %[[PTB:.*]] = memref.extract_aligned_pointer_as_index %[[TB]]
// CHECK-DAG: %[[LANE:.*]] = arith.remui %{{.*}}, %c32
// CHECK-NOT: arith.truncf
// CHECK: affine.linearize_index disjoint [%{{.*}}, %{{.*}}] by (16, 16)
// CHECK: nvvm.cp.async.shared.global
// One 16-byte copy per K row of B: threads 0-15.
// CHECK: %[[BIN:.*]] = arith.cmpi ult, %{{.*}}, %c16
// CHECK-NEXT: scf.if %[[BIN]]
// CHECK-NEXT: affine.linearize_index disjoint [%[[BROW:.*]], %c0] by (16, 8)
// CHECK: affine.linearize_index disjoint [%[[BROW]], %c0] by (16, 8)
// CHECK: nvvm.cp.async.shared.global
// CHECK: nvvm.cp.async.commit.group
// CHECK: %[[KB:.*]] = arith.divui %[[LANE]], %c8
// CHECK-NEXT: %[[KB2:.*]] = arith.remui %[[KB]], %c2
// CHECK-NEXT: %[[KB8:.*]] = arith.muli %[[KB2]], %c8
// CHECK-NEXT: %[[R:.*]] = arith.remui %[[LANE]], %c8
// CHECK-NEXT: %[[K:.*]] = arith.addi %[[KB8]], %[[R]]
// CHECK: nvvm.ldmatrix {{.*}}layout = #nvvm.mma_layout<row>, num = 4
// CHECK: affine.linearize_index disjoint [%[[K]], %c0] by (16, 8)
// CHECK: arith.addi %[[PTB]],
// CHECK: nvvm.ldmatrix %{{.*}} {eltType = #nvvm.ld_st_matrix_elt_type<b16>, layout = #nvvm.mma_layout<col>, num = 2 : i32, shape = #nvvm.ld_st_matrix_shape<m = 8, n = 8>} : (!llvm.ptr<3>) -> !llvm.struct<(i32, i32)>
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

// With both operands K-contiguous in bf16 (as the GPU pipeline stores
// weights: [N, K]) the chunks are copied with cp.async (16 bytes, L2 only)
// into two stages: chunk 0 before the loop; in iteration c, a wait for the
// thread's copies and a barrier, then the request for chunk c + 1 (none
// past the last: a size of 0 reads nothing) into the other stage, then the
// products of stage c mod 2. An operand with a strided layout (a subview)
// is copied element by element, single-buffered.
// CHECK-LABEL: func.func @stored_bf16_k_last
// M = 32 is one warp row: the block stages only those 32 rows of A.
// CHECK: gpu.launch {{.*}} workgroup(%[[TA:.*]] : memref<2x32x40xbf16, #gpu.address_space<workgroup>>, %[[TB:.*]] : memref<2x8x40xbf16, #gpu.address_space<workgroup>>)
// CHECK-DAG: %[[PA:.*]] = memref.extract_aligned_pointer_as_index %arg0 : memref<32x64xbf16>
// CHECK-DAG: %[[PTA:.*]] = memref.extract_aligned_pointer_as_index %[[TA]]
// CHECK: %[[LA:.*]] = affine.linearize_index disjoint [%{{.*}}, %{{.*}}] by (32, 64)
// CHECK: %[[BA:.*]] = arith.muli %[[LA]], %c2
// CHECK: arith.addi %[[PA]], %[[BA]]
// CHECK: llvm.inttoptr %{{.*}} : i64 to !llvm.ptr
// CHECK-NEXT: llvm.addrspacecast %{{.*}} : !llvm.ptr to !llvm.ptr<1>
// CHECK: affine.linearize_index disjoint [%{{.*}}, %{{.*}}] by (32, 40)
// CHECK: llvm.inttoptr %{{.*}} : i64 to !llvm.ptr<3>
// CHECK: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 16, cache =  cg : !llvm.ptr<3>, !llvm.ptr<1>
// B's 8 x 64 chunk is 32 loads of 16 bytes.
// CHECK: arith.cmpi ult, %{{.*}}, %c32
// CHECK: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 16, cache =  cg : !llvm.ptr<3>, !llvm.ptr<1>
// CHECK: nvvm.cp.async.commit.group
// CHECK-NEXT: %[[LOOP:.*]]:8 = scf.for %[[C:.*]] = %c0 to %c2 step %c1
// CHECK-NEXT: nvvm.cp.async.wait.group 0
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: %[[NEXT:.*]] = arith.addi %[[C]], %c1
// CHECK-NEXT: %[[CHUNK:.*]] = arith.minui %[[NEXT]], %c1
// CHECK-NEXT: %[[INTO:.*]] = arith.remui %[[NEXT]], %c2
// CHECK-NEXT: %[[MORE:.*]] = arith.cmpi ult, %[[NEXT]], %c2
// CHECK-NEXT: %[[STAGE:.*]] = arith.remui %[[C]], %c2
// CHECK-NEXT: arith.muli %[[CHUNK]], %c32
// CHECK: affine.linearize_index disjoint [%[[INTO]], %{{.*}}, %{{.*}}] by (2, 32, 40)
// CHECK: %[[SIZE:.*]] = arith.select %[[MORE]], %c16_i32, %c0_i32
// CHECK: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 16, cache =  cg, %[[SIZE]] : !llvm.ptr<3>, !llvm.ptr<1>, i32
// CHECK: nvvm.cp.async.commit.group
// CHECK: affine.linearize_index disjoint [%[[STAGE]], %{{.*}}, %{{.*}}] by (2, 32, 40)
// CHECK: nvvm.ldmatrix
// CHECK-NOT: gpu.barrier
// CHECK-COUNT-4: nvvm.mma.sync
// CHECK-NOT: gpu.barrier
// CHECK: scf.yield
// CHECK-NEXT: }
// CHECK-NEXT: nvvm.cp.async.wait.group 0
// CHECK: scf.if
// CHECK-COUNT-8: memref.store %[[LOOP]]#{{.*}} : memref<32x8xf32>
// CHECK: gpu.launch
// CHECK-SAME: memref<1x16x24xbf16
// CHECK-NOT: vector.load %{{.*}} : memref<16x16xbf16, strided
// CHECK-NOT: cp.async
// CHECK: memref.load %{{.*}} : memref<16x16xbf16, strided
// CHECK: nvvm.mma.sync
#a = affine_map<(i, j, k) -> (i, k)>
#b = affine_map<(i, j, k) -> (k, j)>
#bt = affine_map<(i, j, k) -> (j, k)>
#c = affine_map<(i, j, k) -> (i, j)>
func.func @stored_bf16_k_last(%a: memref<32x64xbf16>, %b: memref<8x64xbf16>, %c: memref<16x8xf32>, %big: memref<32x32xbf16>, %b2: memref<16x8xbf16>, %c32: memref<32x8xf32>) {
  linalg.generic {indexing_maps = [#a, #bt, #c], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<32x64xbf16>, memref<8x64xbf16>) outs(%c32 : memref<32x8xf32>) {
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

// -----

// Two stages with a partial last block row (M = 80, blocks of 64 rows): a
// copy of a row of A past M reads A's last row with a source size of 0 (in
// the prologue too), so that no address leaves the buffer.
// CHECK-LABEL: func.func @pipelined_partial_rows
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c1, {{.*}} = %c2, {{.*}} = %c1) {{.*}} workgroup({{.*}} : memref<2x64x40xbf16, #gpu.address_space<workgroup>>,
// CHECK: %[[INSIDE:.*]] = arith.cmpi ult, %[[ROW:.*]], %c80
// CHECK-NEXT: %[[CLAMPED:.*]] = arith.minui %[[ROW]], %c79
// CHECK: affine.linearize_index disjoint [%[[CLAMPED]], %{{.*}}] by (80, 64)
// CHECK: %[[SIZE:.*]] = arith.select %[[INSIDE]], %c16_i32, %c0_i32
// CHECK: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 16, cache =  cg, %[[SIZE]]
// In the loop the size is 0 past M (the same test) or past the last chunk.
// CHECK: scf.for
// CHECK: %[[MORE:.*]] = arith.cmpi ult, %{{.*}}, %c2
// CHECK: %[[BOTH:.*]] = arith.andi %[[MORE]], %[[INSIDE]]
// CHECK: arith.select %[[BOTH]], %c16_i32, %c0_i32
#ak = affine_map<(i, j, k) -> (i, k)>
#bk = affine_map<(i, j, k) -> (j, k)>
#ck = affine_map<(i, j, k) -> (i, j)>
func.func @pipelined_partial_rows(%a: memref<80x64xbf16>, %b: memref<16x64xbf16>, %c: memref<80x16xf32>) {
  linalg.generic {indexing_maps = [#ak, #bk, #ck], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<80x64xbf16>, memref<16x64xbf16>) outs(%c : memref<80x16xf32>) {
  ^bb0(%x: bf16, %y: bf16, %o: f32):
    %xw = arith.extf %x : bf16 to f32
    %yw = arith.extf %y : bf16 to f32
    %p = arith.mulf %xw, %yw : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  return
}
