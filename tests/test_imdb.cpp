// IMDB bag of words: the tokenizer, the loader on a tiny synthetic aclImdb tree and on the real
// reviews, and fetching (mirror archive, official archive, checksums, staging).
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>

#include "adamite/data/imdb.hpp"
#include "adamite/fetch/imdb.hpp"
#include "adamite/fetch/md5.hpp"
#include "support.hpp"

using namespace adamite;
namespace fs = std::filesystem;

namespace {

using Tokens = std::vector<std::string>;

// A tiny aclImdb tree: 3 positive and 2 negative training reviews, 1 + 1 test reviews.
// Vocabulary order: the(0) movie(1) great(2) bad(3) don't(4) !(5) ?(6) never(7).
void write_tiny_tree(const fs::path& dir) {
  adamite::testing::write_file(dir / "imdb.vocab", "the\nmovie\ngreat\nbad\ndon't\n!\n?\nnever\n");
  adamite::testing::write_file(dir / "train/pos/0_9.txt", "Great movie!");
  adamite::testing::write_file(dir / "train/pos/10_8.txt", "THE movie, the MOVIE.");
  adamite::testing::write_file(dir / "train/pos/2_7.txt", "Never<br />bad?");
  adamite::testing::write_file(dir / "train/neg/1_2.txt", "Bad. Don't watch<br /><br />the movie");
  adamite::testing::write_file(dir / "train/neg/3_1.txt", "'dont' great 'don't'");
  adamite::testing::write_file(dir / "test/pos/5_10.txt", "great great great");
  adamite::testing::write_file(dir / "test/neg/6_3.txt", "");
}

std::vector<float> row(const data::Dataset& d, int64_t i) {
  const int64_t width = d.inputs.size(1);
  return {d.inputs.data() + i * width, d.inputs.data() + (i + 1) * width};
}

// Makes dir/<name> holding the folder `top` of `source` with the system tar.
void make_tar_gz(const fs::path& archive, const fs::path& source, const std::string& top) {
  fs::create_directories(archive.parent_path());
  const std::string command =
      "tar -czf '" + archive.string() + "' -C '" + source.string() + "' " + top;
  REQUIRE(std::system(command.c_str()) == 0);
}

data::ManifestEntry entry(const std::string& file, const std::string& md5) {
  return {"imdb", file, {md5}, {}};
}

}  // namespace

TEST_SUITE("data") {
  TEST_CASE("imdb tokenizer: lower case, <br />, apostrophes, ! and ?") {
    CHECK(data::tokenize_review("") == Tokens{});
    CHECK(data::tokenize_review("  ...  ") == Tokens{});
    CHECK(data::tokenize_review("Hello WORLD") == Tokens{"hello", "world"});
    CHECK(data::tokenize_review("one<br />two<br /><br />three") == Tokens{"one", "two", "three"});
    CHECK(data::tokenize_review("<br /><BR /><br/>") == Tokens{"br"});  // only "<br />" exactly
    CHECK(data::tokenize_review("I don't know") == Tokens{"i", "don't", "know"});
    CHECK(data::tokenize_review("'quoted' rock'n'roll'' 'ok") ==
          Tokens{"quoted", "rock'n'roll", "ok"});
    CHECK(data::tokenize_review("' '' '''") == Tokens{});
    CHECK(data::tokenize_review("Wow!! Really?!") == Tokens{"wow", "!", "!", "really", "?", "!"});
    CHECK(data::tokenize_review("7/10, b-movie; 3D effects (1999).") ==
          Tokens{"b", "movie", "d", "effects"});
    CHECK(data::tokenize_review("caf\xc3\xa9 na\xc3\xafve") == Tokens{"caf", "na", "ve"});
    CHECK(data::tokenize_review("end.") == Tokens{"end"});
  }

  TEST_CASE("imdb loader: exact features, labels and interleaved order on a tiny tree") {
    testing::TempDir dir;
    write_tiny_tree(dir.path());
    data::ImdbOptions options;
    options.vocabulary = 7;  // "never" is left out
    const data::Splits imdb = data::load_imdb(dir.path(), options);
    const data::Dataset& train = imdb.train;
    CHECK(train.name == "imdb/train");
    CHECK(imdb.test.name == "imdb/test");
    CHECK(train.num_classes == 2);
    CHECK(train.class_names == std::vector<std::string>{"negative", "positive"});
    REQUIRE(train.inputs.shape() == Shape{5, 7});
    // Sorted by file name within each folder (0_9 < 10_8 < 2_7), then pos, neg, pos, neg, pos.
    CHECK(train.labels == std::vector<int32_t>{1, 0, 1, 0, 1});
    //                                  the movie great bad don't ! ?
    CHECK(row(train, 0) == std::vector<float>{0, 1, 1, 0, 0, 1, 0});  // pos/0_9
    CHECK(row(train, 1) == std::vector<float>{1, 1, 0, 1, 1, 0, 0});  // neg/1_2
    CHECK(row(train, 2) == std::vector<float>{1, 1, 0, 0, 0, 0, 0});  // pos/10_8: presence only
    CHECK(row(train, 3) == std::vector<float>{0, 0, 1, 0, 1, 0, 0});  // neg/3_1
    CHECK(row(train, 4) == std::vector<float>{0, 0, 0, 1, 0, 0, 1});  // pos/2_7, "never" unknown
    REQUIRE(imdb.test.inputs.shape() == Shape{2, 7});
    CHECK(imdb.test.labels == std::vector<int32_t>{1, 0});
    CHECK(row(imdb.test, 0) == std::vector<float>{0, 0, 1, 0, 0, 0, 0});
    CHECK(row(imdb.test, 1) == std::vector<float>(7, 0.0f));  // an empty review

    // The whole vocabulary file, and balanced prefixes.
    options.vocabulary = 8;
    options.max_train = 3;
    options.max_test = 0;
    const data::Splits subset = data::load_imdb(dir.path(), options);
    REQUIRE(subset.train.inputs.shape() == Shape{3, 8});
    CHECK(subset.train.labels == std::vector<int32_t>{1, 0, 1});
    CHECK(row(subset.train, 1) == std::vector<float>{1, 1, 0, 1, 1, 0, 0, 0});
    CHECK(subset.test.size() == 0);
    options.max_train = 100;  // more than there are: everything
    CHECK(data::load_imdb(dir.path(), options).train.size() == 5);
    CHECK(row(data::load_imdb(dir.path(), options).train, 4) ==
          std::vector<float>{0, 0, 0, 1, 0, 0, 1, 1});
  }

  TEST_CASE("imdb loader: errors name the file") {
    testing::TempDir dir;
    write_tiny_tree(dir.path());
    data::ImdbOptions options;
    options.vocabulary = 9;  // the file has 8 words
    CHECK_THROWS_WITH_AS(data::load_imdb(dir.path(), options),
                         doctest::Contains("imdb.vocab holds 8 words, fewer than the 9 asked for"),
                         std::runtime_error);
    options.vocabulary = 8;

    adamite::testing::write_file(dir / "train/pos/notes.txt", "stray file");
    CHECK_THROWS_WITH_AS(data::load_imdb(dir.path(), options),
                         doctest::Contains("train/pos/notes.txt: not a review file name"),
                         std::runtime_error);
    fs::remove(dir / "train/pos/notes.txt");
    adamite::testing::write_file(dir / "test/neg/7_x.txt", "");
    CHECK_THROWS_WITH_AS(data::load_imdb(dir.path(), options), doctest::Contains("7_x.txt"),
                         std::runtime_error);
    fs::remove(dir / "test/neg/7_x.txt");

    // Well named but unreadable (a dangling link: permissions do not stop root).
    fs::create_symlink(dir / "nowhere.txt", dir / "train/neg/4_1.txt");
    const std::string unreadable = "cannot read " + (dir / "train/neg/4_1.txt").string();
    CHECK_THROWS_WITH_AS(data::load_imdb(dir.path(), options),
                         doctest::Contains(unreadable.c_str()), std::runtime_error);
    fs::remove(dir / "train/neg/4_1.txt");
    CHECK(data::load_imdb(dir.path(), options).train.size() == 5);

    fs::remove_all(dir / "test/pos");
    const std::string missing_folder = "missing folder " + (dir / "test/pos").string();
    CHECK_THROWS_WITH_AS(data::load_imdb(dir.path(), options),
                         doctest::Contains(missing_folder.c_str()), std::runtime_error);
    fs::remove(dir / "imdb.vocab");
    const std::string vocab = (dir / "imdb.vocab").string();
    CHECK_THROWS_WITH_AS(data::load_imdb(dir.path(), options), doctest::Contains(vocab.c_str()),
                         std::runtime_error);
  }

  TEST_CASE("imdb fetch: unpacks the mirror's checked archive once, into place") {
    testing::TempDir src, mirror, root;
    write_tiny_tree(src / "aclImdb");
    make_tar_gz(mirror / "imdb/labeled.tar.gz", src.path(), "aclImdb");
    const auto mirror_entry =
        entry("labeled.tar.gz", data::md5_hex(mirror / "imdb/labeled.tar.gz"));
    const auto options = adamite::testing::offline_fetch_options(root.path(), mirror.path());
    const fs::path dir = data::fetch_imdb(options, mirror_entry, {});
    CHECK(dir == root / "imdb/aclImdb");
    CHECK(fs::exists(dir / ".complete"));
    CHECK(data::load_imdb(dir, {8, -1, -1}).train.size() == 5);
    // Only aclImdb/ is left in root/imdb: the staging folder is gone, the archive not copied.
    CHECK(std::distance(fs::directory_iterator(root / "imdb"), fs::directory_iterator()) == 1);
    // Present now: nothing is fetched, even with the mirror gone.
    fs::remove_all(mirror / "imdb");
    CHECK(data::fetch_imdb(options, mirror_entry, {}) == dir);
  }

  TEST_CASE("imdb fetch: a bad checksum falls back to the official archive, minus unsup/*.feat") {
    testing::TempDir src, mirror, root;
    write_tiny_tree(src / "aclImdb");
    adamite::testing::write_file(src / "aclImdb/train/unsup/0_0.txt", "unlabeled");
    adamite::testing::write_file(src / "aclImdb/train/labeledBow.feat", "0 0:1");
    make_tar_gz(mirror / "imdb/official.tar.gz", src.path(), "aclImdb");
    adamite::testing::write_file(mirror / "imdb/labeled.tar.gz", "tampered");
    const std::vector<data::ManifestEntry> official = {
        entry("official.tar.gz", data::md5_hex(mirror / "imdb/official.tar.gz"))};
    const auto options = adamite::testing::offline_fetch_options(root.path(), mirror.path());
    const fs::path dir =
        data::fetch_imdb(options, entry("labeled.tar.gz", std::string(32, 'a')), official);
    CHECK(fs::exists(dir / ".complete"));
    CHECK(fs::exists(dir / "train/pos/0_9.txt"));
    CHECK_FALSE(fs::exists(dir / "train/unsup"));
    CHECK_FALSE(fs::exists(dir / "train/labeledBow.feat"));
    CHECK(fs::exists(root / "imdb/official.tar.gz"));  // kept, like the other datasets' files
  }

  TEST_CASE("imdb fetch: failures say what was tried and leave nothing that looks complete") {
    testing::TempDir src, mirror, root;
    const auto options = adamite::testing::offline_fetch_options(root.path(), mirror.path());
    // Both archives fail their checksums.
    adamite::testing::write_file(mirror / "imdb/labeled.tar.gz", "tampered");
    adamite::testing::write_file(mirror / "imdb/official.tar.gz", "tampered too");
    const std::vector<data::ManifestEntry> official = {
        entry("official.tar.gz", std::string(32, 'b'))};
    try {
      data::fetch_imdb(options, entry("labeled.tar.gz", std::string(32, 'a')), official);
      FAIL("expected a FetchError");
    } catch (const data::FetchError& e) {
      const std::string message = e.what();
      CHECK(message.find("labeled.tar.gz: checksum mismatch: expected " + std::string(32, 'a')) !=
            std::string::npos);
      CHECK(message.find("official archive official.tar.gz") != std::string::npos);
      CHECK(message.find("download: disabled") != std::string::npos);
    }
    CHECK_FALSE(fs::exists(root / "imdb/aclImdb"));

    // A checked archive that is not an aclImdb tree (no test/neg): nothing is left behind.
    write_tiny_tree(src / "aclImdb");
    fs::remove_all(src / "aclImdb/test/neg");
    make_tar_gz(mirror / "imdb/labeled.tar.gz", src.path(), "aclImdb");
    CHECK_THROWS_WITH_AS(
        data::fetch_imdb(
            options, entry("labeled.tar.gz", data::md5_hex(mirror / "imdb/labeled.tar.gz")), {}),
        doctest::Contains("not an aclImdb tree"), data::FetchError);
    CHECK(std::distance(fs::directory_iterator(root / "imdb"), fs::directory_iterator()) == 0);

    // The default sources: the real mirror checksum is required of aclImdb-labeled.tar.gz.
    adamite::testing::write_file(mirror / "imdb/aclImdb-labeled.tar.gz", "not the real archive");
    CHECK_THROWS_WITH_AS(data::fetch_imdb(options),
                         doctest::Contains("expected 7e2101ea868756979d11d11f6c5609c1"),
                         data::FetchError);
    CHECK_THROWS_WITH_AS(data::fetch_imdb(options), doctest::Contains("aclImdb_v1.tar.gz"),
                         data::FetchError);
  }

  TEST_CASE("imdb loader: 2000 + 2000 real reviews, balanced, with words that tell the classes") {
    const fs::path dir = testing::data_root() / "imdb" / "aclImdb";
    REQUIRE_MESSAGE(
        fs::exists(dir / ".complete"),
        "no IMDB in " << dir.string() << ": run `adamite fetch imdb` (tools/test.sh does)");
    const data::Splits imdb = data::load_imdb(dir, {10000, 2000, 2000});
    for (const data::Dataset* split : {&imdb.train, &imdb.test}) {
      REQUIRE(split->inputs.shape() == Shape{2000, 10000});
      CHECK(std::count(split->labels.begin(), split->labels.end(), 1) == 1000);
      CHECK(std::count(split->labels.begin(), split->labels.end(), 0) == 1000);
      CHECK(split->labels[0] == 1);
      CHECK(split->labels[1] == 0);
    }
    // Word indices from the vocabulary file (most frequent first: "the" is word 0).
    std::ifstream vocab(dir / "imdb.vocab");
    std::vector<std::string> words;
    for (std::string w; words.size() < 10000 && std::getline(vocab, w);) words.push_back(w);
    const auto index = [&](const std::string& w) {
      const auto it = std::find(words.begin(), words.end(), w);
      REQUIRE(it != words.end());
      return it - words.begin();
    };
    CHECK(index("the") == 0);
    const auto& x = imdb.train.inputs;
    // Per-class feature means.
    RowMatrix means = RowMatrix::Zero(2, 10000);
    for (int64_t i = 0; i < 2000; ++i)
      means.row(imdb.train.labels[static_cast<size_t>(i)]) += x.matrix().row(i);
    means /= 1000.0f;
    CHECK(means(0, 0) > 0.9f);  // nearly every review has "the"
    CHECK(means(1, 0) > 0.9f);
    CHECK(means(1, index("great")) > 1.3f * means(0, index("great")));
    CHECK(means(0, index("worst")) > 3.0f * means(1, index("worst")));
    CHECK((means.row(1) - means.row(0)).cwiseAbs().sum() > 10.0f);
    // Every row is 0/1 and no review is empty.
    CHECK((x.array() * (1.0f - x.array())).abs().maxCoeff() == 0.0f);
    CHECK(x.matrix().rowwise().sum().minCoeff() >= 1.0f);
  }

}  // TEST_SUITE
