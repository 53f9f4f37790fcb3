// RUN: hrm-opt %s --split-input-file --hrm-packed-entries -verify-diagnostics | FileCheck %s

// Argument i of the C interface function is loaded from slot i.
// CHECK: llvm.func @hrm_entry_f(%[[ARGS:.*]]: !llvm.ptr)
// CHECK: %[[S0:.*]] = llvm.getelementptr %[[ARGS]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[A0:.*]] = llvm.load %[[S0]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[S1:.*]] = llvm.getelementptr %[[ARGS]][1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[A1:.*]] = llvm.load %[[S1]] : !llvm.ptr -> !llvm.ptr
// CHECK: llvm.call @_mlir_ciface_f(%[[A0]], %[[A1]])
// CHECK-NOT: hrm_entry_g
llvm.func @_mlir_ciface_f(%a: !llvm.ptr, %b: !llvm.ptr) {
  llvm.return
}
llvm.func @g(%a: !llvm.ptr) {
  llvm.return
}

// -----

// expected-error @below {{hrm-packed-entries expects memref descriptor pointers in and nothing out (run buffer-results-to-out-params)}}
llvm.func @_mlir_ciface_h(%a: i64) {
  llvm.return
}
