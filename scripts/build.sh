#!/usr/bin/env bash
# Configures (once) and builds hrmc into ${HRMC_BUILD_DIR:-build}.
#   scripts/build.sh [TARGET ...]    (default: everything)
# HRMC_CMAKE_ARGS: extra arguments of the first configure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${HRMC_BUILD_DIR:-$root/build}
"$root/scripts/setup.sh"
if [ ! -f "$build/build.ninja" ]; then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_USE_LINKER=lld \
    "${launcher[@]}" ${HRMC_CMAKE_ARGS:-}
fi
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build "$build" "${targets[@]}"
