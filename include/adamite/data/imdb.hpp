// The Large Movie Review Dataset (IMDB, Maas et al. 2011), labeled part, as a bag-of-words
// binary classification dataset: the paper's Figure 1 (right), logistic regression on the 10,000
// most frequent words. The texts are tokenized the way the dataset's imdb.vocab was built, and
// each review becomes a row of 0/1 word-presence features.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "adamite/data/dataset.hpp"

namespace adamite::data {

// Splits a review into tokens: ASCII lower-cased, "<br />" read as a space; a token is a maximal
// run of letters a-z and apostrophes with leading and trailing apostrophes dropped ("don't" stays
// one token), and every '!' and '?' is a token of its own. Everything else separates tokens.
std::vector<std::string> tokenize_review(std::string_view text);

struct ImdbOptions {
  int64_t vocabulary = 10000;  // features: the first `vocabulary` words of imdb.vocab
  int64_t max_train = -1;      // < 0: all 25,000; else the first max_train of the interleaving
  int64_t max_test = -1;       // the same for the test split
};

// Reads aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt into two Datasets ("imdb/train",
// "imdb/test"): inputs [N, vocabulary] float with 1 where the word occurs in the review, labels
// 1 = pos, 0 = neg, num_classes 2. Files are sorted by name within each folder and interleaved
// pos[0], neg[0], pos[1], neg[1], ..., so every prefix (and every max_* subset) is balanced.
// Note the size: the full set is 50,000 x 10,000 floats, 2 GB. Throws std::runtime_error naming
// the file for a missing folder or vocabulary, a vocabulary larger than imdb.vocab, an unreadable
// file or a file name not of the form <id>_<rating>.txt.
Splits load_imdb(const std::filesystem::path& aclimdb_dir, const ImdbOptions& options = {});

}  // namespace adamite::data
