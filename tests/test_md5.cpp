// MD5 against the RFC 1321 test suite (appendix A.5), in one go, in pieces and from files.
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "adamite/fetch/md5.hpp"
#include "support.hpp"

using adamite::data::Md5;
using adamite::data::md5_hex;
using std::string_view;

TEST_SUITE("data") {
  TEST_CASE("md5: RFC 1321 test suite") {
    CHECK(md5_hex(string_view("")) == "d41d8cd98f00b204e9800998ecf8427e");
    CHECK(md5_hex(string_view("a")) == "0cc175b9c0f1b6a831c399e269772661");
    CHECK(md5_hex(string_view("abc")) == "900150983cd24fb0d6963f7d28e17f72");
    CHECK(md5_hex(string_view("message digest")) == "f96b697d7cb7938d525a2f31aaf161d0");
    CHECK(md5_hex(string_view("abcdefghijklmnopqrstuvwxyz")) == "c3fcd3d76192e4007dfb496cca67e13b");
    CHECK(md5_hex(string_view("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")) ==
          "d174ab98d277d9f5a5611c2c9f419d9f");
    CHECK(md5_hex(string_view("1234567890123456789012345678901234567890123456789012345678901234567"
                              "8901234567890")) == "57edf4a22be3c955ac49da2e2107b67a");
  }

  TEST_CASE("md5: incremental updates match one-shot hashing at every split") {
    // Lengths around the 55/56/64-byte padding boundaries are where MD5 implementations break.
    std::string text;
    for (int i = 0; i < 200; ++i) text += static_cast<char>('!' + (i * 7) % 90);
    for (size_t length : {size_t{0}, size_t{55}, size_t{56}, size_t{63}, size_t{64}, size_t{65},
                          size_t{119}, size_t{120}, size_t{128}, size_t{200}}) {
      const string_view whole(text.data(), length);
      const std::string expected = md5_hex(whole);
      for (size_t split : {size_t{0}, length / 3, length / 2, length}) {
        Md5 md5;
        md5.update(whole.substr(0, split));
        md5.update(whole.substr(split));
        CHECK_MESSAGE(md5.hex() == expected, "length " << length << " split " << split);
      }
    }
  }

  TEST_CASE("md5: files are hashed in chunks") {
    adamite::testing::TempDir tmp;
    const auto file = tmp / "million-a.txt";
    std::ofstream(file, std::ios::binary) << std::string(1000000, 'a');
    CHECK(md5_hex(file) == "7707d6ae4e027c70eea2a935c2296f21");  // the classic one-million-'a' MD5

    // Larger than the 1 MiB read chunk, and not a multiple of it.
    std::string bytes(3 * (1 << 20) + 12345, '\0');
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 131) >> 3);
    const auto big = tmp / "big.bin";
    std::ofstream(big, std::ios::binary) << bytes;
    CHECK(md5_hex(big) == md5_hex(string_view(bytes)));

    CHECK_THROWS_WITH_AS(md5_hex(tmp / "missing.bin"), doctest::Contains("missing.bin"),
                         std::runtime_error);
  }
}
