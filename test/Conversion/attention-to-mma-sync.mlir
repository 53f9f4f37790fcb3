// RUN: hrm-opt %s --convert-hrm-to-linalg=fused-attention --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --hrm-attention-to-mma-sync | FileCheck %s
// RUN: hrm-opt %s --convert-hrm-to-linalg=fused-attention --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --hrm-attention-to-mma-sync --remarks-filter=hrm-attention-to-mma-sync -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
// What the pass did, where, and (missed) why not: one remark each.
// REMARK: attention-to-mma-sync.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] flash-attention-mma-sync | Category:hrm-attention-to-mma-sync | Function=causal | head-dim=32, heads=4, keys=128, queries=128
// REMARK: attention-to-mma-sync.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] flash-attention-mma-sync | Category:hrm-attention-to-mma-sync | Function=bidirectional | head-dim=16, heads=2, keys=48, queries=48
// REMARK: attention-to-mma-sync.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] flash-attention-mma-sync | Category:hrm-attention-to-mma-sync | Function=odd_shapes | head-dim=8, heads=2, keys=32, queries=32
// REMARK: attention-to-mma-sync.mlir:{{[0-9]+}}:{{[0-9]+}}: remark: [Passed] flash-attention-mma-sync | Category:hrm-attention-to-mma-sync | Function=odd_shapes | head-dim=16, heads=2, keys=40, queries=40
// REMARK-NOT: remark:
// Nests without the mask and prefix attributes that convert-hrm-to-linalg
// puts on its own (hrm-tile-attention-keys' hand-written ones) are left
// alone.
// RUN: hrm-opt %S/tile-attention-keys.mlir -split-input-file --hrm-attention-to-mma-sync | FileCheck %s --check-prefix=ALONE
// ALONE-NOT: gpu.launch
// ALONE-NOT: nvvm.mma.sync
// ALONE: hrm.fused_attention

// 128 positions, head size 32: a block of 128 threads per 64 queries (x) of
// each of the 4 (batch, head) rows (y); Q, a tile of 64 keys and the values
// transposed in bf16 shared memory, rows padded to an odd number of 16-byte
// units (40 = 5 x 8, 72 = 9 x 8).
// CHECK-LABEL: func.func @causal
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c2{{(_[0-9]+)?}}, {{.*}} = %c4{{(_[0-9]+)?}}, {{.*}} = %c1{{(_[0-9]+)?}}) threads({{.*}}) in ({{.*}} = %c128{{(_[0-9]+)?}}, {{.*}}) workgroup(%[[Q:.*]] : memref<64x40xbf16, #gpu.address_space<workgroup>>, %[[K:.*]] : memref<64x40xbf16, #gpu.address_space<workgroup>>, %[[V:.*]] : memref<32x72xbf16, #gpu.address_space<workgroup>>)
// The queries, rounded to bf16 as they are staged.
// CHECK: arith.truncf {{.*}} : f32 to bf16
// CHECK: memref.store {{.*}}, %[[Q]]
// CHECK: gpu.barrier
// Q's fragments: 32-bit pairs.
// CHECK: vector.load %[[Q]]{{.*}} : memref<64x40xbf16, #gpu.address_space<workgroup>>, vector<2xbf16>
// The key loop: keys stored, values stored transposed, a barrier.
// CHECK: scf.for
// CHECK: memref.store {{.*}}, %[[K]]
// CHECK: memref.store {{.*}}, %[[V]]
// CHECK: gpu.barrier
// QK^T: 8 tiles of 8 keys per K step, 2 K steps.
// CHECK-COUNT-16: nvvm.mma.sync {{.*}} {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>}
// The causal mask, the row max across the lane's group of four.
// CHECK: arith.cmpi ugt
// CHECK: gpu.shuffle  xor {{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK: gpu.shuffle  xor
// CHECK: math.exp
// PV: 4 tiles of 8 columns per step of 16 keys, 4 steps.
// CHECK-COUNT-16: nvvm.mma.sync
// CHECK-NOT: nvvm.mma.sync
// CHECK: gpu.barrier
// CHECK: scf.yield
// The sums across the group, the output stored by warps with queries.
// CHECK: gpu.shuffle  xor
// CHECK: gpu.shuffle  xor
// CHECK: scf.if
// CHECK: arith.divf
// CHECK: memref.store {{.*}} : memref<4x128x32xf32>
// CHECK: gpu.terminator
func.func @causal(%x: tensor<2x128x64xf32>, %w: tensor<64x64xf32>) -> tensor<2x128x64xf32> {
  %0 = hrm.attention %x weights(%w, %w, %w, %w) heads 2 mask causal rope 1.0e+04 : tensor<2x128x64xf32>, tensor<64x64xf32>
  return %0 : tensor<2x128x64xf32>
}

// 48 keys: tiles of 16; a bidirectional mask hides nothing, and the block
// reads every key.
// CHECK-LABEL: func.func @bidirectional
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{(_[0-9]+)?}}, {{.*}} = %c2{{(_[0-9]+)?}}, {{.*}} = %c1{{(_[0-9]+)?}})
// CHECK-SAME: workgroup({{.*}} : memref<64x24xbf16, #gpu.address_space<workgroup>>, {{.*}} : memref<16x24xbf16, #gpu.address_space<workgroup>>, {{.*}} : memref<16x24xbf16, #gpu.address_space<workgroup>>)
// CHECK-NOT: arith.cmpi ugt
// CHECK: gpu.terminator
func.func @bidirectional(%x: tensor<1x48x32xf32>, %w: tensor<32x32xf32>) -> tensor<1x48x32xf32> {
  %0 = hrm.attention %x weights(%w, %w, %w, %w) heads 2 mask bidirectional : tensor<1x48x32xf32>, tensor<32x32xf32>
  return %0 : tensor<1x48x32xf32>
}

// Shapes off the instruction's multiples: head size 8 is staged padded to
// 16 with zeros (columns past 8 load nothing) and only the first 8 output
// columns are stored; 40 positions take two tiles of 32 keys, the keys past
// 40 staged as zeros and masked, each output row stored if it is a query.
// CHECK-LABEL: func.func @odd_shapes
// CHECK: gpu.launch
// CHECK-SAME: workgroup({{.*}} : memref<64x24xbf16, #gpu.address_space<workgroup>>, {{.*}} : memref<32x24xbf16, #gpu.address_space<workgroup>>, {{.*}} : memref<16x40xbf16, #gpu.address_space<workgroup>>)
// CHECK: arith.cmpi ult, %{{.*}}, %c8
// CHECK-NEXT: scf.if %{{.*}} -> (bf16)
// CHECK-COUNT-4: memref.store {{.*}} : memref<2x32x8xf32>
// CHECK-NOT: memref.store {{.*}} : memref<2x32x8xf32>
// CHECK: gpu.launch
// CHECK-SAME: workgroup({{.*}} : memref<64x24xbf16, #gpu.address_space<workgroup>>, {{.*}} : memref<32x24xbf16, #gpu.address_space<workgroup>>, {{.*}} : memref<16x40xbf16, #gpu.address_space<workgroup>>)
// CHECK: arith.cmpi ult, %{{.*}}, %c40
// CHECK: arith.cmpi uge, %{{.*}}, %c40
// CHECK: arith.cmpi ult, %{{.*}}, %c40
// CHECK-NEXT: scf.if
// CHECK: arith.divf
// CHECK-NEXT: memref.store {{.*}} : memref<2x40x16xf32>
// CHECK: return
func.func @odd_shapes(%x: tensor<1x32x16xf32>, %w: tensor<16x16xf32>, %y: tensor<1x40x32xf32>, %v: tensor<32x32xf32>) -> (tensor<1x32x16xf32>, tensor<1x40x32xf32>) {
  %0 = hrm.attention %x weights(%w, %w, %w, %w) heads 2 mask causal : tensor<1x32x16xf32>, tensor<16x16xf32>
  %1 = hrm.attention %y weights(%v, %v, %v, %v) heads 2 mask causal : tensor<1x40x32xf32>, tensor<32x32xf32>
  return %0, %1 : tensor<1x32x16xf32>, tensor<1x40x32xf32>
}
