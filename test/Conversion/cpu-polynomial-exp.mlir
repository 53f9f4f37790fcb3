// RUN: hrm-opt %s --hrm-cpu-polynomial-exp | FileCheck %s
// Run: over [-87, 88] (where exp is a normal f32) the polynomial stays
// within 2e-7 of libm's expf, relatively; -inf gives 0, +inf inf, 88.8 inf.
// RUN: hrm-opt %s --hrm-cpu-polynomial-exp --convert-scf-to-cf --convert-math-to-llvm --convert-to-llvm --reconcile-unrealized-casts | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s --check-prefix=VALUES
// RUN: hrm-opt %s --convert-scf-to-cf --convert-math-to-llvm --convert-to-llvm --reconcile-unrealized-casts | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_utils | FileCheck %s --check-prefix=VALUES

// CHECK-LABEL: func.func @scalar
// CHECK-NOT: math.exp
// CHECK: math.fma
// CHECK-NOT: math.exp
func.func @scalar(%x: f32) -> f32 {
  %e = math.exp %x : f32
  return %e : f32
}

// CHECK-LABEL: func.func @vector
// CHECK-NOT: math.exp
// CHECK: math.fma {{.*}} : vector<8xf32>
func.func @vector(%x: vector<8xf32>) -> vector<8xf32> {
  %e = math.exp %x : vector<8xf32>
  return %e : vector<8xf32>
}

// Only f32 exp: other functions and types keep their libm calls.
// CHECK-LABEL: func.func @left_alone
// CHECK: math.exp %{{.*}} : f64
// CHECK: math.log %{{.*}} : f32
func.func @left_alone(%x: f64, %y: f32) -> (f64, f32) {
  %e = math.exp %x : f64
  %l = math.log %y : f32
  return %e, %l : f64, f32
}

func.func private @expf(f32) -> f32

// VALUES: within 2e-7: 1
// VALUES-NEXT: 0
// VALUES-NEXT: inf
// VALUES-NEXT: inf
func.func @main() {
  %c0 = arith.constant 0 : index
  %n = arith.constant 17500 : index
  %c1 = arith.constant 1 : index
  %lo = arith.constant -87.0 : f32
  %step = arith.constant 0.01 : f32
  %zero = arith.constant 0.0 : f32
  %worst = scf.for %i = %c0 to %n step %c1 iter_args(%w = %zero) -> f32 {
    %ii = arith.index_cast %i : index to i32
    %if = arith.sitofp %ii : i32 to f32
    %t = arith.mulf %if, %step : f32
    %x = arith.addf %lo, %t : f32
    %e = math.exp %x : f32
    %r = func.call @expf(%x) : (f32) -> f32
    %d = arith.subf %e, %r : f32
    %ad = math.absf %d : f32
    %rel = arith.divf %ad, %r : f32
    %m = arith.maximumf %w, %rel : f32
    scf.yield %m : f32
  }
  %bound = arith.constant 2.0e-7 : f32
  %ok = arith.cmpf olt, %worst, %bound : f32
  %okf = arith.uitofp %ok : i1 to f32
  vector.print str "within 2e-7: "
  vector.print %okf : f32
  %ninf = arith.constant 0xFF800000 : f32
  %pinf = arith.constant 0x7F800000 : f32
  %big = arith.constant 88.8 : f32
  %e0 = math.exp %ninf : f32
  %e1 = math.exp %pinf : f32
  %e2 = math.exp %big : f32
  vector.print %e0 : f32
  vector.print %e1 : f32
  vector.print %e2 : f32
  return
}
