// bf16 products on oneDNN's matmul primitive: oneDNN 2.6 has no public bf16 gemm, but its matmul
// with bf16 operands and an fp32 result runs on its brgemm kernels for AMX or AVX512-BF16 (one
// core of a Zen 5: 1.8-2.2x its sgemm on the paper models' shapes). A primitive is compiled for
// one shape, so each thread keeps the ones it has used; a training step asks for the same few
// shapes every time. A product cut into row tiles packs B once for all its tiles
// (bf16_packing.hpp) and hands the kernel a plain A.

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "adamite/detail/kernel_calls.hpp"
#include "bf16_packing.hpp"
#include "gemm.hpp"

#ifdef ADAMITE_HAVE_DNNL
#include <oneapi/dnnl/dnnl.h>
#endif

namespace adamite::detail {
namespace {
thread_local bool in_kernel = false;
}  // namespace

bool inside_library_kernel() {
  return in_kernel;
}

#ifdef ADAMITE_HAVE_DNNL
namespace {

void check(dnnl_status_t status, const char* what) {
  if (status != dnnl_success)
    throw std::runtime_error(std::string("oneDNN bf16 matmul: ") + what + " failed (status " +
                             std::to_string(int(status)) + ")");
}

dnnl_engine_t cpu_engine() {
  static const dnnl_engine_t engine = [] {
    dnnl_engine_t e = nullptr;
    check(dnnl_engine_create(&e, dnnl_cpu, 0), "creating the CPU engine");
    return e;
  }();
  return engine;
}

// A product's shape: everything a compiled primitive depends on. A packed B (packed_b) is in the
// layout packed_layout gives for (n, k); ldb is then unused.
struct ProductShape {
  bool transpose_a, transpose_b, accumulate;
  int64_t m, n, k, lda, ldb, ldc;
  bool packed_b = false;
  bool operator==(const ProductShape&) const = default;
};

// One compiled product, with memory objects whose data pointers are reset for each call.
struct Product {
  ProductShape shape;
  dnnl_primitive_t primitive = nullptr;
  dnnl_memory_t a = nullptr, b = nullptr, c = nullptr;
};

// Row-major [rows, cols] with `ld` between stored rows, or its transpose.
dnnl_memory_desc_t matrix(int64_t rows, int64_t cols, int64_t ld, bool transposed,
                          dnnl_data_type_t type) {
  dnnl_memory_desc_t desc;
  const dnnl_dims_t dims = {rows, cols};
  const dnnl_dims_t strides = {transposed ? 1 : ld, transposed ? ld : 1};
  check(dnnl_memory_desc_init_by_strides(&desc, 2, dims, type, strides), "describing a matrix");
  return desc;
}

// The layout oneDNN's kernel asks B in for a 64-row tile of A [64, k] (plain) times B [k, n], when
// pack_b writes it: the pair-interleaved tiles of its AMX and AVX512-BF16 kernels. Other kernels
// (or other oneDNN versions) take B plain, as before. Only for tiles of at most 64 rows: a tile of
// 128 rows given B in this layout never returned from oneDNN 2.6's kernel.
struct PackedDesc {
  int64_t n, k;
  std::optional<PackedLayout> layout;
  dnnl_memory_desc_t desc;
};

const PackedDesc& packed_desc(int64_t n, int64_t k) {
  thread_local std::vector<PackedDesc> known;
  for (const PackedDesc& d : known)
    if (d.n == n && d.k == k) return d;
  PackedDesc d{n, k, std::nullopt, {}};
  // As the kernels themselves (run below) are compiled: oneDNN picks the layout's padding by the
  // threads it sees, and the packing thread and the tiles' threads must agree on it.
  const OneOpenMpThread one_thread;
  const dnnl_memory_desc_t a = matrix(kGemmTileRows, k, k, false, dnnl_bf16);
  const dnnl_memory_desc_t c = matrix(kGemmTileRows, n, n, false, dnnl_f32);
  const dnnl_dims_t dims = {k, n};
  dnnl_memory_desc_t any;
  check(dnnl_memory_desc_init_by_tag(&any, 2, dims, dnnl_bf16, dnnl_format_tag_any),
        "describing a product");
  dnnl_matmul_desc_t desc;
  check(dnnl_matmul_desc_init(&desc, &a, &any, nullptr, &c), "describing a product");
  dnnl_primitive_desc_t pd = nullptr;
  check(dnnl_primitive_desc_create(&pd, &desc, nullptr, cpu_engine(), nullptr),
        "choosing a kernel");
  d.desc = *dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
  dnnl_primitive_desc_destroy(pd);
  const auto& blocking = d.desc.format_desc.blocking;
  // Blocks (x k) (y n) (2 k) from the inside out, dims [k, n]: BA16a64b2a and kin.
  if (d.desc.format_kind == dnnl_blocked && d.desc.offset0 == 0 && blocking.inner_nblks == 3 &&
      blocking.inner_idxs[0] == 0 && blocking.inner_idxs[1] == 1 && blocking.inner_idxs[2] == 0 &&
      blocking.inner_blks[2] == 2) {
    PackedLayout l;
    l.k_block = 2 * blocking.inner_blks[0];
    l.n_block = blocking.inner_blks[1];
    l.k_stride = blocking.strides[0];
    l.n_stride = blocking.strides[1];
    l.padded_k = d.desc.padded_dims[0];
    l.padded_n = d.desc.padded_dims[1];
    l.elements = int64_t(dnnl_memory_desc_get_size(&d.desc) / sizeof(bf16));
    const bool tiles_cover = l.k_stride == l.k_block * l.n_block &&
                             l.n_stride == l.padded_k * l.n_block && l.padded_k % l.k_block == 0 &&
                             l.padded_n % l.n_block == 0 && l.elements == l.padded_k * l.padded_n;
    if (tiles_cover) d.layout = l;
  }
  return known.emplace_back(d);
}

Product compile(const ProductShape& s) {
  Product p{s};
  const dnnl_memory_desc_t a = matrix(s.m, s.k, s.lda, s.transpose_a, dnnl_bf16);
  const dnnl_memory_desc_t b =
      s.packed_b ? packed_desc(s.n, s.k).desc : matrix(s.k, s.n, s.ldb, s.transpose_b, dnnl_bf16);
  const dnnl_memory_desc_t c = matrix(s.m, s.n, s.ldc, false, dnnl_f32);
  dnnl_matmul_desc_t desc;
  check(dnnl_matmul_desc_init(&desc, &a, &b, nullptr, &c), "describing a product");
  dnnl_primitive_attr_t attr = nullptr;
  dnnl_post_ops_t post_ops = nullptr;
  check(dnnl_primitive_attr_create(&attr), "creating attributes");
  if (s.accumulate) {  // C += A·B: the "sum" post-op adds the old C
    check(dnnl_post_ops_create(&post_ops), "creating post-ops");
    check(dnnl_post_ops_append_sum(post_ops, 1.0f), "adding a sum post-op");
    check(dnnl_primitive_attr_set_post_ops(attr, post_ops), "setting post-ops");
  }
  dnnl_primitive_desc_t pd = nullptr;
  check(dnnl_primitive_desc_create(&pd, &desc, attr, cpu_engine(), nullptr), "choosing a kernel");
  check(dnnl_primitive_create(&p.primitive, pd), "compiling a kernel");
  check(dnnl_memory_create(&p.a, &a, cpu_engine(), DNNL_MEMORY_NONE), "creating memory");
  check(dnnl_memory_create(&p.b, &b, cpu_engine(), DNNL_MEMORY_NONE), "creating memory");
  check(dnnl_memory_create(&p.c, &c, cpu_engine(), DNNL_MEMORY_NONE), "creating memory");
  dnnl_primitive_desc_destroy(pd);
  if (post_ops) dnnl_post_ops_destroy(post_ops);
  dnnl_primitive_attr_destroy(attr);
  return p;
}

// This thread's stream and compiled products, released when the thread ends.
class ThreadProducts {
 public:
  ~ThreadProducts() {
    for (Product& p : products_) {
      dnnl_memory_destroy(p.a);
      dnnl_memory_destroy(p.b);
      dnnl_memory_destroy(p.c);
      dnnl_primitive_destroy(p.primitive);
    }
    if (stream_) dnnl_stream_destroy(stream_);
  }
  dnnl_stream_t stream() {
    if (!stream_)
      check(dnnl_stream_create(&stream_, cpu_engine(), dnnl_stream_default_flags),
            "creating a stream");
    return stream_;
  }
  Product& find(const ProductShape& shape) {
    for (Product& p : products_)
      if (p.shape == shape) return p;
    return products_.emplace_back(compile(shape));
  }

 private:
  dnnl_stream_t stream_ = nullptr;
  std::vector<Product> products_;
};

thread_local ThreadProducts thread_products;

// Runs one compiled product on this thread.
void run(const ProductShape& shape, const bf16* a, const bf16* b, float* c) {
  // One thread while the kernel is compiled and while it runs: compiled while OpenMP said two, a
  // kernel run inside our parallel regions summed a 64-row tile of the paper CNN's 2048 -> 1000
  // product in another order than with one.
  const OneOpenMpThread one_thread;
  Product& p = thread_products.find(shape);
  dnnl_stream_t stream = thread_products.stream();
  in_kernel = true;
  dnnl_status_t status = dnnl_memory_set_data_handle_v2(p.a, const_cast<bf16*>(a), stream);
  if (status == dnnl_success)
    status = dnnl_memory_set_data_handle_v2(p.b, const_cast<bf16*>(b), stream);
  if (status == dnnl_success) status = dnnl_memory_set_data_handle_v2(p.c, c, stream);
  const dnnl_exec_arg_t args[] = {
      {DNNL_ARG_SRC, p.a}, {DNNL_ARG_WEIGHTS, p.b}, {DNNL_ARG_DST, p.c}};
  if (status == dnnl_success) status = dnnl_primitive_execute(p.primitive, stream, 3, args);
  in_kernel = false;
  check(status, "running a product");
}

void check_arguments(float alpha, float beta) {
  if (alpha != 1.0f || (beta != 0.0f && beta != 1.0f))
    throw std::invalid_argument("bf16 gemm: alpha must be 1 and beta 0 or 1");
}

// C = beta·C when there is nothing to sum.
void scale_empty_product(int64_t m, int64_t n, float beta, float* c, int64_t ldc) {
  if (beta == 0.0f)
    for (int64_t i = 0; i < m; ++i) std::fill(c + i * ldc, c + i * ldc + n, 0.0f);
}

}  // namespace

void gemm_sequential(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k,
                     float alpha, const bf16* a, int64_t lda, const bf16* b, int64_t ldb,
                     float beta, float* c, int64_t ldc) {
  check_arguments(alpha, beta);
  if (m == 0 || n == 0) return;
  if (k == 0) return scale_empty_product(m, n, beta, c, ldc);
  run(ProductShape{transpose_a, transpose_b, beta == 1.0f, m, n, k, lda, ldb, ldc}, a, b, c);
}

void gemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, float alpha,
          const bf16* a, const bf16* b, float beta, float* c) {
  check_arguments(alpha, beta);
  if (m == 0 || n == 0) return;
  if (k == 0) return scale_empty_product(m, n, beta, c, n);
  // Row tiles each read all of B: the kernel would copy it into its layout once per tile (the
  // paper MLP's weight gradient has 16 tiles). Pack it once instead, the same bits. Not a B stored
  // transposed, whose packing is a transpose the kernel's own copy does faster (the MLP's forward
  // products, 2 tiles: 0.91 ms a step as before, 1.00 packed by pack_b).
  // The kernel copies a B stored transposed into its layout at every call: a row tile copies all
  // of B, a column tile of all rows its own columns only (the paper MLP's forward, [128, 1000]·
  // [1000, 1000]ᵀ, one thread: a 64-row tile 198 us against 2 × 69 us for the two 256-column
  // tiles of a thread's share). So such products take column tiles (still by shape alone).
  if (gemm_splits_rows(m) && transpose_b && !transpose_a)
    return gemm_in_tiles(/*split_rows=*/false, false, true, m, n, k, alpha, a, b, beta, c);
  const PackedDesc* packed = gemm_splits_rows(m) && !transpose_b ? &packed_desc(n, k) : nullptr;
  if (!packed || !packed->layout)
    return gemm_in_tiles(transpose_a, transpose_b, m, n, k, alpha, a, b, beta, c);
  const PackedLayout& layout = *packed->layout;
  std::shared_ptr<bf16[]> packed_b = allocate_bf16_storage(layout.elements);
  pack_b(layout, k, n, b, n, packed_b.get());
  // A transposed would run on oneDNN's slower gemm:jit kernel (the MLP's weight gradient, 16
  // tiles of [64, 128] by [128, 784]: 31 us each against 13 us on AMX with A plain and B packed).
  std::shared_ptr<bf16[]> plain_a;
  if (transpose_a) {
    plain_a = allocate_bf16_storage(m * k);
    transpose(k, m, a, m, plain_a.get());
    a = plain_a.get();
  }
  for_each_gemm_tile(m, n, k, [&](int64_t r0, int64_t rows, int64_t, int64_t) {
    run(ProductShape{false, false, beta == 1.0f, rows, n, k, k, 0, n, true}, a + r0 * k,
        packed_b.get(), c + r0 * n);
  });
}

std::string bf16_kernel_name() {
  // oneDNN emulates bf16 on CPUs (or under ONEDNN_MAX_CPU_ISA limits) without its instructions:
  // slower than fp32, so not offered; nor is its "ref" kernel.
  const unsigned isa = dnnl_get_effective_cpu_isa();
  if ((isa & dnnl_cpu_isa_avx512_core_bf16) != dnnl_cpu_isa_avx512_core_bf16) return "";
  // What oneDNN picks for a product of the paper MLP's shapes.
  const dnnl_memory_desc_t a = matrix(64, 512, 512, false, dnnl_bf16);
  const dnnl_memory_desc_t b = matrix(512, 256, 256, false, dnnl_bf16);
  const dnnl_memory_desc_t c = matrix(64, 256, 256, false, dnnl_f32);
  dnnl_matmul_desc_t desc;
  dnnl_primitive_desc_t pd = nullptr;
  if (dnnl_matmul_desc_init(&desc, &a, &b, nullptr, &c) != dnnl_success ||
      dnnl_primitive_desc_create(&pd, &desc, nullptr, cpu_engine(), nullptr) != dnnl_success)
    return "";
  const char* name = nullptr;
  dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name);
  std::string result = name ? name : "";
  dnnl_primitive_desc_destroy(pd);
  return result.find("ref") == std::string::npos ? result : "";
}

#else  // built without oneDNN: MixedPrecision refuses bf16 before any product gets here

void gemm_sequential(bool, bool, int64_t, int64_t, int64_t, float, const bf16*, int64_t,
                     const bf16*, int64_t, float, float*, int64_t) {
  throw std::logic_error("bf16 gemm: this build has no oneDNN");
}

void gemm(bool, bool, int64_t, int64_t, int64_t, float, const bf16*, const bf16*, float, float*) {
  throw std::logic_error("bf16 gemm: this build has no oneDNN");
}

std::string bf16_kernel_name() {
  return "";
}

#endif

}  // namespace adamite::detail
