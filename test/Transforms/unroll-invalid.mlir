// RUN: not hrm-opt %s -hrm-unroll=force=sideways 2>&1 | FileCheck %s

// CHECK: hrm-unroll: unknown force value 'sideways', expected full or rolled

func.func @g() {
  return
}
