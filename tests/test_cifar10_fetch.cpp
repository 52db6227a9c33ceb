// Getting CIFAR-10: the mirror's JPEG tree copied with checksums, and archives unpacked.
#include <doctest/doctest.h>

#include <fstream>

#include "adamite/fetch/archive.hpp"
#include "adamite/fetch/cifar10.hpp"
#include "adamite/fetch/md5.hpp"
#include "support.hpp"

using namespace adamite;
namespace fs = std::filesystem;

namespace {

// The canonical digest of a checksum list (datasets/cifar-10-images.md5) of lines already sorted
// by path and written "<md5>  ./<path>".
std::string list_md5(std::string list) {
  for (size_t at = list.find("  ./"); at != std::string::npos; at = list.find("  ./", at))
    list.erase(at + 2, 2);
  return data::md5_hex(std::string_view(list));
}

}  // namespace

TEST_SUITE("data") {
  TEST_CASE("cifar10 fetch: copies the mirror's image tree, checking every file") {
    testing::TempDir mirror, root;
    adamite::testing::write_file(mirror / "cifar-10-images/test/cat/0000.jpg", "not really a jpeg");
    adamite::testing::write_file(mirror / "cifar-10-images/train/dog/0000.jpg", "another");
    const std::string list =
        data::md5_hex(std::string_view("not really a jpeg")) + "  ./test/cat/0000.jpg\n" +
        data::md5_hex(std::string_view("another")) + "  ./train/dog/0000.jpg\n";
    adamite::testing::write_file(mirror / "cifar-10-images.MD5SUMS", list);
    const fs::path dir = data::fetch_cifar10(
        adamite::testing::offline_fetch_options(root.path(), mirror.path()), list_md5(list));
    CHECK(fs::exists(dir / "images/test/cat/0000.jpg"));
    CHECK(fs::exists(dir / "images/.complete"));
    // Present now: a second fetch does nothing, even with the mirror gone.
    fs::remove_all(mirror / "cifar-10-images");
    CHECK_NOTHROW(
        data::fetch_cifar10(adamite::testing::offline_fetch_options(root.path(), mirror.path())));
  }

  TEST_CASE("cifar10 fetch: a file that fails its checksum stops the copy and leaves nothing") {
    testing::TempDir mirror, root;
    adamite::testing::write_file(mirror / "cifar-10-images/test/cat/0000.jpg", "tampered");
    const std::string list = std::string(32, 'a') + "  ./test/cat/0000.jpg\n";
    adamite::testing::write_file(mirror / "cifar-10-images.MD5SUMS", list);
    CHECK_THROWS_WITH_AS(
        data::fetch_cifar10(adamite::testing::offline_fetch_options(root.path(), mirror.path()),
                            list_md5(list)),
        doctest::Contains("0000.jpg: checksum mismatch"), data::FetchError);
    CHECK_FALSE(fs::exists(root / "cifar10/images"));
    CHECK_THROWS_WITH_AS(data::load_cifar10(root / "cifar10"),
                         doctest::Contains("adamite fetch cifar10"), data::FetchError);
  }

  // The adversarial run: a truncated JPEG whose new MD5 was written into the mirror's MD5SUMS was
  // accepted and the tree marked complete; the list that travels with the data proves nothing.
  TEST_CASE("cifar10 fetch: a checksum list other than the one shipped in datasets/ is refused") {
    testing::TempDir mirror, root;
    adamite::testing::write_file(mirror / "cifar-10-images/test/cat/0000.jpg", "truncated");
    adamite::testing::write_file(
        mirror / "cifar-10-images.MD5SUMS",
        data::md5_hex(std::string_view("truncated")) + "  ./test/cat/0000.jpg\n");
    const std::string expected =
        "cifar-10-images.MD5SUMS: this checksum list of 1 files has the digest " +
        list_md5(data::md5_hex(std::string_view("truncated")) + "  ./test/cat/0000.jpg\n") +
        ", not the 12fa0e237880dd51c94d20963b934b76 of the CIFAR-10 image tree";
    CHECK_THROWS_WITH_AS(
        data::fetch_cifar10(adamite::testing::offline_fetch_options(root.path(), mirror.path())),
        doctest::Contains(expected.c_str()), data::FetchError);
    CHECK_FALSE(fs::exists(root / "cifar10/images"));
  }

  TEST_CASE("cifar10 fetch: unpacks a tar.gz, a corrupt one is a clear error") {
    testing::TempDir dir;
    adamite::testing::write_file(dir / "src/cifar-10-batches-bin/test_batch.bin",
                                 std::string(3073, '\1'));
    const std::string command = "tar -czf " + (dir / "a.tar.gz").string() + " -C " +
                                (dir / "src").string() + " cifar-10-batches-bin";
    REQUIRE(std::system(command.c_str()) == 0);
    data::extract_tar_gz(dir / "a.tar.gz", dir / "out");
    CHECK(fs::file_size(dir / "out/cifar-10-batches-bin/test_batch.bin") == 3073);
    adamite::testing::write_file(dir / "bad.tar.gz", "garbage");
    CHECK_THROWS_WITH_AS(data::extract_tar_gz(dir / "bad.tar.gz", dir / "out2"),
                         doctest::Contains("bad.tar.gz: cannot unpack"), data::FetchError);
  }

  TEST_CASE("cifar10 fetch: the real mirror gives 50000 + 10000 checked images" *
            doctest::test_suite("slow")) {
    const char* mirror = std::getenv("ADAMITE_DATA_MIRROR");
    REQUIRE_MESSAGE(mirror != nullptr, "set ADAMITE_DATA_MIRROR (tools/test.sh does)");
    fs::path mirror_path = mirror;
    if (mirror_path.is_relative()) mirror_path = fs::path(ADAMITE_SOURCE_DIR) / mirror_path;
    testing::TempDir root;
    const fs::path dir =
        data::fetch_cifar10(adamite::testing::offline_fetch_options(root.path(), mirror_path));
    const data::Splits cifar = data::load_cifar10(dir);
    CHECK(cifar.train.size() == 50000);
    CHECK(cifar.test.size() == 10000);
    CHECK(cifar.train.pixel_shape == Shape{50000, 3, 32, 32});
  }

}  // TEST_SUITE
