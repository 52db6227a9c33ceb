#!/usr/bin/env bash
# End-to-end check of the CMake package: installs a finished adamite build into a fresh temporary
# prefix, configures tests/consumer against that prefix only, builds it and runs it, and builds
# the guide's own `adamite` program (tests/guide/own_model.cpp) against the installed adamite::cli.
# Usage: run.sh <adamite build dir> <C++ compiler> [cmake [docs/guide.md]]
# Given the guide, it builds and runs the guide's installed-package program instead (the code
# block after the marker comment naming this script), on CIFAR-10 from ${ADAMITE_DATA:-datasets}
# for a few steps, and checks what it writes and prints; exits 77 (ctest: skipped) when that
# data is missing.
set -euo pipefail
build_dir=$1
compiler=$2
cmake=${3:-cmake}
guide=${4:-}
here=$(cd "$(dirname "$0")" && pwd)

if [[ -n $guide ]]; then
  guide=$(realpath "$guide")
  data=$(realpath -m "${ADAMITE_DATA:-datasets}")
  image=$data/cifar10/images/test/cat/0000.jpg
  if [[ ! -f $image ]]; then
    echo "SKIP: no $image (the program classifies a CIFAR-10 JPEG: adamite fetch cifar10 from" \
      "a mirror that has the image tree)"
    exit 77
  fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/adamite-consume.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

"$cmake" --install "$build_dir" --prefix "$prefix" >/dev/null
[ -x "$prefix/bin/adamite" ] || { echo "FAIL: $prefix/bin/adamite not installed" >&2; exit 1; }
"$prefix/bin/adamite" --help >/dev/null

program_args=()
if [[ -n $guide ]]; then
  awk '/^<!-- tests\/consumer\/run.sh cuts the program below/ { marked = 1; next }
       marked && /^```cpp$/ { inside = 1; next }
       inside && /^```$/ { exit }
       inside { print }' "$guide" >"$work/guide_program.cpp"
  [[ -s $work/guide_program.cpp ]] ||
    { echo "FAIL: no program after the marker comment in $guide" >&2; exit 1; }
  program_args=(-DADAMITE_GUIDE_PROGRAM="$work/guide_program.cpp")
fi

# Only the temporary prefix may provide adamite: no package registry, no other prefix. A consumer
# must not need oneDNN's, MPI's or OpenCL's development packages (the library uses them
# privately): their CMake packages are made unfindable, as on a machine without them.
"$cmake" -S "$here" -B "$work/build" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$compiler" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF \
  -DCMAKE_DISABLE_FIND_PACKAGE_dnnl=ON -DCMAKE_DISABLE_FIND_PACKAGE_MPI=ON \
  -DCMAKE_DISABLE_FIND_PACKAGE_OpenCL=ON "${program_args[@]}"
found=$(sed -n 's/^adamite_DIR:PATH=//p' "$work/build/CMakeCache.txt")
case "$found" in
  "$prefix"/*) ;;
  *) echo "FAIL: adamite found at '$found', not in $prefix" >&2; exit 1 ;;
esac

if [[ -z $guide ]]; then
  "$cmake" --build "$work/build" -j2 --target consumer own_model
  "$work/build/consumer"
  "$work/build/own_model" train --help >"$work/help"
  grep -q "tiny" "$work/help" ||
    { echo "FAIL: the installed adamite::cli program does not list its model 'tiny'" >&2; exit 1; }
  echo "own_model: adamite::cli from the installed package lists the registered model"
  exit 0
fi

# The guide's program, quickly: 2 epochs on 1,280 training images, in a folder of its own.
"$cmake" --build "$work/build" -j2 --target guide_program
mkdir "$work/run"
(cd "$work/run" && ADAMITE_DATA=$data "$work/build/guide_program" "$image" 2 1280) |
  tee "$work/output"
weights=$work/run/best.safetensors
[[ -s $weights ]] || { echo "FAIL: the program wrote no $weights" >&2; exit 1; }
grep -q running_var "$weights" ||
  { echo "FAIL: $weights holds no BatchNorm running statistics" >&2; exit 1; }
# "<image>: <class>", then one "  <class> <probability>" line per class, most likely first.
awk -v image="$image" '
  index($0, image ": ") == 1 { predicted = substr($0, length(image) + 3); next }
  predicted != "" && NF == 2 && /^  / { if (++classes == 1) first = $1; sum += $2 }
  END {
    if (predicted == "" || classes != 10 || first != predicted || sum < 0.999 || sum > 1.001) {
      printf "FAIL: expected a prediction and 10 class probabilities summing to 1, got %s, %d, %g\n",
        predicted, classes, sum > "/dev/stderr"
      exit 1
    }
    printf "prediction %s, 10 probabilities summing to %.4f\n", predicted, sum
  }' "$work/output"
