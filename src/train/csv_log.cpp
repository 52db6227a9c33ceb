#include "adamite/train/csv_log.hpp"

#include <stdexcept>

namespace adamite::train {

namespace {
bool has_content(const std::filesystem::path& file) {
  std::error_code error;
  return std::filesystem::file_size(file, error) > 0 && !error;
}
}  // namespace

CsvLog::CsvLog(const std::filesystem::path& file, bool append)
    : path_(file), out_(file, append && has_content(file) ? std::ios::app : std::ios::trunc) {
  if (!out_) throw std::runtime_error(file.string() + ": cannot open the log for writing");
  if (!(append && has_content(file)))
    out_ << "epoch,step,train_loss,test_loss,test_accuracy,seconds\n" << std::flush;
}

void CsvLog::write(const EpochResult& row) {
  out_.precision(8);
  out_ << row.epoch << ',' << row.step << ',' << row.train_loss << ',' << row.test_loss << ','
       << row.test_accuracy << ',' << row.seconds << '\n'
       << std::flush;
  if (!out_) throw std::runtime_error(path_.string() + ": writing the log failed");
}

}  // namespace adamite::train
