// Internal to src/optim: the pieces of an SFO checkpoint (sfo.hpp). Arrays go into an
// io::ArrayFile under "sfo.*" names; scalars go into its metadata as exact text (doubles in hex,
// counts in decimal). Every reader checks what it reads and throws std::runtime_error naming the
// file and the entry: a checkpoint is a file anyone may have edited or damaged.
#pragma once

#include <Eigen/Dense>
#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "adamite/io/array_file.hpp"

namespace adamite::optim::detail {

// What SFO::save assembles: arrays that point into the optimizer's memory, or into `owned` for
// those gathered from pieces.
struct SfoStateOut {
  std::vector<io::ArrayRef> arrays;
  std::map<std::string, std::string> metadata;
  std::deque<std::vector<double>> owned;  // a deque: adding never moves the earlier ones

  void add(const std::string& name, const Eigen::MatrixXd& m) {
    arrays.push_back(io::array_ref(name, {m.cols(), m.rows()}, m.data()));
  }
  void add(const std::string& name, const Eigen::VectorXf& v) {
    arrays.push_back(io::array_ref(name, {v.size()}, v.data()));
  }
  void add(const std::string& name, const std::vector<double>& v) {
    arrays.push_back(io::array_ref(name, {int64_t(v.size())}, v.data()));
  }
  void add_owned(const std::string& name, std::vector<double> v) {
    owned.push_back(std::move(v));
    add(name, owned.back());
  }
  void number(const std::string& key, double value);
  void counts(const std::string& key, const std::vector<int64_t>& values);
};

// Reading the same pieces back.
[[noreturn]] void bad_state(const io::ArrayFile& file, const std::string& key,
                            const std::string& what);
double number_field(const io::ArrayFile& file, const std::string& key);
// A generator's state (Generator::state_text).
std::array<uint64_t, 4> generator_field(const io::ArrayFile& file, const std::string& key);
// `n` whole numbers, each in [0, max].
std::vector<int64_t> counts_field(const io::ArrayFile& file, const std::string& key, size_t n,
                                  int64_t max);
inline int64_t count_field(const io::ArrayFile& file, const std::string& key, int64_t max) {
  return counts_field(file, key, 1, max)[0];
}
inline void read(const io::ArrayFile& file, const std::string& name, Eigen::MatrixXd& m) {
  file.read(name, {m.cols(), m.rows()}, m.data());
}
inline void read(const io::ArrayFile& file, const std::string& name, Eigen::VectorXf& v) {
  file.read(name, {v.size()}, v.data());
}
inline void read(const io::ArrayFile& file, const std::string& name, std::vector<double>& v) {
  file.read(name, {int64_t(v.size())}, v.data());
}

}  // namespace adamite::optim::detail
