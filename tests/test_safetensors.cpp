// safetensors: round trips, the exact bytes on disk, other writers' dtypes, module loading, and
// that every corrupt file is reported with the file name (saves: test_safetensors_saves.cpp).
#include <doctest/doctest.h>

#include "safetensors_support.hpp"

using namespace adamite;
using namespace adamite::testing::safetensors;
using adamite::testing::TempDir;

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
