// safetensors: round trips, the exact bytes on disk, other writers' dtypes, module loading, and
// that every corrupt file or failed save is reported (with the file name) without damage.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "adamite/io/array_file.hpp"
#include "adamite/io/safetensors.hpp"
#include "adamite/nn/activation.hpp"
#include "adamite/nn/linear.hpp"
#include "adamite/nn/sequential.hpp"
#include "support.hpp"

namespace {

using namespace adamite;
using adamite::testing::TempDir;
namespace fs = std::filesystem;
using Named = std::vector<std::pair<std::string, Tensor>>;

// --- hand-built files, independent of the writer ---

std::string le_bytes(uint64_t value, int width) {
  std::string out;
  for (int i = 0; i < width; ++i) out += static_cast<char>((value >> (8 * i)) & 0xff);
  return out;
}

// Little-endian bytes of raw bit patterns (32-bit for F32, 16-bit for F16/BF16, ...).
std::string raw(std::initializer_list<uint64_t> bits, int width) {
  std::string out;
  for (uint64_t b : bits) out += le_bytes(b, width);
  return out;
}

uint64_t header_length(const std::string& file_bytes) {
  uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = length << 8 | static_cast<unsigned char>(file_bytes[i]);
  return length;
}

// length prefix + header + data buffer
std::string build_file(const std::string& header, const std::string& data) {
  return le_bytes(header.size(), 8) + header + data;
}

void write_bytes(const fs::path& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary) << bytes;
}

std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> folder_entries(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// The message of the SafetensorsError `action` throws; any other outcome fails the test.
template <class F>
std::string error_of(F&& action) {
  try {
    action();
  } catch (const io::SafetensorsError& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL_CHECK("expected a SafetensorsError, got: " << e.what());
    return e.what();
  }
  FAIL_CHECK("expected a SafetensorsError, nothing was thrown");
  return {};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Bit-exact comparison, so NaN, -0 and subnormals count as equal only to themselves.
bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() &&
         std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<size_t>(a.numel())) == 0;
}

Tensor ramp(const Shape& shape, float start, float step) {
  Tensor t = Tensor::empty(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = start + step * static_cast<float>(i);
  return t;
}

void build_mlp(nn::Sequential& net, Generator& generator) {
  net.add<nn::Linear>(3, 4, true, generator);
  net.add<nn::ReLU>();
  net.add<nn::Linear>(4, 2, true, generator);
}

std::vector<std::vector<float>> values_of(const nn::Module& module) {
  std::vector<std::vector<float>> values;
  for (const auto& [name, p] : module.named_parameters()) values.push_back(p.to_vector());
  return values;
}

}  // namespace

TEST_CASE("safetensors: round trip keeps names, order, shapes, values and metadata") {
  TempDir dir;
  const fs::path file = dir / "model.safetensors";
  const float inf = std::numeric_limits<float>::infinity();
  const Named tensors = {
      {"z.scalar", Tensor::scalar(3.5f)},
      {"empty", Tensor::empty({0})},
      {"cube", ramp({2, 3, 4}, -1.0f, 0.25f)},
      {"a.special", Tensor::from_vector({5}, {-0.0f, inf, -inf, 1e-40f, std::nanf("")})},
      {"empty.2d", Tensor::empty({3, 0})},
  };
  const std::map<std::string, std::string> metadata = {{"format", "pt"}, {"epoch", "12"}};
  io::save_safetensors(file, tensors, metadata);

  const io::SafetensorsFile loaded = io::load_safetensors(file);
  REQUIRE(loaded.tensors.size() == tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    CAPTURE(tensors[i].first);
    CHECK(loaded.tensors[i].first == tensors[i].first);
    CHECK(same_bits(loaded.tensors[i].second, tensors[i].second));
  }
  CHECK(loaded.metadata == metadata);

  // The header is padded so the data starts 8-byte aligned.
  const std::string bytes = read_bytes(file);
  CHECK(header_length(bytes) % 8 == 0);
  CHECK(folder_entries(dir.path()) == std::vector<std::string>{"model.safetensors"});

  SUBCASE("no metadata writes no __metadata__ entry") {
    io::save_safetensors(file, tensors);
    CHECK_FALSE(contains(read_bytes(file), "__metadata__"));
    CHECK(io::load_safetensors(file).metadata.empty());
  }
  SUBCASE("no tensors at all") {
    io::save_safetensors(file, {});
    CHECK(read_bytes(file) == build_file("{}      ", ""));
    CHECK(io::load_safetensors(file).tensors.empty());
  }
}

TEST_CASE("safetensors: writer output is byte-exact") {
  TempDir dir;
  const fs::path file = dir / "small.safetensors";
  // Given order b, a: kept as given (not sorted), metadata first, as the reference writer does.
  io::save_safetensors(
      file, {{"b", Tensor::from_vector({2}, {1.0f, -2.5f})}, {"a", Tensor::scalar(0.5f)}},
      {{"format", "pt"}});

  const std::string header = R"({"__metadata__":{"format":"pt"},)"
                             R"("b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                             R"("a":{"dtype":"F32","shape":[],"data_offsets":[8,12]}})"
                             "      ";  // 138 bytes of JSON + 6 spaces = 144, a multiple of 8
  const std::string expected = std::string("\x90\0\0\0\0\0\0\0", 8) + header +
                               std::string(
                                   "\x00\x00\x80\x3f"   // 1.0f
                                   "\x00\x00\x20\xc0"   // -2.5f
                                   "\x00\x00\x00\x3f",  // 0.5f
                                   12);
  CHECK(header.size() == 144);
  CHECK(read_bytes(file) == expected);
}

TEST_CASE("safetensors: reads F64, F16 and BF16 files from other writers") {
  TempDir dir;
  const fs::path file = dir / "mixed.safetensors";
  // Header order differs from buffer order, and the header has trailing-space padding.
  const std::string header = R"({"b":{"dtype":"BF16","shape":[3],"data_offsets":[40,46]},)"
                             R"("d":{"dtype":"F64","shape":[3],"data_offsets":[0,24]},)"
                             R"("h":{"dtype":"F16","shape":[2,4],"data_offsets":[24,40]}}   )";
  const std::string data =
      raw({0x3ff8000000000000, 0xbfd0000000000000, 0x3fb999999999999a}, 8) +  // 1.5 -0.25 0.1
      raw({0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x3800, 0x8000, 0x7e00}, 2) +
      raw({0x3f80, 0xc040, 0x3e20}, 2);  // 1 -3 0.15625
  write_bytes(file, build_file(header, data));

  const io::SafetensorsFile loaded = io::load_safetensors(file);
  REQUIRE(loaded.tensors.size() == 3);
  CHECK(loaded.tensors[0].first == "d");  // in buffer order
  CHECK(loaded.tensors[1].first == "h");
  CHECK(loaded.tensors[2].first == "b");

  CHECK(loaded.tensors[0].second.to_vector() == std::vector<float>{1.5f, -0.25f, 0.1f});

  const Tensor& h = loaded.tensors[1].second;
  CHECK(h.shape() == Shape{2, 4});
  const std::vector<float> half = h.to_vector();
  CHECK(half[0] == 1.0f);
  CHECK(half[1] == -2.0f);
  CHECK(half[2] == 65504.0f);               // largest half
  CHECK(half[3] == std::ldexp(1.0f, -24));  // smallest subnormal half
  CHECK(half[4] == std::numeric_limits<float>::infinity());
  CHECK(half[5] == 0.5f);
  CHECK(std::bit_cast<uint32_t>(half[6]) == 0x80000000u);  // -0
  CHECK(std::isnan(half[7]));

  CHECK(loaded.tensors[2].second.to_vector() == std::vector<float>{1.0f, -3.0f, 0.15625f});
  CHECK(loaded.metadata.empty());
}

TEST_CASE("safetensors: save_module and load_module round trip a Sequential") {
  TempDir dir;
  const fs::path file = dir / "mlp.safetensors";
  Generator g1(1), g2(2);
  nn::Sequential source, target;
  build_mlp(source, g1);
  build_mlp(target, g2);
  REQUIRE(values_of(source) != values_of(target));

  io::save_module(file, source, {{"epoch", "7"}});
  std::vector<std::string> names;
  for (const auto& [name, tensor] : io::load_safetensors(file).tensors) names.push_back(name);
  CHECK(names == std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});

  const std::map<std::string, std::string> metadata = io::load_module(file, target);
  CHECK(metadata == std::map<std::string, std::string>{{"epoch", "7"}});
  CHECK(values_of(target) == values_of(source));
  // Loading copies into the existing parameters: they still train.
  for (const auto& [name, p] : target.named_parameters()) CHECK(p.requires_grad());
  const Tensor x = ramp({5, 3}, -1.0f, 0.3f);
  CHECK(target(x).to_vector() == source(x).to_vector());
}

TEST_CASE(
    "safetensors: load_module reports missing, unexpected, mis-shaped and non-finite tensors") {
  TempDir dir;
  const fs::path file = dir / "bad.safetensors";
  Generator g1(1), g2(2);
  nn::Sequential source, target;
  build_mlp(source, g1);
  build_mlp(target, g2);
  const auto before = values_of(target);
  Named tensors = source.named_parameters();

  std::vector<std::string> expected;
  SUBCASE("missing") {
    tensors.pop_back();
    expected = {"missing tensors: 2.bias"};
  }
  SUBCASE("unexpected") {
    tensors.emplace_back("3.weight", Tensor::zeros({2, 2}));
    expected = {"unexpected tensors: 3.weight"};
  }
  SUBCASE("mis-shaped") {
    tensors[0].second = Tensor::zeros({3, 4});
    expected = {"0.weight: file has shape [3, 4], model expects [4, 3]"};
  }
  SUBCASE("non-finite values (eval used to report test_loss nan and exit 0)") {
    tensors[1].second = Tensor::zeros({4});
    tensors[1].second.data()[2] = std::numeric_limits<float>::quiet_NaN();
    tensors[2].second = Tensor::zeros({2, 4});
    tensors[2].second.data()[0] = -std::numeric_limits<float>::infinity();
    expected = {"0.bias holds non-finite values", "2.weight holds non-finite values"};
  }
  SUBCASE("all at once") {
    tensors.erase(tensors.begin() + 1);  // 0.bias
    tensors.pop_back();                  // 2.bias
    tensors[1].second = Tensor::zeros({2, 5});
    tensors.emplace_back("extra", Tensor::scalar(1.0f));
    expected = {"missing tensors: 0.bias, 2.bias", "unexpected tensors: extra",
                "2.weight: file has shape [2, 5], model expects [2, 4]"};
  }
  io::save_safetensors(file, tensors);
  const std::string message = error_of([&] { io::load_module(file, target); });
  CHECK(contains(message, file.string()));
  for (const std::string& part : expected) {
    CAPTURE(part);
    CHECK(contains(message, part));
  }
  CHECK(values_of(target) == before);  // nothing was copied
}

TEST_CASE("safetensors: corrupt files are rejected with the file name in the message") {
  TempDir dir;
  const std::string four = raw({0x3f800000}, 4);
  auto one = [](const std::string& entry) { return R"({"a":)" + entry + "}"; };
  struct Case {
    std::string name, bytes, expected;
  };
  const std::vector<Case> cases = {
      {"empty", "", "too short"},
      {"seven-bytes", std::string(7, '\0'), "too short"},
      {"header-longer-than-file", le_bytes(1000, 8) + "{}", "header length 1000 exceeds"},
      {"header-length-max", le_bytes(UINT64_MAX, 8) + "{}", "exceeds"},
      {"empty-header", build_file("", ""), "not valid JSON"},
      {"invalid-json", build_file(R"({"a": )", ""), "not valid JSON"},
      {"not-utf8", build_file("{\"\xff\":1}", ""), "not valid JSON"},
      {"not-an-object", build_file("[1,2]", ""), "expected an object"},
      {"entry-not-object", build_file(one("3"), ""), "entry is a JSON number"},
      {"missing-dtype", build_file(one(R"({"shape":[1],"data_offsets":[0,4]})"), four),
       R"(missing "dtype")"},
      {"missing-shape", build_file(one(R"({"dtype":"F32","data_offsets":[0,4]})"), four),
       R"(missing "shape")"},
      {"missing-offsets", build_file(one(R"({"dtype":"F32","shape":[1]})"), four),
       R"(missing "data_offsets")"},
      {"dtype-not-string", build_file(one(R"({"dtype":4,"shape":[1],"data_offsets":[0,4]})"), four),
       R"("dtype" is not a string)"},
      {"shape-not-array",
       build_file(one(R"({"dtype":"F32","shape":"1","data_offsets":[0,4]})"), four),
       R"("shape" is not an array)"},
      {"shape-float",
       build_file(one(R"({"dtype":"F32","shape":[1.0],"data_offsets":[0,4]})"), four),
       "non-integer"},
      {"offsets-one-number",
       build_file(one(R"({"dtype":"F32","shape":[1],"data_offsets":[0]})"), four),
       "expected [begin, end]"},
      {"offsets-string",
       build_file(one(R"({"dtype":"F32","shape":[1],"data_offsets":[0,"4"]})"), four),
       "expected [begin, end]"},
      {"offsets-negative",
       build_file(one(R"({"dtype":"F32","shape":[0],"data_offsets":[-4,-4]})"), ""),
       "expected [begin, end]"},
      {"unsupported-dtype",
       build_file(one(R"({"dtype":"I32","shape":[1],"data_offsets":[0,4]})"), four),
       R"(unsupported dtype "I32")"},
      {"negative-dim",
       build_file(one(R"({"dtype":"F32","shape":[-1],"data_offsets":[0,4]})"), four),
       "negative dimension -1"},
      {"shape-overflow",
       build_file(one(R"({"dtype":"F32","shape":[4294967296,4294967296,4294967296],)"
                      R"("data_offsets":[0,4]})"),
                  four),
       "too large"},
      {"byte-size-overflow",
       build_file(one(R"({"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,4]})"),
                  four),
       "too large"},
      {"empty-with-huge-dims",
       build_file(one(R"({"dtype":"F32","shape":[4611686018427387904,4611686018427387904,0],)"
                      R"("data_offsets":[0,0]})"),
                  ""),
       "too large"},
      {"dim-above-int64",
       build_file(one(R"({"dtype":"F32","shape":[18446744073709551615],"data_offsets":[0,4]})"),
                  four),
       "too large"},
      {"offsets-reversed",
       build_file(one(R"({"dtype":"F32","shape":[1],"data_offsets":[4,0]})"), four),
       "ends before it begins"},
      {"offsets-past-buffer",
       build_file(one(R"({"dtype":"F32","shape":[2],"data_offsets":[0,8]})"), four),
       "reach past the end of the 4-byte data buffer"},
      {"huge-offsets-past-buffer",
       build_file(one(R"({"dtype":"F32","shape":[1000000000000],)"
                      R"("data_offsets":[0,4000000000000]})"),
                  four),
       "reach past the end"},
      {"size-mismatch",
       build_file(one(R"({"dtype":"F32","shape":[2],"data_offsets":[0,4]})"), four),
       "span 4 bytes, but dtype F32 and shape [2] need 8"},
      {"overlap",
       build_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                  R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                  four + four + four),
       R"(tensor "b" overlaps tensor "a" at byte)"},
      {"gap",
       build_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                  R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                  four + four + four),
       "gap"},
      {"trailing-bytes",
       build_file(one(R"({"dtype":"F32","shape":[1],"data_offsets":[0,4]})"), four + four),
       "unused data"},
      {"metadata-not-strings", build_file(R"({"__metadata__":{"epoch":3}})", ""),
       R"("__metadata__" value of "epoch" is a number)"},
      {"metadata-not-object", build_file(R"({"__metadata__":[]})", ""), "__metadata__"},
      {"duplicate-names",
       build_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                  R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                  four + four),
       R"(header names "a" twice)"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const fs::path file = dir / (c.name + ".safetensors");
    write_bytes(file, c.bytes);
    const std::string message = error_of([&] { io::load_safetensors(file); });
    CHECK(contains(message, file.string()));
    CHECK(contains(message, c.expected));
  }
}

TEST_CASE(
    "safetensors: absurd header lengths, missing files, folders, pipes and devices are rejected") {
  TempDir dir;
  SUBCASE("header length above the 100 MB limit, within a (sparse) file") {
    const fs::path file = dir / "absurd-header.safetensors";
    write_bytes(file, le_bytes(100'000'008, 8) + "{}");
    fs::resize_file(file, 100'000'016);
    const std::string message = error_of([&] { io::load_safetensors(file); });
    CHECK(contains(message, file.string()));
    CHECK(contains(message, "larger than"));
  }
  SUBCASE("no such file") {
    const fs::path file = dir / "absent.safetensors";
    const std::string message = error_of([&] { io::load_safetensors(file); });
    CHECK(contains(message, file.string()));
    CHECK(contains(message, "cannot open"));
  }
  SUBCASE("a named pipe or a device: refused without reading (a FIFO used to block forever)") {
    const fs::path fifo = dir / "pipe.safetensors";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    CHECK(contains(error_of([&] { io::load_safetensors(fifo); }),
                   "cannot open: a named pipe (FIFO), not a regular file"));
    CHECK(contains(error_of([&] { io::load_safetensors("/dev/zero"); }),
                   "/dev/zero: cannot open: a character device, not a regular file"));
  }
  SUBCASE("a directory") {
    const std::string message = error_of([&] { io::load_safetensors(dir.path()); });
    CHECK(contains(message, dir.path().string()));
    CHECK(contains(message, "not a regular file"));
  }
}

// The adversarial run's file: 150,000 nested arrays crashed the parser's recursion (SIGSEGV),
// and the error message echoed the whole header.
TEST_CASE("safetensors: a deeply nested header is refused before parsing, naming the byte") {
  TempDir dir;
  const fs::path file = dir / "deep.safetensors";
  const int depth = 150000;
  const std::string header =
      R"({"a":)" + std::string(depth, '[') + std::string(depth, ']') + R"(,"b":0})";
  write_bytes(file, build_file(header, ""));
  const std::string message = error_of([&] { io::load_safetensors(file); });
  CHECK(contains(message, file.string()));
  CHECK(contains(message, "at byte 20: header nests deeper than 8 levels"));
  CHECK(message.size() < 400);

  SUBCASE("brackets inside strings do not count") {
    const std::string names = R"({"__metadata__":{"[[[[[[[[[[\"{{{{{{{{{":"]]]]"}})";
    write_bytes(file, build_file(names, ""));
    CHECK(io::load_safetensors(file).metadata.size() == 1);
  }
  SUBCASE("a long value in a message is cut short") {
    const std::string shape = "[" + std::string(100000, '1') + "]";
    write_bytes(file,
                build_file(R"({"a":{"dtype":"F32","shape":)" + shape + R"(,"data_offsets":[0,4]}})",
                           raw({0x3f800000}, 4)));
    const std::string too_long = error_of([&] { io::load_safetensors(file); });
    CHECK(contains(too_long, file.string()));
    CHECK(too_long.size() < 400);
  }
}

TEST_CASE("safetensors: truncated or mutated files fail cleanly or load") {
  TempDir dir;
  const fs::path good = dir / "good.safetensors";
  io::save_safetensors(good,
                       {{"w", ramp({3, 5}, 0.0f, 1.0f)},
                        {"s", Tensor::scalar(2.0f)},
                        {"e", Tensor::empty({0, 4})},
                        {"b", ramp({7}, -3.0f, 0.5f)}},
                       {{"note", "fuzz"}});
  const std::string bytes = read_bytes(good);
  const fs::path file = dir / "damaged.safetensors";

  // Every strict prefix loses part of the header or of the buffer the header describes.
  for (size_t length = 0; length < bytes.size(); ++length) {
    CAPTURE(length);
    write_bytes(file, bytes.substr(0, length));
    CHECK(contains(error_of([&] { io::load_safetensors(file); }), file.string()));
  }

  // Random byte changes (mostly in the header): a valid file or a SafetensorsError, nothing else.
  const size_t header_end = 8 + static_cast<size_t>(header_length(bytes));
  uint64_t state = 12345;
  auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 33;
  };
  int loaded = 0, rejected = 0;
  for (int round = 0; round < 2000; ++round) {
    std::string mutated = bytes;
    for (uint64_t k = 0, n = 1 + next() % 3; k < n; ++k)
      mutated[next() % header_end] = static_cast<char>(next() & 0xff);
    write_bytes(file, mutated);
    try {
      io::load_safetensors(file);
      ++loaded;
    } catch (const io::SafetensorsError& e) {
      ++rejected;
      if (!contains(e.what(), file.string())) FAIL_CHECK(e.what());
    } catch (const std::exception& e) {
      FAIL_CHECK("round " << round << ": unexpected exception type: " << e.what());
    }
  }
  CHECK(loaded + rejected == 2000);
  CHECK(rejected > 0);
}

TEST_CASE("safetensors: invalid input to save is rejected before writing") {
  TempDir dir;
  const fs::path file = dir / "model.safetensors";
  const Tensor t = Tensor::scalar(1.0f);
  CHECK(contains(error_of([&] {
                   io::save_safetensors(file, {{"x", t}, {"x", t}});
                 }),
                 R"(duplicate tensor name "x")"));
  CHECK(contains(error_of([&] { io::save_safetensors(file, {{"__metadata__", t}}); }), "reserved"));
  CHECK(contains(error_of([&] { io::save_safetensors(file, {{"x", Tensor()}}); }), "undefined"));
  CHECK(contains(error_of([&] { io::save_safetensors(file, {{"\xff", t}}); }), file.string()));
  CHECK(folder_entries(dir.path()).empty());
}

TEST_CASE("safetensors: saves that cannot be written fail cleanly") {
  TempDir dir;
  const Named tensors = {{"x", Tensor::scalar(1.0f)}};

  SUBCASE("folder does not exist") {
    const fs::path file = dir / "no-such-folder" / "model.safetensors";
    const std::string message = error_of([&] { io::save_safetensors(file, tensors); });
    CHECK(contains(message, file.string()));
    CHECK_FALSE(fs::exists(dir / "no-such-folder"));
  }
  SUBCASE("folder is a file") {
    write_bytes(dir / "plain-file", "keep");
    const fs::path file = dir / "plain-file" / "model.safetensors";
    const std::string message = error_of([&] { io::save_safetensors(file, tensors); });
    CHECK(contains(message, file.string()));
    CHECK(read_bytes(dir / "plain-file") == "keep");
  }
  SUBCASE("target is a folder: refused, nothing left behind") {
    fs::create_directory(dir / "folder.safetensors");
    const fs::path file = dir / "folder.safetensors";
    const std::string message = error_of([&] { io::save_safetensors(file, tensors); });
    CHECK(contains(message, file.string()));
    CHECK(fs::is_directory(file));
    CHECK(folder_entries(dir.path()) == std::vector<std::string>{"folder.safetensors"});
  }
}

// The adversarial run: a save onto a device node, or onto /dev/full, left a regular file in its
// place, and a symbolic link was replaced instead of its target being written.
TEST_CASE("safetensors: a save writes through a symbolic link and never replaces a device") {
  TempDir dir;
  const Named tensors = {{"x", Tensor::scalar(1.0f)}};

  SUBCASE("a symbolic link stays, the file it names gets the content") {
    write_bytes(dir / "real.safetensors", "old");
    fs::create_symlink("real.safetensors", dir / "link.safetensors");
    io::save_safetensors(dir / "link.safetensors", tensors);
    CHECK(fs::is_symlink(dir / "link.safetensors"));
    CHECK(io::load_safetensors(dir / "real.safetensors").tensors.size() == 1);
    CHECK(folder_entries(dir.path()) ==
          std::vector<std::string>{"link.safetensors", "real.safetensors"});
  }
  SUBCASE("a named pipe is refused and stays") {
    const fs::path fifo = dir / "pipe";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    const std::string message = error_of([&] { io::save_safetensors(fifo, tensors); });
    CHECK(contains(message, fifo.string() + ": is a named pipe (FIFO), not a regular file"));
    CHECK(fs::is_fifo(fifo));
    CHECK(folder_entries(dir.path()) == std::vector<std::string>{"pipe"});
  }
  SUBCASE("a link to a character device is refused; the device stays") {
    fs::create_symlink("/dev/null", dir / "null");
    const std::string message = error_of([&] { io::save_safetensors(dir / "null", tensors); });
    CHECK(contains(message, "is a character device, not a regular file"));
    CHECK(fs::is_character_file("/dev/null"));
    CHECK(fs::is_symlink(dir / "null"));
  }
  SUBCASE("a dangling link is refused and stays") {
    fs::create_symlink("nowhere/x.safetensors", dir / "dangling");
    const std::string message = error_of([&] { io::save_safetensors(dir / "dangling", tensors); });
    CHECK(contains(message, "symbolic link to nothing"));
    CHECK(fs::is_symlink(dir / "dangling"));
  }
}

// The adversarial run: every interrupted write left its temporary behind for good.
TEST_CASE("safetensors: a save sweeps the temporaries of dead writers, never a live one's") {
  TempDir dir;
  // 2^22 + 1 is above Linux's largest pid, so no process has it.
  const std::string dead = ".model.safetensors.tmp-4194305-0";
  const std::string live = ".model.safetensors.tmp-" + std::to_string(::getppid()) + "-3";
  write_bytes(dir / dead, "partial");
  write_bytes(dir / live, "in progress");
  write_bytes(dir / ".other.safetensors.tmp-4194305-0", "not this target's");
  io::save_safetensors(dir / "model.safetensors", {{"x", Tensor::scalar(1.0f)}});
  CHECK(folder_entries(dir.path()) ==
        std::vector<std::string>{live, ".other.safetensors.tmp-4194305-0", "model.safetensors"});
}

TEST_CASE("safetensors: a save that fails mid-write keeps the previous file intact") {
  TempDir dir;
  const fs::path file = dir / "model.safetensors";
  const Tensor original = ramp({4}, 1.0f, 1.0f);
  io::save_safetensors(file, {{"w", original}}, {{"version", "1"}});
  const std::string original_bytes = read_bytes(file);

  const std::string message = adamite::testing::error_on_full_disk(4096, [&] {
    io::save_safetensors(file, {{"w", ramp({100000}, 0.0f, 1.0f)}}, {{"version", "2"}});
  });

  CHECK(contains(message, file.string()));
  CHECK(contains(message, "cannot write"));
  CHECK(read_bytes(file) == original_bytes);
  CHECK(folder_entries(dir.path()) == std::vector<std::string>{"model.safetensors"});
  const io::SafetensorsFile loaded = io::load_safetensors(file);
  REQUIRE(loaded.tensors.size() == 1);
  CHECK(same_bits(loaded.tensors[0].second, original));
  CHECK(loaded.metadata.at("version") == "1");

  // A rejected save (bad input) leaves it alone too.
  error_of([&] { io::save_safetensors(file, {{"w", original}, {"w", original}}); });
  CHECK(read_bytes(file) == original_bytes);
}

TEST_CASE("safetensors: arrays of float64 and float32 come back bit for bit, checked") {
  TempDir dir;
  const auto file = dir.path() / "state.safetensors";
  const std::vector<double> wide{0.1,
                                 -0.0,
                                 std::numeric_limits<double>::denorm_min(),
                                 std::bit_cast<double>(uint64_t{0x7ff8dead0000beefULL}),
                                 1e300,
                                 -std::numeric_limits<double>::infinity()};
  const std::vector<float> narrow{1.5f, -0.0f, std::numeric_limits<float>::denorm_min(),
                                  std::bit_cast<float>(uint32_t{0x7fc0beefu})};
  io::save_arrays(
      file,
      {io::array_ref("wide", {2, 3}, wide.data()), io::array_ref("narrow", {4}, narrow.data())},
      {{"note", "exact"}});

  const io::ArrayFile stored(file);
  CHECK(stored.metadata() == std::map<std::string, std::string>{{"note", "exact"}});
  CHECK(stored.contains("wide"));
  CHECK_FALSE(stored.contains("checksum.wide"));
  std::vector<double> wide_back(6);
  std::vector<float> narrow_back(4);
  stored.read("wide", {2, 3}, wide_back.data());
  stored.read("narrow", {4}, narrow_back.data());
  CHECK(std::memcmp(wide_back.data(), wide.data(), 6 * sizeof(double)) == 0);
  CHECK(std::memcmp(narrow_back.data(), narrow.data(), 4 * sizeof(float)) == 0);
  // Still a safetensors file: the float32 reader opens it (F64 rounded to float32).
  CHECK(io::load_safetensors(file).tensors.size() == 2);

  CHECK(contains(error_of([&] { stored.read("wide", {6}, wide_back.data()); }),
                 "array \"wide\" has shape [2, 3], expected [6]"));
  CHECK(contains(error_of([&] { stored.read("narrow", {4}, wide_back.data()); }),
                 "array \"narrow\" is F32, expected F64"));
  CHECK(contains(error_of([&] { stored.expect("other", {1}, true); }), "has no array \"other\""));
  CHECK(contains(
      error_of([&] {
        io::save_arrays(file, {io::array_ref("x", {1}, narrow.data())}, {{"checksum.x", "0"}});
      }),
      "reserved"));
}
