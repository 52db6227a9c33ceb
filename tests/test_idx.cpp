// The IDX reader on small synthetic files: raw and gzip round trips, and every kind of damage a
// download or a disk can do must give an error naming the file (and the offset where it helps).
#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <string>
#include <vector>

#include "adamite/data/idx.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using adamite::data::FormatError;
using adamite::data::IdxArray;
using adamite::data::read_idx;
using adamite::testing::TempDir;

namespace {

// An IDX image: magic 00 00 <type> <ndims>, big-endian dims, then `payload` pattern bytes.
std::string idx_bytes(const std::vector<uint32_t>& dims, size_t payload, uint8_t type = 0x08) {
  std::string bytes = {0, 0, static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    for (int shift : {24, 16, 8, 0}) bytes += static_cast<char>((d >> shift) & 0xff);
  for (size_t i = 0; i < payload; ++i) bytes += static_cast<char>((i * 37 + 11) % 256);
  return bytes;
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// gzip-compressed bytes, as gzip(1) would write them.
std::string gzip(const std::string& bytes, const fs::path& scratch) {
  gzFile out = gzopen(scratch.c_str(), "wb");
  REQUIRE(out != nullptr);
  if (!bytes.empty()) REQUIRE(gzwrite(out, bytes.data(), static_cast<unsigned>(bytes.size())) > 0);
  REQUIRE(gzclose(out) == Z_OK);
  return read_file(scratch);
}

// read_idx(file) must throw FormatError whose message names the file and contains each part.
void expect_error(const fs::path& file, std::initializer_list<std::string> parts) {
  try {
    read_idx(file);
  } catch (const FormatError& e) {
    const std::string message = e.what();
    CHECK_MESSAGE(message.find(file.filename().string()) != std::string::npos, message);
    for (const std::string& part : parts)
      CHECK_MESSAGE(message.find(part) != std::string::npos,
                    "missing '" << part << "' in: " << message);
    return;
  }
  FAIL("read_idx(" << file.string() << ") did not throw");
}

}  // namespace

TEST_SUITE("data") {
  TEST_CASE("idx: raw and gzip files read back the same array") {
    TempDir tmp;
    const std::string bytes = idx_bytes({3, 4, 5}, 60);
    adamite::testing::write_file(tmp / "a-idx3-ubyte", bytes);
    adamite::testing::write_file(tmp / "a-idx3-ubyte.gz", gzip(bytes, tmp / "scratch.gz"));

    for (const auto& name : {"a-idx3-ubyte", "a-idx3-ubyte.gz"}) {
      CAPTURE(name);
      const IdxArray array = read_idx(tmp / name);
      CHECK(array.dims == std::vector<int64_t>{3, 4, 5});
      REQUIRE(array.values.size() == 60);
      for (size_t i = 0; i < 60; ++i) CHECK(array.values[i] == (i * 37 + 11) % 256);
    }
    // The format is detected from the content, not the name.
    adamite::testing::write_file(tmp / "compressed-without-suffix",
                                 gzip(bytes, tmp / "scratch.gz"));
    CHECK(read_idx(tmp / "compressed-without-suffix").values.size() == 60);
    // gzip(1) may write several members back to back (e.g. `cat a.gz b.gz`).
    const std::string half1 = bytes.substr(0, 30), half2 = bytes.substr(30);
    adamite::testing::write_file(tmp / "members.gz",
                                 gzip(half1, tmp / "s1.gz") + gzip(half2, tmp / "s2.gz"));
    CHECK(read_idx(tmp / "members.gz").values == read_idx(tmp / "a-idx3-ubyte").values);
    // One dimension and four dimensions are both fine.
    adamite::testing::write_file(tmp / "labels-idx1-ubyte", idx_bytes({7}, 7));
    CHECK(read_idx(tmp / "labels-idx1-ubyte").dims == std::vector<int64_t>{7});
    adamite::testing::write_file(tmp / "four-idx4-ubyte", idx_bytes({2, 1, 3, 2}, 12));
    CHECK(read_idx(tmp / "four-idx4-ubyte").dims == std::vector<int64_t>{2, 1, 3, 2});
  }

  // The adversarial run: a FIFO given as an MNIST file blocked forever, /dev/zero was read
  // without end.
  TEST_CASE("idx: a named pipe or a device is refused without reading it") {
    TempDir tmp;
    const fs::path fifo = tmp / "pipe-idx3-ubyte";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    expect_error(fifo, {"cannot open: a named pipe (FIFO), not a regular file"});
    expect_error("/dev/zero", {"cannot open: a character device, not a regular file"});
  }

  TEST_CASE("idx: malformed files are rejected with file name and offset") {
    TempDir tmp;
    const std::string good = idx_bytes({10, 28, 28}, 7840);  // 16-byte header + 7840 values
    const std::string good_gz = gzip(good, tmp / "scratch.gz");

    SUBCASE("missing file") {
      expect_error(tmp / "nowhere-idx1-ubyte", {"cannot open"});
    }
    SUBCASE("empty file") {
      adamite::testing::write_file(tmp / "empty-idx1-ubyte", "");
      expect_error(tmp / "empty-idx1-ubyte", {"empty file"});
    }
    SUBCASE("empty gzip stream") {
      adamite::testing::write_file(tmp / "empty.gz", gzip("", tmp / "scratch.gz"));
      expect_error(tmp / "empty.gz", {"empty"});
    }
    SUBCASE("truncated raw payload") {
      adamite::testing::write_file(tmp / "cut-idx3-ubyte", good.substr(0, 5016));
      expect_error(tmp / "cut-idx3-ubyte",
                   {"truncated at byte offset 5016", "header says 10x28x28", "7840"});
    }
    SUBCASE("truncated header") {
      adamite::testing::write_file(tmp / "cut-header-idx3-ubyte", good.substr(0, 9));
      expect_error(tmp / "cut-header-idx3-ubyte", {"truncated at byte offset 9"});
      adamite::testing::write_file(tmp / "cut-magic-idx3-ubyte", good.substr(0, 3));
      expect_error(tmp / "cut-magic-idx3-ubyte", {"truncated at byte offset 3"});
    }
    SUBCASE("truncated gzip") {
      adamite::testing::write_file(tmp / "cut.gz", good_gz.substr(0, good_gz.size() / 2));
      expect_error(tmp / "cut.gz", {"truncated", "gzip stream is cut off"});
      // All IDX bytes present, only the CRC/length trailer missing: still an incomplete download.
      adamite::testing::write_file(tmp / "no-trailer.gz", good_gz.substr(0, good_gz.size() - 4));
      expect_error(tmp / "no-trailer.gz", {"truncated gzip data"});
    }
    SUBCASE("corrupt gzip body") {
      std::string bad = good_gz;
      for (size_t i = bad.size() / 3; i < bad.size() / 3 + 16; ++i)
        bad[i] = static_cast<char>(~bad[i]);
      adamite::testing::write_file(tmp / "flipped.gz", bad);
      expect_error(tmp / "flipped.gz", {});
    }
    SUBCASE("gzip magic followed by garbage") {
      adamite::testing::write_file(tmp / "garbage.gz",
                                   std::string("\x1f\x8b") + "this is not deflate data at all");
      expect_error(tmp / "garbage.gz", {"corrupt gzip data at compressed byte offset"});
    }
    SUBCASE("garbage after the gzip stream") {
      adamite::testing::write_file(tmp / "tail.gz", good_gz + "junk");
      expect_error(tmp / "tail.gz", {"corrupt gzip data"});
    }
    SUBCASE("wrong magic") {
      std::string bad = good;
      bad[0] = 0x12;
      adamite::testing::write_file(tmp / "magic-idx3-ubyte", bad);
      expect_error(tmp / "magic-idx3-ubyte", {"bad magic at byte offset 0", "12 00 08 03"});
      adamite::testing::write_file(tmp / "text.txt", "hello, this is text\n");
      expect_error(tmp / "text.txt", {"not an IDX file"});
    }
    SUBCASE("unsupported element type") {
      adamite::testing::write_file(tmp / "float-idx1-ubyte", idx_bytes({4}, 16, 0x0d));
      expect_error(tmp / "float-idx1-ubyte", {"unsupported element type 0x0d", "byte offset 2"});
    }
    SUBCASE("zero or too many dimensions") {
      adamite::testing::write_file(tmp / "zero-dims-idx", idx_bytes({}, 0));
      expect_error(tmp / "zero-dims-idx", {"bad number of dimensions 0", "byte offset 3"});
      adamite::testing::write_file(tmp / "five-dims-idx", idx_bytes({1, 1, 1, 1, 1}, 1));
      expect_error(tmp / "five-dims-idx", {"bad number of dimensions 5"});
    }
    SUBCASE("a zero dimension") {
      adamite::testing::write_file(tmp / "zero-size-idx", idx_bytes({3, 0}, 0));
      expect_error(tmp / "zero-size-idx", {"dimension 1 at byte offset 8 is 0"});
    }
    SUBCASE("header count larger than the data") {
      adamite::testing::write_file(tmp / "more-idx1-ubyte", idx_bytes({100}, 50));
      expect_error(tmp / "more-idx1-ubyte", {"truncated at byte offset 58", "header says 100"});
      adamite::testing::write_file(tmp / "more.gz", gzip(idx_bytes({100}, 50), tmp / "scratch.gz"));
      expect_error(tmp / "more.gz", {"truncated at byte offset 58"});
    }
    SUBCASE("header count smaller than the data (trailing bytes)") {
      adamite::testing::write_file(tmp / "less-idx1-ubyte", idx_bytes({50}, 100));
      expect_error(tmp / "less-idx1-ubyte",
                   {"trailing bytes at byte offset 58", "header says 50", "50 more bytes"});
      adamite::testing::write_file(tmp / "less.gz", gzip(idx_bytes({50}, 100), tmp / "scratch.gz"));
      expect_error(tmp / "less.gz", {"trailing bytes at byte offset 58"});
    }
    SUBCASE("a huge header is refused before allocating") {
      // 2^31 x 2^31 values claimed by a 12-byte file: must fail fast, not try to allocate 4 EiB.
      adamite::testing::write_file(tmp / "huge-idx2-ubyte", idx_bytes({1u << 31, 1u << 31}, 0));
      expect_error(tmp / "huge-idx2-ubyte", {"2147483648x2147483648", "2 GiB limit"});
      adamite::testing::write_file(
          tmp / "huge.gz", gzip(idx_bytes({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}, 10),
                                tmp / "scratch.gz"));
      expect_error(tmp / "huge.gz", {"2 GiB limit"});
      // Within the limit but far beyond the file: memory follows the bytes actually read.
      adamite::testing::write_file(tmp / "liar-idx3-ubyte", idx_bytes({60000, 28, 28}, 100));
      expect_error(tmp / "liar-idx3-ubyte", {"truncated at byte offset 116", "60000x28x28"});
    }
  }
}

// The adversarial run: running out of memory while reading a dataset gave a bare std::bad_alloc
// that named nothing. A child process with its address space capped reads a real file that
// needs more than the cap (256 MB of zeros, 256 KB as gzip).
#if !defined(__SANITIZE_ADDRESS__)
TEST_CASE("idx: running out of memory while reading names the file") {
  TempDir tmp;
  const fs::path file = tmp / "zeros-idx3-ubyte.gz";
  {
    gzFile out = gzopen(file.c_str(), "wb1");
    REQUIRE(out != nullptr);
    const std::string header = idx_bytes({256, 1024, 1024}, 0);
    REQUIRE(gzwrite(out, header.data(), static_cast<unsigned>(header.size())) > 0);
    const std::vector<char> zeros(1 << 20, 0);
    for (int i = 0; i < 256; ++i) REQUIRE(gzwrite(out, zeros.data(), 1 << 20) > 0);
    REQUIRE(gzclose(out) == Z_OK);
  }
  const fs::path message_file = tmp / "message";
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The current size plus 64 MB: the payload buffer cannot grow past 64 MB.
    long pages = 0;
    std::ifstream("/proc/self/statm") >> pages;
    const rlim_t cap = static_cast<rlim_t>(pages) * static_cast<rlim_t>(sysconf(_SC_PAGESIZE)) +
                       (rlim_t{64} << 20);
    const rlimit limit = {cap, cap};
    setrlimit(RLIMIT_AS, &limit);
    std::string message = "no error";
    try {
      read_idx(file);
    } catch (const std::exception& e) {
      message = e.what();
    }
    std::ofstream(message_file) << message;
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  const std::string message = read_file(message_file);
  CHECK(message == file.string() + ": out of memory while reading it");
}
#endif
