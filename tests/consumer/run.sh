#!/usr/bin/env bash
# End-to-end check of the CMake package: installs a finished adamite build into a fresh temporary
# prefix, configures tests/consumer against that prefix only, builds it and runs it.
# Usage: run.sh <adamite build dir> <C++ compiler> [cmake]
set -euo pipefail
build_dir=$1
compiler=$2
cmake=${3:-cmake}
here=$(cd "$(dirname "$0")" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/adamite-consume.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

"$cmake" --install "$build_dir" --prefix "$prefix" >/dev/null
[ -x "$prefix/bin/adamite" ] || { echo "FAIL: $prefix/bin/adamite not installed" >&2; exit 1; }
"$prefix/bin/adamite" --help >/dev/null

# Only the temporary prefix may provide adamite: no package registry, no other prefix. A consumer
# must not need oneDNN's, MPI's or OpenCL's development packages (the library uses them
# privately): their CMake packages are made unfindable, as on a machine without them.
"$cmake" -S "$here" -B "$work/build" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$compiler" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF \
  -DCMAKE_DISABLE_FIND_PACKAGE_dnnl=ON -DCMAKE_DISABLE_FIND_PACKAGE_MPI=ON \
  -DCMAKE_DISABLE_FIND_PACKAGE_OpenCL=ON
found=$(sed -n 's/^adamite_DIR:PATH=//p' "$work/build/CMakeCache.txt")
case "$found" in
  "$prefix"/*) ;;
  *) echo "FAIL: adamite found at '$found', not in $prefix" >&2; exit 1 ;;
esac
"$cmake" --build "$work/build" -j2
"$work/build/consumer"
