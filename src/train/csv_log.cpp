#include "adamite/train/csv_log.hpp"

#include <stdexcept>

namespace adamite::train {

CsvLog::CsvLog(const std::filesystem::path& file) : path_(file), out_(file, std::ios::trunc) {
  if (!out_) throw std::runtime_error(file.string() + ": cannot open the log for writing");
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
