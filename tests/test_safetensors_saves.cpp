// safetensors saves: bad input refused before writing, and a save that cannot complete (no room,
// no permission, a link, a device, a dead writer's temporaries, a failure mid-write) reported
// without damage to the previous file.
#include <doctest/doctest.h>

#include "safetensors_support.hpp"

using namespace adamite;
using namespace adamite::testing::safetensors;
using adamite::testing::TempDir;

TEST_CASE("safetensors: invalid input to save is rejected before writing") {
  TempDir dir;
  const fs::path file = dir / "model.safetensors";
  const Tensor t = Tensor::scalar(1.0f);
  CHECK(contains(error_of([&] {
                   io::save_safetensors(file, {{"x", t}, {"x", t}});
                 }),
                 R"(duplicate tensor name "x")"));
  CHECK(contains(error_of([&] { io::save_safetensors(file, {{"__metadata__", t}}); }), "reserved"));
  CHECK(contains(error_of([&] { io::save_safetensors(file, {{"x", Tensor()}}); }), "undefined"));
  CHECK(contains(error_of([&] { io::save_safetensors(file, {{"\xff", t}}); }), file.string()));
  CHECK(folder_entries(dir.path()).empty());
}

TEST_CASE("safetensors: saves that cannot be written fail cleanly") {
  TempDir dir;
  const Named tensors = {{"x", Tensor::scalar(1.0f)}};

  SUBCASE("folder does not exist") {
    const fs::path file = dir / "no-such-folder" / "model.safetensors";
    const std::string message = error_of([&] { io::save_safetensors(file, tensors); });
    CHECK(contains(message, file.string()));
    CHECK_FALSE(fs::exists(dir / "no-such-folder"));
  }
  SUBCASE("folder is a file") {
    write_bytes(dir / "plain-file", "keep");
    const fs::path file = dir / "plain-file" / "model.safetensors";
    const std::string message = error_of([&] { io::save_safetensors(file, tensors); });
    CHECK(contains(message, file.string()));
    CHECK(read_bytes(dir / "plain-file") == "keep");
  }
  SUBCASE("target is a folder: refused, nothing left behind") {
    fs::create_directory(dir / "folder.safetensors");
    const fs::path file = dir / "folder.safetensors";
    const std::string message = error_of([&] { io::save_safetensors(file, tensors); });
    CHECK(contains(message, file.string()));
    CHECK(fs::is_directory(file));
    CHECK(folder_entries(dir.path()) == std::vector<std::string>{"folder.safetensors"});
  }
}

// The adversarial run: a save onto a device node, or onto /dev/full, left a regular file in its
// place, and a symbolic link was replaced instead of its target being written.
TEST_CASE("safetensors: a save writes through a symbolic link and never replaces a device") {
  TempDir dir;
  const Named tensors = {{"x", Tensor::scalar(1.0f)}};

  SUBCASE("a symbolic link stays, the file it names gets the content") {
    write_bytes(dir / "real.safetensors", "old");
    fs::create_symlink("real.safetensors", dir / "link.safetensors");
    io::save_safetensors(dir / "link.safetensors", tensors);
    CHECK(fs::is_symlink(dir / "link.safetensors"));
    CHECK(io::load_safetensors(dir / "real.safetensors").tensors.size() == 1);
    CHECK(folder_entries(dir.path()) ==
          std::vector<std::string>{"link.safetensors", "real.safetensors"});
  }
  SUBCASE("a named pipe is refused and stays") {
    const fs::path fifo = dir / "pipe";
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    const std::string message = error_of([&] { io::save_safetensors(fifo, tensors); });
    CHECK(contains(message, fifo.string() + ": is a named pipe (FIFO), not a regular file"));
    CHECK(fs::is_fifo(fifo));
    CHECK(folder_entries(dir.path()) == std::vector<std::string>{"pipe"});
  }
  SUBCASE("a link to a character device is refused; the device stays") {
    fs::create_symlink("/dev/null", dir / "null");
    const std::string message = error_of([&] { io::save_safetensors(dir / "null", tensors); });
    CHECK(contains(message, "is a character device, not a regular file"));
    CHECK(fs::is_character_file("/dev/null"));
    CHECK(fs::is_symlink(dir / "null"));
  }
  SUBCASE("a dangling link is refused and stays") {
    fs::create_symlink("nowhere/x.safetensors", dir / "dangling");
    const std::string message = error_of([&] { io::save_safetensors(dir / "dangling", tensors); });
    CHECK(contains(message, "symbolic link to nothing"));
    CHECK(fs::is_symlink(dir / "dangling"));
  }
}

// The adversarial run: every interrupted write left its temporary behind for good.
TEST_CASE("safetensors: a save sweeps the temporaries of dead writers, never a live one's") {
  TempDir dir;
  // 2^22 + 1 is above Linux's largest pid, so no process has it.
  const std::string dead = ".model.safetensors.tmp-4194305-0";
  const std::string live = ".model.safetensors.tmp-" + std::to_string(::getppid()) + "-3";
  write_bytes(dir / dead, "partial");
  write_bytes(dir / live, "in progress");
  write_bytes(dir / ".other.safetensors.tmp-4194305-0", "not this target's");
  io::save_safetensors(dir / "model.safetensors", {{"x", Tensor::scalar(1.0f)}});
  CHECK(folder_entries(dir.path()) ==
        std::vector<std::string>{live, ".other.safetensors.tmp-4194305-0", "model.safetensors"});
}

TEST_CASE("safetensors: a save that fails mid-write keeps the previous file intact") {
  TempDir dir;
  const fs::path file = dir / "model.safetensors";
  const Tensor original = ramp({4}, 1.0f, 1.0f);
  io::save_safetensors(file, {{"w", original}}, {{"version", "1"}});
  const std::string original_bytes = read_bytes(file);

  const std::string message = adamite::testing::error_on_full_disk(4096, [&] {
    io::save_safetensors(file, {{"w", ramp({100000}, 0.0f, 1.0f)}}, {{"version", "2"}});
  });

  CHECK(contains(message, file.string()));
  CHECK(contains(message, "cannot write"));
  CHECK(read_bytes(file) == original_bytes);
  CHECK(folder_entries(dir.path()) == std::vector<std::string>{"model.safetensors"});
  const io::SafetensorsFile loaded = io::load_safetensors(file);
  REQUIRE(loaded.tensors.size() == 1);
  CHECK(same_bits(loaded.tensors[0].second, original));
  CHECK(loaded.metadata.at("version") == "1");

  // A rejected save (bad input) leaves it alone too.
  error_of([&] { io::save_safetensors(file, {{"w", original}, {"w", original}}); });
  CHECK(read_bytes(file) == original_bytes);
}

TEST_CASE("safetensors: arrays of float64 and float32 come back bit for bit, checked") {
  TempDir dir;
  const auto file = dir.path() / "state.safetensors";
  const std::vector<double> wide{0.1,
                                 -0.0,
                                 std::numeric_limits<double>::denorm_min(),
                                 std::bit_cast<double>(uint64_t{0x7ff8dead0000beefULL}),
                                 1e300,
                                 -std::numeric_limits<double>::infinity()};
  const std::vector<float> narrow{1.5f, -0.0f, std::numeric_limits<float>::denorm_min(),
                                  std::bit_cast<float>(uint32_t{0x7fc0beefu})};
  io::save_arrays(
      file,
      {io::array_ref("wide", {2, 3}, wide.data()), io::array_ref("narrow", {4}, narrow.data())},
      {{"note", "exact"}});

  const io::ArrayFile stored(file);
  CHECK(stored.metadata() == std::map<std::string, std::string>{{"note", "exact"}});
  CHECK(stored.contains("wide"));
  CHECK_FALSE(stored.contains("checksum.wide"));
  std::vector<double> wide_back(6);
  std::vector<float> narrow_back(4);
  stored.read("wide", {2, 3}, wide_back.data());
  stored.read("narrow", {4}, narrow_back.data());
  CHECK(std::memcmp(wide_back.data(), wide.data(), 6 * sizeof(double)) == 0);
  CHECK(std::memcmp(narrow_back.data(), narrow.data(), 4 * sizeof(float)) == 0);
  // Still a safetensors file: the float32 reader opens it (F64 rounded to float32).
  CHECK(io::load_safetensors(file).tensors.size() == 2);

  CHECK(contains(error_of([&] { stored.read("wide", {6}, wide_back.data()); }),
                 "array \"wide\" has shape [2, 3], expected [6]"));
  CHECK(contains(error_of([&] { stored.read("narrow", {4}, wide_back.data()); }),
                 "array \"narrow\" is F32, expected F64"));
  CHECK(contains(error_of([&] { stored.expect("other", {1}, true); }), "has no array \"other\""));
  CHECK(contains(
      error_of([&] {
        io::save_arrays(file, {io::array_ref("x", {1}, narrow.data())}, {{"checksum.x", "0"}});
      }),
      "reserved"));
}
