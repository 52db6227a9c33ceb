// Fetching with an explicit small manifest and a fake mirror in a temp folder: what is copied,
// kept, replaced or refused, and what the errors say. Plus the project's real manifest.
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "adamite/fetch/fetch.hpp"
#include "adamite/fetch/md5.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using namespace adamite;
using adamite::testing::TempDir;

namespace {

std::string read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::string md5_of(const std::string& bytes) {
  return data::md5_hex(std::string_view(bytes));
}

const std::string kAlpha = "alpha file contents\n";
const std::string kBeta(5000, 'b');

// A two-file dataset "toy" (plus an unrelated "other"), and a fake mirror holding both files.
struct Fixture {
  TempDir tmp;
  std::ostringstream log;
  std::vector<data::ManifestEntry> entries = data::parse_manifest(
      "# dataset\tfile\tmd5s\turls\n"
      "toy\talpha.txt\t" +
      md5_of(kAlpha) + "\n" + "toy\tbeta.bin\t00000000000000000000000000000000," + md5_of(kBeta) +
      "\n" + "other\tgamma.txt\t" + md5_of("gamma") + "\n");
  data::FetchOptions options;

  Fixture() {
    adamite::testing::write_file(tmp / "mirror/toy/alpha.txt", kAlpha);
    adamite::testing::write_file(tmp / "mirror/toy/beta.bin", kBeta);
    fs::permissions(tmp / "mirror/toy/alpha.txt", fs::perms::owner_read);  // as mirrors often are
    options.root = tmp / "root";
    options.mirror = tmp / "mirror";
    options.system_dirs = {};
    options.allow_download = false;
    options.log = &log;
  }
  fs::path target(const std::string& file) const { return tmp / "root/toy" / file; }
  // Any temporary download (a hidden file beside the targets) left in the dataset folder?
  bool leftovers() const {
    for (const auto& item : fs::directory_iterator(tmp / "root/toy"))
      if (item.path().filename().string().starts_with(".")) return true;
    return false;
  }
};

std::string fetch_error(const std::string& dataset, const std::vector<data::ManifestEntry>& e,
                        const data::FetchOptions& options) {
  try {
    data::fetch_files(dataset, e, options);
  } catch (const data::FetchError& error) {
    return error.what();
  }
  FAIL("fetch_files(" << dataset << ") did not throw");
  return {};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Sets an environment variable for one scope and restores it after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    value ? setenv(name, value, 1) : unsetenv(name);
  }
  ~ScopedEnv() { old_ ? setenv(name_, old_->c_str(), 1) : unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace

TEST_SUITE("data") {
  TEST_CASE("fetch: the project's manifest parses") {
    const auto& entries = data::manifest();
    CHECK(data::known_datasets() ==
          std::vector<std::string>{"mnist", "fashion-mnist", "cifar10", "imdb"});
    std::vector<data::ManifestEntry> mnist, fashion;
    for (const auto& e : entries) {
      if (e.dataset == "mnist") mnist.push_back(e);
      if (e.dataset == "fashion-mnist") fashion.push_back(e);
      CHECK(!e.md5s.empty());
      CHECK(!e.urls.empty());
    }
    REQUIRE(mnist.size() == 4);
    CHECK(mnist[0].file == "train-images-idx3-ubyte.gz");
    CHECK(mnist[0].md5s == std::vector<std::string>{"f68b3c2dcbeaaa9fbdd348bbdeb94873"});
    CHECK(mnist[0].urls.front() ==
          "https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz");
    CHECK(mnist[0].urls.back() == "http://yann.lecun.com/exdb/mnist/train-images-idx3-ubyte.gz");
    CHECK(mnist[3].md5s.front() == "ec29112dd5afa0611ce80d1b7f02629c");
    REQUIRE(fashion.size() == 4);
    for (const auto& e : fashion) CHECK(e.md5s.size() == 2);  // Zalando's and Debian's
  }

  TEST_CASE("fetch: parse_manifest rejects malformed lines") {
    CHECK_THROWS_WITH_AS(data::parse_manifest("\n\ntoy\tfile.bin\n"),
                         doctest::Contains("manifest line 3"), data::FetchError);
    CHECK_THROWS_WITH_AS(data::parse_manifest("toy\tf\tnot-an-md5\n"),
                         doctest::Contains("not an MD5"), data::FetchError);
    CHECK_THROWS_WITH_AS(data::parse_manifest("toy\t../escape\td41d8cd98f00b204e9800998ecf8427e\n"),
                         doctest::Contains("plain file name"), data::FetchError);
    const auto entries = data::parse_manifest(
        "toy\tf\tD41D8CD98F00B204E9800998ECF8427E , 0cc175b9c0f1b6a831c399e269772661\t"
        "http://a/f,http://b/f\r\n");
    REQUIRE(entries.size() == 1);
    CHECK(entries[0].md5s == std::vector<std::string>{"d41d8cd98f00b204e9800998ecf8427e",
                                                      "0cc175b9c0f1b6a831c399e269772661"});
    CHECK(entries[0].urls == std::vector<std::string>{"http://a/f", "http://b/f"});
  }

  TEST_CASE("fetch: copies from the mirror, keeps good files, replaces bad ones") {
    Fixture f;
    const fs::path dir = data::fetch_files("toy", f.entries, f.options);
    CHECK(dir == f.tmp / "root/toy");
    CHECK(read_file(f.target("alpha.txt")) == kAlpha);
    CHECK(read_file(f.target("beta.bin")) == kBeta);  // the second accepted checksum matched
    CHECK(!fs::exists(f.tmp / "root/other"));
    CHECK(contains(f.log.str(), "toy/alpha.txt: copied from mirror"));
    CHECK(!f.leftovers());
    // The copy is the user's own writable file, whatever the mirror's mode.
    CHECK((fs::status(f.target("alpha.txt")).permissions() & fs::perms::owner_write) !=
          fs::perms::none);

    // Good files are kept: no mirror needed the second time.
    f.log.str("");
    f.options.mirror = std::nullopt;
    data::fetch_files("toy", f.entries, f.options);
    CHECK(contains(f.log.str(), "toy/alpha.txt: ok"));
    CHECK(contains(f.log.str(), "toy/beta.bin: ok"));

    // A corrupted file is replaced from the mirror.
    adamite::testing::write_file(f.target("alpha.txt"), "corrupted");
    f.options.mirror = f.tmp / "mirror";
    f.log.str("");
    data::fetch_files("toy", f.entries, f.options);
    CHECK(read_file(f.target("alpha.txt")) == kAlpha);
    CHECK(contains(f.log.str(), "toy/alpha.txt: copied from mirror"));
    CHECK(contains(f.log.str(), "toy/beta.bin: ok"));
    CHECK(!f.leftovers());
  }

  TEST_CASE("fetch: a wrong checksum in the mirror is an error and leaves no file") {
    Fixture f;
    adamite::testing::write_file(f.tmp / "mirror/toy/alpha.txt", "tampered");
    const std::string message = fetch_error("toy", f.entries, f.options);
    CHECK(contains(message, "alpha.txt"));
    CHECK(contains(message, "expected " + md5_of(kAlpha)));
    CHECK(contains(message, "got " + md5_of("tampered")));
    CHECK(contains(message, "ADAMITE_DATA_MIRROR"));
    CHECK(!fs::exists(f.target("alpha.txt")));
    CHECK(!f.leftovers());

    // A later source with the right bytes (here a system copy) still wins.
    adamite::testing::write_file(f.tmp / "system/toy/alpha.txt", kAlpha);
    f.options.system_dirs = {f.tmp / "system"};
    data::fetch_files("toy", f.entries, f.options);
    CHECK(read_file(f.target("alpha.txt")) == kAlpha);
    CHECK(contains(f.log.str(), "toy/alpha.txt: copied from system copy"));
  }

  TEST_CASE("fetch: no source and downloads disabled gives a clear error") {
    Fixture f;
    f.options.mirror = std::nullopt;
    const std::string message = fetch_error("toy", f.entries, f.options);
    CHECK(contains(message, "toy/alpha.txt"));
    CHECK(contains(message, "ADAMITE_DATA_MIRROR is not set"));
    CHECK(contains(message, "download: disabled"));
    CHECK(contains(message, "check the network"));
    CHECK(!fs::exists(f.target("alpha.txt")));

    f.options.mirror = f.tmp / "empty-mirror";
    CHECK(contains(fetch_error("toy", f.entries, f.options),
                   "empty-mirror/toy/alpha.txt: not found"));
  }

  TEST_CASE("fetch: unknown datasets are named with the known ones") {
    Fixture f;
    const std::string message = fetch_error("toys", f.entries, f.options);
    CHECK(contains(message, "unknown dataset 'toys'"));
    CHECK(contains(message, "toy, other"));
    CHECK_THROWS_WITH_AS(data::fetch_dataset("imagenet", f.options),
                         doctest::Contains("known datasets: mnist, fashion-mnist, cifar10"),
                         data::FetchError);
  }

  TEST_CASE("fetch: downloads run curl on the URLs in order") {
    if (!fs::exists("/usr/bin/curl") && !fs::exists("/bin/curl")) {
      MESSAGE("skipped: curl is not installed");
      return;
    }
    Fixture f;
    f.options.mirror = std::nullopt;
    f.options.allow_download = true;
    const std::string source = "file://" + (f.tmp / "mirror/toy/alpha.txt").string();
    const std::string missing = "file://" + (f.tmp / "nowhere/alpha.txt").string();
    // A URL with shell metacharacters must reach curl as one plain argument.
    const std::string hostile = "file:///nonexistent/$(touch " + (f.tmp / "pwned").string() + ")";
    auto entries = data::parse_manifest("toy\talpha.txt\t" + md5_of(kAlpha) + "\t" + hostile + "," +
                                        missing + "," + source + "\n");
    data::fetch_files("toy", entries, f.options);
    CHECK(read_file(f.target("alpha.txt")) == kAlpha);
    CHECK(contains(f.log.str(), "toy/alpha.txt: downloaded from " + source));
    CHECK(!fs::exists(f.tmp / "pwned"));
    CHECK(!f.leftovers());

    fs::remove(f.target("alpha.txt"));
    entries = data::parse_manifest("toy\talpha.txt\t" + md5_of(kAlpha) + "\t" + missing + "\n");
    const std::string message = fetch_error("toy", entries, f.options);
    CHECK(contains(message, missing + ": curl exited with status"));
    CHECK(!fs::exists(f.target("alpha.txt")));
    CHECK(!f.leftovers());
  }

  TEST_CASE("fetch: dataset_present, data_root and the mirror variable") {
    TempDir tmp;
    CHECK(!data::dataset_present("mnist", tmp.path()));
    for (const auto& e : data::manifest())
      if (e.dataset == "mnist") adamite::testing::write_file(tmp / "mnist" / e.file, "");
    CHECK(data::dataset_present("mnist", tmp.path()));  // presence only, no checksum
    CHECK(!data::dataset_present("fashion-mnist", tmp.path()));
    CHECK(!data::dataset_present("no-such-dataset", tmp.path()));
    {
      const ScopedEnv root("ADAMITE_DATA", "/somewhere/data");
      const ScopedEnv mirror("ADAMITE_DATA_MIRROR", "/somewhere/mirror");
      CHECK(data::data_root() == "/somewhere/data");
      const data::FetchOptions options;
      CHECK(options.root == "/somewhere/data");
      CHECK(options.mirror == fs::path("/somewhere/mirror"));
    }
    {
      const ScopedEnv root("ADAMITE_DATA", nullptr);
      const ScopedEnv mirror("ADAMITE_DATA_MIRROR", nullptr);
      CHECK(data::data_root() == "datasets");
      CHECK(!data::FetchOptions{}.mirror.has_value());
    }
  }
}
