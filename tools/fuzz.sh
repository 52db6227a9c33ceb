#!/usr/bin/env bash
# Builds the libFuzzer targets of the file readers (fuzz/*_fuzzer.cpp: IDX, CIFAR-10 binary,
# safetensors, checkpoints, images) with clang + ASan + UBSan in build-fuzz/, writes their seed
# corpora (small prefixes of the real datasets, plus synthetic files) and fuzzes each target in
# turn for FUZZ_SECONDS seconds (default 30). Prints each target's executions; exits non-zero if any target
# finds a crash, a sanitizer report, an unexpected exception, a leak or a hang (the input that
# triggered it is saved in build-fuzz/findings/).
#   FUZZ_SECONDS=600 bash tools/fuzz.sh            # longer campaigns
#   FUZZ_TARGETS="idx image" bash tools/fuzz.sh    # some targets only
#   FUZZ_ARGS="-runs=1000000" bash tools/fuzz.sh   # extra libFuzzer flags (here: a run count)
# Reproduce a finding: ./build-fuzz/fuzz_<target> build-fuzz/findings/<target>-crash-...
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
# The fuzzers need clang, its libFuzzer runtime and libomp (not part of the main build).
for p in clang libclang-rt-14-dev libomp-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    { echo "installing $p"; ${SUDO:-$( [ "$(id -u)" = 0 ] || echo sudo)} apt-get install -y "$p" >/dev/null; }
done

seconds="${FUZZ_SECONDS:-30}"
targets=(${FUZZ_TARGETS:-idx cifar10 safetensors checkpoint image})
data="${ADAMITE_DATA:-$PWD/datasets}"
mirror="${ADAMITE_DATA_MIRROR:-../shared/datasets}"
out=build-fuzz

# No MPI (the readers do not use it) and no oneDNN: it brings GCC's libgomp, and clang's OpenMP here is libomp (two OpenMP runtimes in one
# process must not mix); the readers do no GEMM.
cmake -S . -B "$out" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug -DADAMITE_FUZZ=ON \
  -DADAMITE_BUILD_TESTS=OFF -DADAMITE_NATIVE=OFF -DADAMITE_WITH_DNNL=OFF -DADAMITE_WITH_MPI=OFF \
  >/dev/null
cmake --build "$out" -j "$(($(nproc) < 2 ? $(nproc) : 2))" --target fuzz_make_seeds \
  "${targets[@]/#/fuzz_}"

# --- seed corpora (rebuilt every run; nothing of the datasets is kept in the repository) ---
seeds="$out/seeds"
rm -rf "$seeds"
mkdir -p "$seeds"/{idx,cifar10,safetensors,checkpoint,image}
"$out/fuzz_make_seeds" "$seeds"

# IDX: the first 2 records of the MNIST files, with the count in the header set to 2, raw and
# gzipped; and a synthetic 1-D file, so there is a seed without the datasets too.
idx_prefix() {  # <gz file> <header bytes> <record bytes> <output>
  { gzip -dc "$1" | head -c 4 || true; printf '\0\0\0\x02'
    gzip -dc "$1" | head -c $(($2 + 2 * $3)) | tail -c +9 || true; } >"$4"
}
for f in train-images-idx3-ubyte t10k-images-idx3-ubyte; do
  [ -f "$data/mnist/$f.gz" ] && idx_prefix "$data/mnist/$f.gz" 16 784 "$seeds/idx/$f.2"
done
for f in train-labels-idx1-ubyte t10k-labels-idx1-ubyte; do
  [ -f "$data/mnist/$f.gz" ] && idx_prefix "$data/mnist/$f.gz" 8 1 "$seeds/idx/$f.2"
done
printf '\0\0\x08\x01\0\0\0\x03\x00\x7f\xff' >"$seeds/idx/synthetic-3"
for f in "$seeds"/idx/*; do gzip -n -c "$f" >"$f.gz"; done

# CIFAR-10: the first 2 records of each binary batch found, and a synthetic record.
for f in "$mirror"/cifar-10-binary-prefix/*.bin "$data"/cifar10/*.bin; do
  [ -f "$f" ] && head -c $((2 * 3073)) "$f" >"$seeds/cifar10/$(basename "$f").2"
done
{ printf '\x07'; head -c 3072 /dev/zero | tr '\0' '\200'; } >"$seeds/cifar10/synthetic-1"

# Images: a few real CIFAR-10 JPEGs besides the synthetic PNG/BMP/JPEG files.
for class in airplane cat truck; do
  f="$data/cifar10/images/test/$class/0000.jpg"
  [ -f "$f" ] && cp "$f" "$seeds/image/cifar-$class.jpg"
done

# Inputs that once failed a fuzzer, kept as regression seeds (libFuzzer runs every seed first).
cp tests/fixtures/*.jpg "$seeds/image/"

# A JPEG whose Huffman table declares 4080 codes: stb_image 2.27 writes past its tables on it,
# which the reader must refuse first (src/data/image_folder.cpp, jpeg_huffman_tables_fit).
{ printf '\xff\xd8\xff\xc4\x01\x13\x00'; head -c 16 /dev/zero | tr '\0' '\377'
  head -c 300 /dev/zero; } >"$seeds/image/dht-4080-codes.jpg"

# A BMP header claiming 2^31-1 x 2^31-1 pixels x 4 channels: width x height x channels overflows
# int64, so the reader's size limit must be checked without that product (read_image).
{ printf 'BM\x46\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0\xff\xff\xff\x7f\xff\xff\xff\x7f\x01\0\x20\0'
  head -c 40 /dev/zero; } >"$seeds/image/bmp-2g-by-2g.bmp"

# --- fuzzing ---
# safetensors and checkpoint: room for the 300 KB deep-nesting seed (fuzz/make_seeds.cpp).
declare -A max_len=([idx]=4096 [cifar10]=9219 [safetensors]=524288 [checkpoint]=524288 [image]=8192)
mkdir -p "$out/findings"
failed=()
for t in "${targets[@]}"; do
  corpus="$out/corpus/$t"
  mkdir -p "$corpus"
  log="$out/fuzz-$t.log"
  limit="${seconds} s"
  [ "$seconds" = 0 ] && limit="no time limit"
  echo "fuzz_$t: $limit ${FUZZ_ARGS:-}, max_len ${max_len[$t]}, $(ls "$seeds/$t" | wc -l) seeds"
  status=0
  # The working corpus (first folder) keeps growing across runs; the seeds are read only. One
  # OpenMP thread: an input is one image, and idle OpenMP threads spin and slow the fuzzer down.
  OMP_NUM_THREADS=1 "$out/fuzz_$t" "$corpus" "$seeds/$t" -max_total_time="$seconds" -max_len="${max_len[$t]}" \
    -timeout=25 -print_final_stats=1 -artifact_prefix="$out/findings/$t-" ${FUZZ_ARGS:-} \
    >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  time=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | sed 's/Done [0-9]* runs in //' || true)
  echo "  ${execs:-?} executions in ${time:-?}s, corpus $(ls "$corpus" | wc -l) files, exit $status"
  if [ "$status" -ne 0 ]; then
    failed+=("$t")
    grep -E 'ERROR|runtime error|SUMMARY|terminate|Test unit written' "$log" | head -20 || true
    echo "  full log: $log"
  fi
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzzing FAILED: ${failed[*]} (inputs in $out/findings/)" >&2
  exit 1
fi
echo "fuzzing: no findings"
