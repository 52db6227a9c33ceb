#include "adamite/data/imdb.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <system_error>
#include <unordered_map>

namespace adamite::data {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kBreak = "<br />";

// True if `text` starts with "<br />" in any letter case (the text is lower-cased first).
bool starts_with_break(std::string_view text) {
  if (text.size() < kBreak.size()) return false;
  for (size_t i = 0; i < kBreak.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kBreak[i]) return false;
  }
  return true;
}

// Calls emit(token) for each token of `text` (see tokenize_review). `word` is scratch space.
template <typename Emit>
void for_each_token(std::string_view text, std::string& word, Emit&& emit) {
  const auto flush = [&] {
    // Drop the run's trailing apostrophes (leading ones never enter it).
    while (!word.empty() && word.back() == '\'') word.pop_back();
    if (!word.empty()) emit(std::string_view(word));
    word.clear();
  };
  word.clear();
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c >= 'a' && c <= 'z') {
      word.push_back(c);
    } else if (c == '\'') {
      if (!word.empty()) word.push_back(c);
    } else {
      flush();
      if (c == '!' || c == '?') {
        emit(std::string_view(&text[i], 1));
      } else if (c == '<' && starts_with_break(text.substr(i))) {
        i += kBreak.size() - 1;
      }
    }
  }
  flush();
}

// "<id>_<rating>.txt" with both numbers made of digits.
bool review_file_name(const std::string& name) {
  constexpr std::string_view kSuffix = ".txt";
  if (name.size() <= kSuffix.size() ||
      name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0)
    return false;
  const std::string_view stem(name.data(), name.size() - kSuffix.size());
  const size_t underscore = stem.find('_');
  if (underscore == std::string_view::npos) return false;
  const auto digits = [](std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  return digits(stem.substr(0, underscore)) && digits(stem.substr(underscore + 1));
}

// The review files of one folder, sorted by name; every entry must be a well-named file.
std::vector<fs::path> review_files(const fs::path& folder) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec))
    throw std::runtime_error("imdb: missing folder " + folder.string());
  std::vector<fs::path> files;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code kind_ec;
    if (it->is_directory(kind_ec) || !review_file_name(name))
      throw std::runtime_error("imdb: " + it->path().string() +
                               ": not a review file name of the form <id>_<rating>.txt");
    files.push_back(it->path());
  }
  if (ec) throw std::runtime_error("imdb: cannot list " + folder.string() + ": " + ec.message());
  std::sort(files.begin(), files.end(),
            [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
  return files;
}

std::unordered_map<std::string, int32_t> read_vocabulary(const fs::path& dir, int64_t size) {
  const fs::path file = dir / "imdb.vocab";
  if (size <= 0)
    throw std::invalid_argument("imdb: vocabulary size must be positive, got " +
                                std::to_string(size));
  std::ifstream in(file);
  if (!in) throw std::runtime_error("imdb: missing or unreadable vocabulary " + file.string());
  std::unordered_map<std::string, int32_t> index;
  index.reserve(static_cast<size_t>(size));
  std::string line;
  int64_t count = 0;
  while (count < size && std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    index.emplace(line, static_cast<int32_t>(count));  // a repeated word keeps its first index
    ++count;
  }
  if (count < size)
    throw std::runtime_error("imdb: " + file.string() + " holds " + std::to_string(count) +
                             " words, fewer than the " + std::to_string(size) + " asked for");
  return index;
}

Dataset load_split(const fs::path& dir, const std::string& split,
                   const std::unordered_map<std::string, int32_t>& vocabulary, int64_t width,
                   int64_t limit) {
  const std::vector<fs::path> pos = review_files(dir / split / "pos");
  const std::vector<fs::path> neg = review_files(dir / split / "neg");
  // Interleave the classes, so every prefix is balanced (the longer folder's rest goes last).
  std::vector<std::pair<const fs::path*, int32_t>> order;
  order.reserve(pos.size() + neg.size());
  for (size_t i = 0; i < std::max(pos.size(), neg.size()); ++i) {
    if (i < pos.size()) order.emplace_back(&pos[i], 1);
    if (i < neg.size()) order.emplace_back(&neg[i], 0);
  }
  if (limit >= 0 && static_cast<size_t>(limit) < order.size())
    order.resize(static_cast<size_t>(limit));

  const auto n = static_cast<int64_t>(order.size());
  Dataset dataset;
  dataset.name = "imdb/" + split;
  dataset.num_classes = 2;
  dataset.class_names = {"negative", "positive"};
  dataset.labels.resize(order.size());
  dataset.inputs = Tensor::zeros({n, width});
  float* const inputs = dataset.inputs.data();

  // Each thread fills whole rows; the first failing row (in dataset order) is reported, so the
  // message does not depend on the scheduling.
  int64_t failed_row = n;
  std::string failure;
#pragma omp parallel
  {
    std::string text, word, key;
#pragma omp for schedule(dynamic, 64)
    for (int64_t row = 0; row < n; ++row) {
      const auto& [file, label] = order[static_cast<size_t>(row)];
      dataset.labels[static_cast<size_t>(row)] = label;
      std::ifstream in(*file, std::ios::binary);
      if (in) text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      if (!in && !in.eof()) {
#pragma omp critical(adamite_imdb_failure)
        if (row < failed_row) {
          failed_row = row;
          failure = "imdb: cannot read " + file->string();
        }
        continue;
      }
      float* const features = inputs + row * width;
      for_each_token(text, word, [&](std::string_view token) {
        // The lookup wants a std::string; this one's buffer is reused. (clear + append, since
        // assign trips a false -Wrestrict in GCC 12 here.)
        key.clear();
        key.append(token);
        if (const auto it = vocabulary.find(key); it != vocabulary.end())
          features[it->second] = 1.0f;
      });
    }
  }
  if (failed_row < n) throw std::runtime_error(failure);
  return dataset;
}

}  // namespace

std::vector<std::string> tokenize_review(std::string_view text) {
  std::vector<std::string> tokens;
  std::string word;
  for_each_token(text, word, [&](std::string_view token) { tokens.emplace_back(token); });
  return tokens;
}

Splits load_imdb(const fs::path& aclimdb_dir, const ImdbOptions& options) {
  const auto vocabulary = read_vocabulary(aclimdb_dir, options.vocabulary);
  Splits splits;
  splits.train =
      load_split(aclimdb_dir, "train", vocabulary, options.vocabulary, options.max_train);
  splits.test = load_split(aclimdb_dir, "test", vocabulary, options.vocabulary, options.max_test);
  return splits;
}

}  // namespace adamite::data
