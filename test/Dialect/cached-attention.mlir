// RUN: hrm-opt %s | hrm-opt | FileCheck %s
// RUN: hrm-opt %s --mlir-print-op-generic | hrm-opt | FileCheck %s

// CHECK-LABEL: func.func @decode_step
// CHECK: %{{.*}}, %{{.*}}, %{{.*}} = hrm.cached_attention %{{.*}} weights(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) cache(%{{.*}}, %{{.*}}) slot %{{.*}} position %{{.*}} heads 2 rope 1.000000e+04 : tensor<1x1x8xf32>, tensor<8x8xf32>, tensor<3x1x2x16x4xf32>
// CHECK: hrm.cached_attention {{.*}} query %{{.*}} cache
// CHECK: hrm.random_normal_like %{{.*}} std 1.000000e+00 seed 7 at %{{.*}} : tensor<1x1x8xf32>
func.func @decode_step(%x: tensor<1x1x8xf32>, %w: tensor<8x8xf32>, %k: tensor<3x1x2x16x4xf32>,
                       %v: tensor<3x1x2x16x4xf32>, %slot: index, %pos: index) -> tensor<1x1x8xf32> {
  %a, %k1, %v1 = hrm.cached_attention %x weights(%w, %w, %w, %w) cache(%k, %v) slot %slot position %pos heads 2 rope 1.0e+04 : tensor<1x1x8xf32>, tensor<8x8xf32>, tensor<3x1x2x16x4xf32>
  %b, %k2, %v2 = hrm.cached_attention %a weights(%w, %w, %w, %w) query %x cache(%k1, %v1) slot %slot position %pos heads 2 : tensor<1x1x8xf32>, tensor<8x8xf32>, tensor<3x1x2x16x4xf32>, tensor<1x1x8xf32>
  %n = hrm.random_normal_like %b std 1.0 seed 7 at %pos : tensor<1x1x8xf32>
  return %n : tensor<1x1x8xf32>
}
