#include "adamite/data/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>

#include "adamite/detail/regular_file.hpp"

namespace adamite::data {
namespace {

// The largest payload we accept. It bounds what a lying header (or a gzip bomb) can make us
// allocate or decompress.
constexpr uint64_t kMaxPayload = kMaxDatasetBytes;
constexpr size_t kChunk = size_t{1} << 16;
// The payload buffer starts at this size and doubles as data actually arrives, so memory follows
// the bytes really read, never the header's claim.
constexpr size_t kFirstBlock = size_t{1} << 20;

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& what) {
  throw FormatError(file.string() + ": " + what);
}

std::string hex_byte(unsigned value) {
  static const char* digits = "0123456789abcdef";
  return {digits[(value >> 4) & 15], digits[value & 15]};
}

// The file's bytes, decompressed if it starts with the gzip magic (1f 8b). read() returns fewer
// bytes than asked only at the end of the data; corrupt or truncated gzip data throws.
class Source {
 public:
  explicit Source(const std::filesystem::path& file) : file_(file) {
    std::string reason;
    f_ = adamite::detail::open_regular_file(file, reason).release();
    if (!f_) fail(file, "cannot open: " + reason);
    unsigned char magic[2] = {0, 0};
    gzip_ = std::fread(magic, 1, 2, f_) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    std::rewind(f_);
    if (gzip_) {
      in_.resize(kChunk);
      // 16 + MAX_WBITS: gzip wrapper only, so the header and the CRC/length trailer are checked.
      if (inflateInit2(&zs_, 16 + MAX_WBITS) != Z_OK) {
        std::fclose(f_);
        throw std::bad_alloc();
      }
    }
  }
  ~Source() {
    if (gzip_) inflateEnd(&zs_);
    std::fclose(f_);
  }
  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;

  bool gzip() const { return gzip_; }
  // True once the data ended inside a gzip member (a truncated .gz file).
  bool cut_off() const { return cut_off_; }
  std::string cut_off_note() const {
    return cut_off_ ? " (the gzip stream is cut off at compressed byte offset " +
                          std::to_string(compressed_read_) + ")"
                    : "";
  }

  size_t read(uint8_t* out, size_t n) {
    size_t total = 0;
    while (total < n) {
      const size_t want = std::min<size_t>(n - total, UINT_MAX);
      const size_t got = gzip_ ? read_gzip(out + total, want) : read_raw(out + total, want);
      total += got;
      if (got < want) break;
    }
    return total;
  }

 private:
  size_t read_raw(uint8_t* out, size_t n) {
    const size_t got = std::fread(out, 1, n, f_);
    if (got < n && std::ferror(f_)) fail(file_, std::string("read error: ") + std::strerror(errno));
    return got;
  }

  size_t read_gzip(uint8_t* out, size_t n) {
    zs_.next_out = out;
    zs_.avail_out = static_cast<uInt>(n);
    while (zs_.avail_out > 0 && !done_) {
      if (zs_.avail_in == 0) {
        const size_t got = read_raw(in_.data(), in_.size());
        compressed_read_ += got;
        if (got == 0) {
          // The end of the file is only fine between gzip members, never inside one; the caller
          // reports it with the IDX context (see cut_off()).
          cut_off_ = in_member_;
          done_ = true;
          break;
        }
        zs_.next_in = in_.data();
        zs_.avail_in = static_cast<uInt>(got);
      }
      in_member_ = true;
      const int ret = inflate(&zs_, Z_NO_FLUSH);
      if (ret == Z_STREAM_END) {
        // gzip(1) allows several members back to back; any other trailing bytes fail below as
        // a bad gzip header.
        in_member_ = false;
        inflateReset(&zs_);
      } else if (ret == Z_DATA_ERROR || ret == Z_NEED_DICT || ret == Z_STREAM_ERROR) {
        fail(file_, "corrupt gzip data at compressed byte offset " +
                        std::to_string(compressed_read_ - zs_.avail_in) + ": " +
                        (zs_.msg ? zs_.msg : "invalid data"));
      } else if (ret == Z_MEM_ERROR) {
        throw std::bad_alloc();
      }  // Z_OK or Z_BUF_ERROR: progress made or more input needed.
    }
    const size_t produced = n - zs_.avail_out;
    decompressed_ += produced;
    if (decompressed_ > kMaxPayload + kChunk)
      fail(file_, "decompresses to more than the 2 GiB limit");
    return produced;
  }

  std::filesystem::path file_;
  std::FILE* f_ = nullptr;
  bool gzip_ = false;
  z_stream zs_{};
  std::vector<unsigned char> in_;
  uint64_t compressed_read_ = 0, decompressed_ = 0;
  bool in_member_ = false, done_ = false, cut_off_ = false;
};

std::string dims_string(const std::vector<int64_t>& dims) {
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += 'x';
    s += std::to_string(dims[i]);
  }
  return s;
}

IdxArray read_whole_idx(const std::filesystem::path& file) {
  Source src(file);

  // Magic: two zero bytes, the element type, the number of dimensions.
  uint8_t magic[4];
  const size_t got_magic = src.read(magic, 4);
  if (got_magic == 0)
    fail(file, src.cut_off() ? "truncated gzip data before the IDX header" + src.cut_off_note()
               : src.gzip()  ? "empty (the gzip stream holds no data)"
                             : "empty file (no IDX header)");
  if (got_magic < 4)
    fail(file, "truncated at byte offset " + std::to_string(got_magic) +
                   ": the IDX magic needs 4 bytes" + src.cut_off_note());
  if (magic[0] != 0 || magic[1] != 0)
    fail(file, "bad magic at byte offset 0: " + hex_byte(magic[0]) + " " + hex_byte(magic[1]) +
                   " " + hex_byte(magic[2]) + " " + hex_byte(magic[3]) +
                   ", expected 00 00 <type> <ndims> (not an IDX file)");
  if (magic[2] != 0x08)
    fail(file, "unsupported element type 0x" + hex_byte(magic[2]) +
                   " at byte offset 2: only unsigned bytes (0x08) are supported");
  const int ndims = magic[3];
  if (ndims < 1 || ndims > 4)
    fail(file, "bad number of dimensions " + std::to_string(ndims) +
                   " at byte offset 3: expected 1 to 4");

  // Dimensions: big-endian uint32 each, all positive, product within the payload limit.
  const size_t header_bytes = 4 + 4 * static_cast<size_t>(ndims);
  uint8_t dim_bytes[16];
  const size_t got_dims = src.read(dim_bytes, 4 * static_cast<size_t>(ndims));
  if (got_dims < 4 * static_cast<size_t>(ndims))
    fail(file, "truncated at byte offset " + std::to_string(4 + got_dims) + ": the header of " +
                   std::to_string(ndims) + " dimensions needs " + std::to_string(header_bytes) +
                   " bytes" + src.cut_off_note());
  IdxArray array;
  for (int i = 0; i < ndims; ++i) {
    const uint8_t* b = dim_bytes + 4 * i;
    array.dims.push_back((int64_t{b[0]} << 24) | (int64_t{b[1]} << 16) | (int64_t{b[2]} << 8) |
                         int64_t{b[3]});
  }
  uint64_t count = 1;
  for (int i = 0; i < ndims; ++i) {
    const auto d = static_cast<uint64_t>(array.dims[static_cast<size_t>(i)]);
    if (d == 0)
      fail(file, "dimension " + std::to_string(i) + " at byte offset " + std::to_string(4 + 4 * i) +
                     " is 0 (header says " + dims_string(array.dims) + ")");
    if (count > kMaxPayload / d)
      fail(file, "header says " + dims_string(array.dims) +
                     " values, more than the 2 GiB limit; refusing to allocate");
    count *= d;
  }

  // Payload: exactly `count` bytes, no fewer (truncated) and no more (trailing bytes).
  size_t filled = 0;
  while (filled < count) {
    const size_t block = std::min<size_t>(count, std::max(2 * filled, kFirstBlock));
    array.values.resize(block);
    const size_t got = src.read(array.values.data() + filled, block - filled);
    filled += got;
    if (filled < block) break;
  }
  const std::string claim = "header says " + dims_string(array.dims) + " (" +
                            std::to_string(count) + " value bytes after the " +
                            std::to_string(header_bytes) + "-byte header)";
  if (filled < count)
    fail(file, "truncated at byte offset " + std::to_string(header_bytes + filled) + ": " + claim +
                   " but the data ends after " + std::to_string(filled) + " value bytes" +
                   src.cut_off_note());
  // Reading on to the end also makes zlib check the gzip CRC and length trailer.
  uint64_t extra = 0;
  std::vector<uint8_t> sink(kChunk);
  while (extra <= kFirstBlock) {
    const size_t got = src.read(sink.data(), sink.size());
    extra += got;
    if (got < sink.size()) break;
  }
  if (src.cut_off())
    fail(file, "truncated gzip data: the stream ends before its CRC and length trailer" +
                   src.cut_off_note());
  if (extra > 0)
    fail(file, "trailing bytes at byte offset " + std::to_string(header_bytes + count) + ": " +
                   claim + " but " +
                   (extra > kFirstBlock ? "more than " + std::to_string(kFirstBlock)
                                        : std::to_string(extra)) +
                   " more bytes follow");
  return array;
}

}  // namespace

IdxArray read_idx(const std::filesystem::path& file) {
  return naming_memory_failure(file, [&] { return read_whole_idx(file); });
}

}  // namespace adamite::data
