#include "safetensors_header.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <set>
#include <system_error>

#include "adamite/io/safetensors.hpp"

namespace adamite::io::detail {
namespace {

std::string os_error(int err) {
  return std::generic_category().message(err);
}

// Error messages quote pieces of an untrusted header: never more than this many characters.
constexpr size_t kMaxQuoted = 80;

std::string bounded(const std::string& text) {
  if (text.size() <= kMaxQuoted) return text;
  return text.substr(0, kMaxQuoted) + "... (" + std::to_string(text.size()) + " characters)";
}

std::string quoted(const std::string& name) {
  // Appended piece by piece: GCC 12 reports a false -Wrestrict on "\"" + std::string.
  std::string text = "\"";
  text += bounded(name);
  text += '"';
  return text;
}

std::string excerpt(const Json& json) {
  return bounded(json.dump());
}

// A real header nests three levels (object, entry, shape); the JSON library and anything that
// walks its result recurse once per level, so a deep file would overflow the stack.
constexpr int kMaxDepth = 8;

// Scans brackets outside strings before the parser sees the text.
void check_nesting(const std::filesystem::path& file, const std::string& text) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;  // the escaped character cannot end the string
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDepth)
        fail(file, "at byte " + std::to_string(kLengthBytes + i) + ": header nests deeper than " +
                       std::to_string(kMaxDepth) + " levels (a safetensors header needs 3)");
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
}

}  // namespace

void fail(const std::filesystem::path& file, const std::string& what) {
  throw SafetensorsError("safetensors: " + file.string() + ": " + what);
}

std::string make_header(const std::filesystem::path& file, const std::vector<Planned>& arrays,
                        const std::map<std::string, std::string>& metadata) {
  Json header = Json::object();
  if (!metadata.empty()) header[kMetadataKey] = metadata;
  std::set<std::string> names;
  uint64_t offset = 0;
  for (const Planned& array : arrays) {
    if (array.name == kMetadataKey)
      fail(file, "\"__metadata__\" is reserved and cannot name a tensor");
    if (!names.insert(array.name).second) fail(file, "duplicate tensor name " + quoted(array.name));
    const uint64_t end = offset + array.bytes;
    header[array.name] =
        Json{{"dtype", array.dtype},
             {"shape", std::vector<int64_t>(array.shape.begin(), array.shape.end())},
             {"data_offsets", Json::array({offset, end})}};
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

Json parse_header(const std::filesystem::path& file, const std::string& text) {
  // A JSON object may legally repeat a key, but two tensors with one name are a corrupt file.
  check_nesting(file, text);
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
    fail(file,
         "at byte " + std::to_string(at) + ": header is not valid JSON: " + bounded(e.what()));
  } catch (const Json::exception& e) {
    fail(file, "header is not valid JSON: " + bounded(e.what()));
  }
}

std::map<std::string, std::string> parse_metadata(const std::filesystem::path& file,
                                                  const Json& json) {
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

Entry parse_entry(const std::filesystem::path& file, const std::string& name, const Json& info,
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
    if (!dim.is_number_integer()) bad("\"shape\" holds a non-integer: " + excerpt(dim));
    if (!dim.is_number_unsigned()) bad("negative dimension " + excerpt(dim) + " in \"shape\"");
    const uint64_t size = dim.get<uint64_t>();
    if (size > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      bad("dimension " + excerpt(dim) + " is too large");
    entry.shape.push_back(static_cast<int64_t>(size));
    if (size == 0)
      empty = true;
    else
      overflow = overflow || __builtin_mul_overflow(bytes, size, &bytes);
  }
  if (overflow || bytes > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    bad("shape " + excerpt(shape) + " is too large (its byte size overflows)");
  if (empty) bytes = 0;

  const Json& offsets = info["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned())
    bad("\"data_offsets\" is " + excerpt(offsets) +
        ", expected [begin, end] (non-negative integers)");
  entry.begin = offsets[0].get<uint64_t>();
  entry.end = offsets[1].get<uint64_t>();
  if (entry.begin > entry.end)
    bad("\"data_offsets\" " + excerpt(offsets) + " ends before it begins");
  if (entry.end > buffer_size)
    bad("\"data_offsets\" " + excerpt(offsets) + " reach past the end of the " +
        std::to_string(buffer_size) + "-byte data buffer");
  if (entry.end - entry.begin != bytes)
    bad("\"data_offsets\" " + excerpt(offsets) + " span " +
        std::to_string(entry.end - entry.begin) + " bytes, but dtype " + entry.dtype->name +
        " and shape " + bounded(to_string(entry.shape)) + " need " + std::to_string(bytes));
  return entry;
}

void check_coverage(const std::filesystem::path& file, std::vector<Entry>& entries,
                    uint64_t buffer_start, uint64_t buffer_size) {
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

void read_exact(const std::filesystem::path& file, std::FILE* in, uint64_t offset, void* data,
                size_t bytes) {
  if (bytes == 0) return;
  errno = 0;
  if (::fseeko(in, static_cast<off_t>(offset), SEEK_SET) != 0 ||
      std::fread(data, 1, bytes, in) != bytes) {
    const int err = errno;
    fail(file, "at byte " + std::to_string(offset) + ": cannot read " + std::to_string(bytes) +
                   " bytes" + (err ? " (" + os_error(err) + ")" : " (file ended early)"));
  }
}

CheckedFile open_checked(const std::filesystem::path& file) {
  std::string reason;
  CheckedFile checked;
  checked.in = adamite::detail::open_regular_file(file, reason);
  if (!checked.in) fail(file, "cannot open: " + reason);
  struct stat info {};
  if (::fstat(::fileno(checked.in.get()), &info) != 0) {
    const int err = errno;
    fail(file, "cannot stat: " + os_error(err));
  }

  // Every size in the header is checked against the real file size before it is trusted.
  const uint64_t file_size = static_cast<uint64_t>(info.st_size);
  if (file_size < kLengthBytes)
    fail(file,
         "file is " + std::to_string(file_size) + " bytes, too short for the 8-byte header length");
  unsigned char length[kLengthBytes];
  read_exact(file, checked.in.get(), 0, length, sizeof length);
  const uint64_t header_size = load_le<uint64_t>(length);
  if (header_size > file_size - kLengthBytes)
    fail(file, "at byte 0: header length " + std::to_string(header_size) + " exceeds the " +
                   std::to_string(file_size - kLengthBytes) + " bytes after it");
  if (header_size > kMaxHeaderBytes)
    fail(file, "at byte 0: header length " + std::to_string(header_size) +
                   " is larger than the 100 MB any real header needs");

  std::string text(header_size, '\0');
  read_exact(file, checked.in.get(), kLengthBytes, text.data(), text.size());
  const Json header = parse_header(file, text);

  checked.buffer_start = kLengthBytes + header_size;
  const uint64_t buffer_size = file_size - checked.buffer_start;
  for (const auto& [name, value] : header.items()) {
    if (name == kMetadataKey)
      checked.metadata = parse_metadata(file, value);
    else
      checked.entries.push_back(parse_entry(file, name, value, buffer_size));
  }
  check_coverage(file, checked.entries, checked.buffer_start, buffer_size);
  return checked;
}

}  // namespace adamite::io::detail
