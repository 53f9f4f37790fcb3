// RUN: hrm-opt %s --split-input-file --hrm-matmul-to-wgmma --canonicalize --cse | FileCheck %s
// RUN: hrm-opt %s --split-input-file --hrm-matmul-to-wgmma --remarks-filter=hrm-matmul-to-wgmma -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
// What the pass did, where, and (missed) why not: one remark each.
// REMARK: matmul-to-wgmma.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] wgmma | Category:hrm-matmul-to-wgmma | Function=fill_matmul | batch=1, k=32, k-chunk=32, m=128, n=64, tile-n=64
// REMARK: matmul-to-wgmma.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] wgmma | Category:hrm-matmul-to-wgmma | Function=accumulate | batch=1, k=48, k-chunk=16, m=64, n=24, tile-n=8
// REMARK: matmul-to-wgmma.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] wgmma | Category:hrm-matmul-to-wgmma | Function=batch | batch=3, k=16, k-chunk=16, m=64, n=16, tile-n=16
// REMARK: matmul-to-wgmma.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Missed] wgmma | Category:hrm-matmul-to-wgmma | Function=left_alone | Reason="M x N x K = 48 x 64 x 16: a warpgroup tile needs M a multiple of 64, N of 8, K of 16", Remark="left to hrm-matmul-to-mma-sync"
// REMARK: matmul-to-wgmma.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] wgmma | Category:hrm-matmul-to-wgmma | Function=pipelined | batch=1, k=128, k-chunk=64, m=64, n=64, tile-n=64
// REMARK-NOT: remark:

// bf16 operands with K last: one warpgroup per 64 x 64 tile (two blocks
// along y), both tiles in one workgroup buffer of 16-byte vectors (two
// stages), copied 16 bytes at a time by cp.async; two wgmma steps read
// them through descriptors. K is one chunk (the loop folds away; the
// request for the next chunk into stage 1 reads nothing).
// CHECK-LABEL: func.func @fill_matmul
// CHECK-DAG: %[[CST:.*]] = arith.constant 5.000000e-01 : f32
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C128:.*]] = arith.constant 128 : index
// The leading byte offset 1024 (64 >> 4 at bit 16) and the stride byte
// offset 128 (8 at bit 32).
// CHECK-DAG: %[[OFFSETS:.*]] = arith.constant 34363932672 : i64
// CHECK-NOT: linalg.fill
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c1, {{.*}} = %[[C2]], {{.*}} = %c1) threads({{.*}}) in ({{.*}} = %[[C128]], {{.*}}) workgroup(%[[SMEM:.*]] : memref<1024xvector<8xbf16>, #gpu.address_space<workgroup>>)
// CHECK: %[[PTR:.*]] = memref.extract_aligned_pointer_as_index %[[SMEM]]
// CHECK: %[[BASE:.*]] = arith.index_castui %[[PTR]] : index to i64
// The accumulators start at the fill's value.
// CHECK: llvm.insertvalue %[[CST]], %{{.*}}[0]
// CHECK-COUNT-2: affine.linearize_index disjoint [%{{.*}}, %{{.*}}] by (128, 32)
// CHECK-COUNT-2: affine.linearize_index disjoint [%{{.*}}, %{{.*}}] by (64, 32)
// CHECK: nvvm.cp.async.commit.group
// CHECK-NEXT: nvvm.cp.async.wait.group 0
// CHECK-NEXT: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK-NEXT: gpu.barrier
// CHECK-COUNT-4: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 16, cache =  cg, %c0_i32
// CHECK: nvvm.cp.async.commit.group
// CHECK-NEXT: nvvm.wgmma.fence.aligned
// A's first K step starts at the buffer, B's after A's 64 x 32 (4096 bytes).
// CHECK: %[[A0:.*]] = arith.andi %[[BASE]]
// CHECK: %[[A0S:.*]] = arith.shrui %[[A0]], %c4_i64
// CHECK: %[[DA:.*]] = arith.ori %[[A0S]], %[[OFFSETS]]
// CHECK: arith.addi %[[BASE]], %c4096_i64
// CHECK: %[[DB:.*]] = arith.ori %{{.*}}, %[[OFFSETS]]
// CHECK: %[[D0:.*]] = nvvm.wgmma.mma_async %[[DA]], %[[DB]], %{{.*}}, <m = 64, n = 64, k = 16>, D[<f32>, <one>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>]
// The second K step: 2048 bytes (two core matrices of 64 rows) further.
// CHECK: arith.addi %[[BASE]], %c2048_i64
// CHECK: arith.addi %[[BASE]], %c6144_i64
// CHECK: nvvm.wgmma.mma_async %{{.*}}, %{{.*}}, %[[D0]], <m = 64, n = 64, k = 16>
// CHECK-NOT: nvvm.wgmma.mma_async
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NEXT: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK-NEXT: nvvm.cp.async.wait.group 0
// CHECK-COUNT-32: memref.store {{.*}} : memref<128x64xf32>
// CHECK-NOT: linalg.generic
func.func @fill_matmul(%a: memref<128x32xbf16>, %b: memref<64x32xbf16>, %c: memref<128x64xf32>) {
  %z = arith.constant 0.5 : f32
  linalg.fill ins(%z : f32) outs(%c : memref<128x64xf32>)
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<128x32xbf16>, memref<64x32xbf16>) outs(%c : memref<128x64xf32>) {
  ^bb0(%x: bf16, %y: bf16, %o: f32):
    %xf = arith.extf %x : bf16 to f32
    %yf = arith.extf %y : bf16 to f32
    %p = arith.mulf %xf, %yf : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// f32 operands (B read along its first dimension): copied element by
// element and rounded to bf16; N = 24 gives 8-wide tiles (three blocks
// along x), whose B tile (8 rows x 16) needs only 16 of the 128 threads.
// Without a fill the accumulators start from the output; K = 48 is three
// chunks of 16, one wgmma each.
// CHECK-LABEL: func.func @accumulate
// CHECK-DAG: %[[C3:.*]] = arith.constant 3 : index
// CHECK: gpu.launch {{.*}} in ({{.*}} = %[[C3]], {{.*}} = %c1, {{.*}} = %c1) {{.*}} workgroup(%{{.*}} : memref<144xvector<8xbf16>, #gpu.address_space<workgroup>>)
// CHECK-COUNT-4: memref.load %arg2
// CHECK: scf.for {{.*}} = %c0 to %c48 step %c16 iter_args({{.*}}) -> (!llvm.struct<(f32, f32, f32, f32)>)
// CHECK-COUNT-8: arith.truncf {{.*}} : f32 to bf16
// CHECK: vector.from_elements {{.*}} : vector<8xbf16>
// CHECK: arith.cmpi ult, %{{.*}}, %c16
// CHECK-NEXT: scf.if
// CHECK-COUNT-8: memref.load %arg1
// CHECK: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 8, k = 16>
// CHECK-NOT: nvvm.wgmma.mma_async
// CHECK: scf.yield
// CHECK-COUNT-4: memref.store {{.*}}, %arg2
func.func @accumulate(%a: memref<64x48xf32>, %b: memref<48x24xf32>, %c: memref<64x24xf32>) {
  linalg.matmul ins(%a, %b : memref<64x48xf32>, memref<48x24xf32>) outs(%c : memref<64x24xf32>)
  return
}

// -----

// A batch on blockIdx.z.
// CHECK-LABEL: func.func @batch
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %[[BZ:.*]]) in ({{.*}} = %c1, {{.*}} = %c1, {{.*}} = %c3)
// CHECK: nvvm.wgmma.mma_async {{.*}} <m = 64, n = 16, k = 16>
// CHECK: memref.store {{.*}}, %arg2[%[[BZ]],
func.func @batch(%a: memref<3x64x16xf32>, %b: memref<3x16x16xf32>, %c: memref<3x64x16xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<3x64x16xf32>, memref<3x16x16xf32>) outs(%c : memref<3x64x16xf32>)
  return
}

// -----

// Left for hrm-matmul-to-mma-sync or the CUDA cores: M not a multiple of
// 64, N not a multiple of 8, K not a multiple of 16, f16 operands, a
// dynamic shape, and a matmul already in a kernel.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: wgmma
// CHECK-COUNT-5: linalg.matmul
// CHECK: gpu.launch
// CHECK: linalg.matmul
// CHECK-NOT: wgmma
func.func @left_alone(%a: memref<48x16xf32>, %b: memref<16x64xf32>, %c: memref<48x64xf32>,
                      %a2: memref<64x16xf32>, %b2: memref<16x12xf32>, %c2: memref<64x12xf32>,
                      %a3: memref<64x8xf32>, %b3: memref<8x64xf32>, %c3: memref<64x64xf32>,
                      %a4: memref<64x16xf16>, %b4: memref<16x64xf16>, %c4: memref<64x64xf16>,
                      %a5: memref<?x16xf32>, %b5: memref<16x64xf32>, %c5: memref<?x64xf32>) {
  linalg.matmul ins(%a, %b : memref<48x16xf32>, memref<16x64xf32>) outs(%c : memref<48x64xf32>)
  linalg.matmul ins(%a2, %b2 : memref<64x16xf32>, memref<16x12xf32>) outs(%c2 : memref<64x12xf32>)
  linalg.matmul ins(%a3, %b3 : memref<64x8xf32>, memref<8x64xf32>) outs(%c3 : memref<64x64xf32>)
  linalg.matmul ins(%a4, %b4 : memref<64x16xf16>, memref<16x64xf16>) outs(%c4 : memref<64x64xf16>)
  linalg.matmul ins(%a5, %b5 : memref<?x16xf32>, memref<16x64xf32>) outs(%c5 : memref<?x64xf32>)
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%x, %y, %z) in (%gx = %c1, %gy = %c1, %gz = %c1) threads(%tx, %ty, %tz) in (%bx = %c1, %by = %c1, %bz = %c1) {
    linalg.matmul ins(%a2, %b : memref<64x16xf32>, memref<16x64xf32>) outs(%c3 : memref<64x64xf32>)
    gpu.terminator
  }
  return
}

// -----

// bf16 operands with K last over two chunks of 64: the copies are cp.async
// into two stages of 16 KiB (A's 64 x 64, then B's). Chunk 0 is requested
// before the loop; iteration c waits for the thread's copies, fences them
// for the async proxy, meets the block at one barrier, requests chunk
// c + 1 into the other stage (none past the last: a size of 0) and runs
// chunk c's four wgmmas on stage c mod 2, whose descriptors start 16384
// bytes further for stage 1.
// CHECK-LABEL: func.func @pipelined
// CHECK: gpu.launch {{.*}} workgroup(%[[SMEM:.*]] : memref<2048xvector<8xbf16>, #gpu.address_space<workgroup>>)
// CHECK: %[[PTR:.*]] = memref.extract_aligned_pointer_as_index %[[SMEM]]
// CHECK: %[[BASE:.*]] = arith.index_castui %[[PTR]] : index to i64
// CHECK: affine.linearize_index disjoint [%{{.*}}, %{{.*}}] by (64, 128)
// CHECK: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 16, cache =  cg : !llvm.ptr<3>, !llvm.ptr<1>
// CHECK: nvvm.cp.async.commit.group
// CHECK-NEXT: %[[LOOP:.*]] = scf.for %[[C:.*]] = %c0 to %c2 step %c1 iter_args
// CHECK-NEXT: nvvm.cp.async.wait.group 0
// CHECK-NEXT: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: %[[NEXT:.*]] = arith.addi %[[C]], %c1
// CHECK-NEXT: %[[CHUNK:.*]] = arith.minui %[[NEXT]], %c1
// CHECK-NEXT: %[[INTO:.*]] = arith.remui %[[NEXT]], %c2
// CHECK-NEXT: %[[MORE:.*]] = arith.cmpi ult, %[[NEXT]], %c2
// CHECK-NEXT: %[[STAGE:.*]] = arith.remui %[[C]], %c2
// CHECK-NEXT: arith.muli %[[CHUNK]], %c64
// CHECK-NEXT: %[[FIRST:.*]] = arith.muli %[[INTO]], %c1024
// CHECK: %[[AT:.*]] = arith.addi %{{.*}}, %[[FIRST]]
// CHECK: %[[SIZE:.*]] = arith.select %[[MORE]], %c16_i32, %c0_i32
// CHECK-NEXT: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 16, cache =  cg, %[[SIZE]] : !llvm.ptr<3>, !llvm.ptr<1>, i32
// CHECK: nvvm.cp.async.commit.group
// CHECK-NEXT: nvvm.wgmma.fence.aligned
// CHECK: %[[OFF:.*]] = arith.muli %[[STAGE]], %c16384
// CHECK-NEXT: %[[OFF64:.*]] = arith.index_castui %[[OFF]] : index to i64
// CHECK-NEXT: arith.addi %[[BASE]], %[[OFF64]]
// CHECK-COUNT-4: nvvm.wgmma.mma_async
// CHECK-NOT: nvvm.wgmma.mma_async
// CHECK: nvvm.wgmma.commit.group.sync.aligned
// CHECK-NEXT: nvvm.wgmma.wait.group.sync.aligned 0
// CHECK-NEXT: scf.yield
// CHECK-NEXT: }
// CHECK-NEXT: nvvm.cp.async.wait.group 0
// CHECK: memref.store {{.*}} : memref<64x64xf32>
func.func @pipelined(%a: memref<64x128xbf16>, %b: memref<64x128xbf16>, %c: memref<64x64xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : memref<64x128xbf16>, memref<64x128xbf16>) outs(%c : memref<64x64xf32>) {
  ^bb0(%x: bf16, %y: bf16, %o: f32):
    %xf = arith.extf %x : bf16 to f32
    %yf = arith.extf %y : bf16 to f32
    %p = arith.mulf %xf, %yf : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  return
}
