#include "adamite/io/safetensors.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

namespace adamite::io {
namespace {

// Keeps keys in insertion order, so the writer puts "__metadata__" first and the tensors in the
// caller's order (as the reference writer does), and the reader sees the header's own order.
using Json = nlohmann::ordered_json;
using Path = std::filesystem::path;

constexpr const char* kMetadataKey = "__metadata__";
constexpr uint64_t kLengthBytes = 8;
// The reference implementation refuses larger headers too; a real one is a few kilobytes.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
// Tensor data is converted through a buffer of this size, so no dtype needs a full-size copy.
constexpr size_t kChunkBytes = size_t{1} << 16;

[[noreturn]] void fail(const Path& file, const std::string& what) {
  throw SafetensorsError("safetensors: " + file.string() + ": " + what);
}

std::string os_error(int err) {
  return std::generic_category().message(err);
}

std::string quoted(const std::string& name) {
  return "\"" + name + "\"";
}

// Explicit byte-by-byte little-endian coding: correct on any host; compilers turn it into plain
// loads and stores on little-endian ones.
template <class UInt>
UInt load_le(const unsigned char* bytes) {
  UInt value = 0;
  for (size_t i = 0; i < sizeof(UInt); ++i) value |= static_cast<UInt>(bytes[i]) << (8 * i);
  return value;
}

template <class UInt>
void store_le(UInt value, unsigned char* bytes) {
  for (size_t i = 0; i < sizeof(UInt); ++i) bytes[i] = static_cast<unsigned char>(value >> (8 * i));
}

// ---------------------------------------------------------------------------------------------
// Element types
// ---------------------------------------------------------------------------------------------

enum class DType { F32, F64, F16, BF16 };

struct DTypeInfo {
  const char* name;
  DType dtype;
  uint64_t size;
};

constexpr DTypeInfo kDTypes[] = {{"F32", DType::F32, 4},
                                 {"F64", DType::F64, 8},
                                 {"F16", DType::F16, 2},
                                 {"BF16", DType::BF16, 2}};

const DTypeInfo* find_dtype(const std::string& name) {
  for (const DTypeInfo& info : kDTypes)
    if (name == info.name) return &info;
  return nullptr;
}

// IEEE half → float, exact for every value (subnormals, infinities, NaN payloads included).
float half_to_float(uint16_t half) {
  const uint32_t sign = static_cast<uint32_t>(half & 0x8000u) << 16;
  const uint32_t exponent = (half >> 10) & 0x1fu;
  const uint32_t mantissa = half & 0x3ffu;
  if (exponent == 0) {  // zero or subnormal: mantissa · 2⁻²⁴
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  if (exponent == 0x1f) return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
  return std::bit_cast<float>(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
}

void decode(DType dtype, const unsigned char* raw, size_t count, float* out) {
  switch (dtype) {
    case DType::F32:
      for (size_t i = 0; i < count; ++i)
        out[i] = std::bit_cast<float>(load_le<uint32_t>(raw + 4 * i));
      break;
    case DType::F64:
      for (size_t i = 0; i < count; ++i)
        out[i] = static_cast<float>(std::bit_cast<double>(load_le<uint64_t>(raw + 8 * i)));
      break;
    case DType::F16:
      for (size_t i = 0; i < count; ++i) out[i] = half_to_float(load_le<uint16_t>(raw + 2 * i));
      break;
    case DType::BF16:  // bfloat16 is the top half of a float32
      for (size_t i = 0; i < count; ++i)
        out[i] = std::bit_cast<float>(static_cast<uint32_t>(load_le<uint16_t>(raw + 2 * i)) << 16);
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// ".model.safetensors.tmp-<pid>-<n>": hidden, and recognisably ours if a crash leaves it behind.
std::string hidden_temp_name(const std::string& filename, uint64_t n) {
  std::string name = ".";
  name += filename;
  name += ".tmp-";
  name += std::to_string(::getpid());
  name += '-';
  name += std::to_string(n);
  return name;
}

// A file that appears under its final name only once completely written and synced: data goes to
// a temporary in the same folder (so the rename cannot cross file systems), and the destructor
// removes that temporary unless commit() succeeded. A previous file at the target stays intact
// whatever fails.
class AtomicFile {
 public:
  explicit AtomicFile(Path target) : target_(std::move(target)) {
    if (!target_.has_filename()) fail(target_, "not a file path");
    static std::atomic<uint64_t> counter{0};
    // Exclusive creation ("x"), retried with a new name, never clobbers another writer's temporary.
    for (int attempt = 0; attempt < 100 && !file_; ++attempt) {
      temp_ = target_;
      temp_.replace_filename(hidden_temp_name(target_.filename().string(), counter++));
      file_.reset(std::fopen(temp_.c_str(), "wbx"));
      if (!file_ && errno != EEXIST) break;
    }
    if (!file_) {
      const int err = errno;
      fail(target_, "cannot create temporary file " + temp_.string() + ": " + os_error(err));
    }
  }

  ~AtomicFile() {
    if (committed_) return;
    file_.reset();
    std::error_code ignored;
    std::filesystem::remove(temp_, ignored);
  }

  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, size_t bytes) {
    if (bytes == 0) return;
    errno = 0;
    if (std::fwrite(data, 1, bytes, file_.get()) != bytes) fail_io("cannot write");
  }

  void commit() {
    errno = 0;
    if (std::fflush(file_.get()) != 0) fail_io("cannot write");
    if (::fsync(::fileno(file_.get())) != 0) fail_io("cannot sync to disk");
    if (std::fclose(file_.release()) != 0) fail_io("cannot close");
    if (std::rename(temp_.c_str(), target_.c_str()) != 0)
      fail_io("cannot rename the temporary file over it");
    committed_ = true;
    sync_folder();
  }

 private:
  // Takes a literal so that nothing runs between the failed call and reading its errno.
  [[noreturn]] void fail_io(const char* what) {
    const int err = errno;
    std::string message = what;
    if (err) message += " (" + os_error(err) + ")";
    message += "; any previous file there is unchanged";
    fail(target_, message);
  }

  // Makes the rename itself durable. Best effort: the new file is already complete and in place.
  void sync_folder() const {
    const Path folder = target_.parent_path().empty() ? Path(".") : target_.parent_path();
    const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
  }

  Path target_, temp_;
  FilePtr file_;
  bool committed_ = false;
};

void write_f32(AtomicFile& out, const Tensor& tensor) {
  unsigned char chunk[kChunkBytes];
  const float* values = tensor.data();
  const size_t count = static_cast<size_t>(tensor.numel());
  for (size_t start = 0; start < count; start += kChunkBytes / 4) {
    const size_t n = std::min(kChunkBytes / 4, count - start);
    for (size_t i = 0; i < n; ++i)
      store_le(std::bit_cast<uint32_t>(values[start + i]), chunk + 4 * i);
    out.write(chunk, 4 * n);
  }
}

// The complete header text, padded with spaces so the data starts 8-byte aligned. Validates the
// input, so a bad call fails before anything touches the disk.
std::string make_header(const Path& file,
                        const std::vector<std::pair<std::string, Tensor>>& tensors,
                        const std::map<std::string, std::string>& metadata) {
  Json header = Json::object();
  if (!metadata.empty()) header[kMetadataKey] = metadata;
  std::set<std::string> names;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    if (name == kMetadataKey) fail(file, "\"__metadata__\" is reserved and cannot name a tensor");
    if (!names.insert(name).second) fail(file, "duplicate tensor name " + quoted(name));
    if (!tensor.defined()) fail(file, "tensor " + quoted(name) + " is undefined");
    const uint64_t end = offset + static_cast<uint64_t>(tensor.numel()) * sizeof(float);
    header[name] = Json{
        {"dtype", "F32"}, {"shape", tensor.shape()}, {"data_offsets", Json::array({offset, end})}};
    offset = end;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const Json::exception& e) {  // names and metadata must be valid UTF-8
    fail(file, std::string("cannot encode the header: ") + e.what());
  }
  text.append((kLengthBytes - text.size() % kLengthBytes) % kLengthBytes, ' ');
  return text;
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

// One validated header entry.
struct Entry {
  std::string name;
  const DTypeInfo* dtype;
  Shape shape;
  uint64_t begin, end;  // relative to the start of the data buffer
};

Json parse_header(const Path& file, const std::string& text) {
  // A JSON object may legally repeat a key, but two tensors with one name are a corrupt file.
  std::set<std::string> keys;
  auto reject_duplicates = [&](int depth, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::key && depth == 1 &&
        !keys.insert(parsed.get<std::string>()).second)
      fail(file, "header names " + quoted(parsed.get<std::string>()) + " twice");
    return true;
  };
  try {
    Json header = Json::parse(text, reject_duplicates);
    if (!header.is_object())
      fail(file, "at byte 8: header is a JSON " + std::string(header.type_name()) +
                     ", expected an object");
    return header;
  } catch (const Json::parse_error& e) {
    const uint64_t at = kLengthBytes + (e.byte > 0 ? e.byte - 1 : 0);
    fail(file, "at byte " + std::to_string(at) + ": header is not valid JSON: " + e.what());
  } catch (const Json::exception& e) {
    fail(file, std::string("header is not valid JSON: ") + e.what());
  }
}

std::map<std::string, std::string> parse_metadata(const Path& file, const Json& json) {
  std::map<std::string, std::string> metadata;
  if (json.is_null()) return metadata;  // the reference writer's "no metadata"
  if (!json.is_object()) fail(file, "\"__metadata__\" is not an object of strings");
  for (const auto& [key, value] : json.items()) {
    if (!value.is_string())
      fail(file, "\"__metadata__\" value of " + quoted(key) + " is a " + value.type_name() +
                     ", expected a string");
    metadata[key] = value.get<std::string>();
  }
  return metadata;
}

// Checks one tensor's entry against the JSON types, the dtype table and the buffer size, so every
// size used later is known to fit in the file.
Entry parse_entry(const Path& file, const std::string& name, const Json& info,
                  uint64_t buffer_size) {
  auto bad = [&](const std::string& what) { fail(file, "tensor " + quoted(name) + ": " + what); };
  if (!info.is_object())
    bad(std::string("entry is a JSON ") + info.type_name() +
        ", expected an object with dtype, shape and data_offsets");
  for (const char* field : {"dtype", "shape", "data_offsets"})
    if (!info.contains(field)) bad(std::string("missing \"") + field + "\"");

  Entry entry{name, nullptr, {}, 0, 0};
  const Json& dtype = info["dtype"];
  if (!dtype.is_string()) bad("\"dtype\" is not a string");
  entry.dtype = find_dtype(dtype.get<std::string>());
  if (!entry.dtype)
    bad("unsupported dtype " + quoted(dtype.get<std::string>()) +
        " (supported: F32, F64, F16, BF16)");

  const Json& shape = info["shape"];
  if (!shape.is_array()) bad("\"shape\" is not an array");
  // The byte size of the non-zero dimensions must fit in int64 even when another dimension is 0,
  // so that no later product of these dimensions (numel, offsets) can overflow.
  uint64_t bytes = entry.dtype->size;
  bool overflow = false, empty = false;
  for (const Json& dim : shape) {
    if (!dim.is_number_integer()) bad("\"shape\" holds a non-integer: " + dim.dump());
    if (!dim.is_number_unsigned()) bad("negative dimension " + dim.dump() + " in \"shape\"");
    const uint64_t size = dim.get<uint64_t>();
    if (size > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      bad("dimension " + dim.dump() + " is too large");
    entry.shape.push_back(static_cast<int64_t>(size));
    if (size == 0)
      empty = true;
    else
      overflow = overflow || __builtin_mul_overflow(bytes, size, &bytes);
  }
  if (overflow || bytes > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    bad("shape " + shape.dump() + " is too large (its byte size overflows)");
  if (empty) bytes = 0;

  const Json& offsets = info["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned())
    bad("\"data_offsets\" is " + offsets.dump() +
        ", expected [begin, end] (non-negative integers)");
  entry.begin = offsets[0].get<uint64_t>();
  entry.end = offsets[1].get<uint64_t>();
  if (entry.begin > entry.end) bad("\"data_offsets\" " + offsets.dump() + " ends before it begins");
  if (entry.end > buffer_size)
    bad("\"data_offsets\" " + offsets.dump() + " reach past the end of the " +
        std::to_string(buffer_size) + "-byte data buffer");
  if (entry.end - entry.begin != bytes)
    bad("\"data_offsets\" " + offsets.dump() + " span " + std::to_string(entry.end - entry.begin) +
        " bytes, but dtype " + entry.dtype->name + " and shape " + to_string(entry.shape) +
        " need " + std::to_string(bytes));
  return entry;
}

// The format requires the tensors to tile the data buffer: no overlaps, no gaps, nothing after.
void check_coverage(const Path& file, std::vector<Entry>& entries, uint64_t buffer_start,
                    uint64_t buffer_size) {
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t covered = 0;
  const Entry* previous = nullptr;
  for (const Entry& entry : entries) {
    if (entry.begin < covered)
      fail(file, "tensor " + quoted(entry.name) + " overlaps tensor " + quoted(previous->name) +
                     " at byte " + std::to_string(buffer_start + entry.begin));
    if (entry.begin > covered)
      fail(file, "bytes " + std::to_string(buffer_start + covered) + " to " +
                     std::to_string(buffer_start + entry.begin) +
                     " belong to no tensor (a gap in the data buffer)");
    covered = entry.end;
    previous = &entry;
  }
  if (covered != buffer_size)
    fail(file, "bytes " + std::to_string(buffer_start + covered) + " to " +
                   std::to_string(buffer_start + buffer_size) +
                   " belong to no tensor (unused data at the end of the file)");
}

void read_exact(const Path& file, std::FILE* in, uint64_t offset, void* data, size_t bytes) {
  if (bytes == 0) return;
  errno = 0;
  if (::fseeko(in, static_cast<off_t>(offset), SEEK_SET) != 0 ||
      std::fread(data, 1, bytes, in) != bytes) {
    const int err = errno;
    fail(file, "at byte " + std::to_string(offset) + ": cannot read " + std::to_string(bytes) +
                   " bytes" + (err ? " (" + os_error(err) + ")" : " (file ended early)"));
  }
}

Tensor read_tensor(const Path& file, std::FILE* in, uint64_t buffer_start, const Entry& entry) {
  Tensor tensor = Tensor::empty(entry.shape);
  float* out = tensor.data();
  const size_t size = entry.dtype->size;
  const size_t per_chunk = kChunkBytes / size;
  unsigned char chunk[kChunkBytes];
  const size_t count = static_cast<size_t>(tensor.numel());
  for (size_t start = 0; start < count; start += per_chunk) {
    const size_t n = std::min(per_chunk, count - start);
    read_exact(file, in, buffer_start + entry.begin + start * size, chunk, n * size);
    decode(entry.dtype->dtype, chunk, n, out + start);
  }
  return tensor;
}

}  // namespace

void save_safetensors(const Path& file, const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  const std::string header = make_header(file, tensors, metadata);
  unsigned char length[kLengthBytes];
  store_le<uint64_t>(header.size(), length);

  AtomicFile out(file);
  out.write(length, sizeof length);
  out.write(header.data(), header.size());
  for (const auto& [name, tensor] : tensors) write_f32(out, tensor);
  out.commit();
}

SafetensorsFile load_safetensors(const Path& file) {
  FilePtr in(std::fopen(file.c_str(), "rb"));
  if (!in) {
    const int err = errno;
    fail(file, "cannot open: " + os_error(err));
  }
  struct stat info {};
  if (::fstat(::fileno(in.get()), &info) != 0) {
    const int err = errno;
    fail(file, "cannot stat: " + os_error(err));
  }
  if (!S_ISREG(info.st_mode)) fail(file, "not a regular file");

  // Every size in the header is checked against the real file size before it is trusted.
  const uint64_t file_size = static_cast<uint64_t>(info.st_size);
  if (file_size < kLengthBytes)
    fail(file,
         "file is " + std::to_string(file_size) + " bytes, too short for the 8-byte header length");
  unsigned char length[kLengthBytes];
  read_exact(file, in.get(), 0, length, sizeof length);
  const uint64_t header_size = load_le<uint64_t>(length);
  if (header_size > file_size - kLengthBytes)
    fail(file, "at byte 0: header length " + std::to_string(header_size) + " exceeds the " +
                   std::to_string(file_size - kLengthBytes) + " bytes after it");
  if (header_size > kMaxHeaderBytes)
    fail(file, "at byte 0: header length " + std::to_string(header_size) +
                   " is larger than the 100 MB any real header needs");

  std::string text(header_size, '\0');
  read_exact(file, in.get(), kLengthBytes, text.data(), text.size());
  const Json header = parse_header(file, text);

  const uint64_t buffer_start = kLengthBytes + header_size;
  const uint64_t buffer_size = file_size - buffer_start;
  SafetensorsFile result;
  std::vector<Entry> entries;
  for (const auto& [name, value] : header.items()) {
    if (name == kMetadataKey)
      result.metadata = parse_metadata(file, value);
    else
      entries.push_back(parse_entry(file, name, value, buffer_size));
  }
  check_coverage(file, entries, buffer_start, buffer_size);

  for (const Entry& entry : entries)
    result.tensors.emplace_back(entry.name, read_tensor(file, in.get(), buffer_start, entry));
  return result;
}

void save_module(const Path& file, const nn::Module& module,
                 const std::map<std::string, std::string>& metadata) {
  save_safetensors(file, module.named_parameters(), metadata);
}

std::map<std::string, std::string> load_module(const Path& file, nn::Module& module) {
  SafetensorsFile loaded = load_safetensors(file);
  const std::map<std::string, Tensor> stored(loaded.tensors.begin(), loaded.tensors.end());
  const auto parameters = module.named_parameters();

  // Collect every problem before reporting, so one failed load shows all that needs fixing.
  std::vector<std::string> missing, unexpected, mismatched;
  std::set<std::string> expected;
  for (const auto& [name, parameter] : parameters) {
    expected.insert(name);
    const auto it = stored.find(name);
    if (it == stored.end())
      missing.push_back(name);
    else if (it->second.shape() != parameter.shape())
      mismatched.push_back(name + ": file has shape " + to_string(it->second.shape()) +
                           ", model expects " + to_string(parameter.shape()));
  }
  for (const auto& [name, tensor] : loaded.tensors)
    if (!expected.count(name)) unexpected.push_back(name);

  if (!missing.empty() || !unexpected.empty() || !mismatched.empty()) {
    auto join = [](const std::vector<std::string>& items) {
      std::string out;
      for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
      return out;
    };
    std::string problems;
    auto add = [&](const std::string& problem) {
      problems += (problems.empty() ? "" : "; ") + problem;
    };
    if (!missing.empty()) add("missing tensors: " + join(missing));
    if (!unexpected.empty()) add("unexpected tensors: " + join(unexpected));
    for (const std::string& mismatch : mismatched) add(mismatch);
    fail(file, "does not match the model (" + problems + ")");
  }

  // Everything matched, so the copies below cannot fail halfway.
  for (const auto& [name, parameter] : parameters) parameter.copy_(stored.at(name));
  return std::move(loaded.metadata);
}

}  // namespace adamite::io
