#include "adamite/train/csv_log.hpp"

#include <stdexcept>

#include "adamite/io/atomic_file.hpp"

namespace adamite::train {

namespace {
bool has_content(const std::filesystem::path& file) {
  std::error_code error;
  return std::filesystem::file_size(file, error) > 0 && !error;
}
}  // namespace

// The log is appended to in place (each row must survive a crash), but like every output it
// refuses a device, FIFO or folder and writes through a symbolic link (io::resolve_output_file).
CsvLog::CsvLog(const std::filesystem::path& file, bool append, bool validation)
    : path_(file), validation_(validation) {
  const std::filesystem::path target = io::resolve_output_file(file);
  out_.open(target, append && has_content(target) ? std::ios::app : std::ios::trunc);
  if (!out_) throw std::runtime_error(file.string() + ": cannot open the log for writing");
  if (!(append && has_content(file)))
    out_ << "epoch,step,train_loss,test_loss,test_accuracy,seconds"
         << (validation ? ",validation_loss,validation_accuracy" : "") << '\n'
         << std::flush;
}

void CsvLog::write(const EpochResult& row) {
  out_.precision(8);
  out_ << row.epoch << ',' << row.step << ',' << row.train_loss << ',' << row.test_loss << ','
       << row.test_accuracy << ',' << row.seconds;
  if (validation_) out_ << ',' << row.validation_loss << ',' << row.validation_accuracy;
  out_ << '\n' << std::flush;
  if (!out_) throw std::runtime_error(path_.string() + ": writing the log failed");
}

}  // namespace adamite::train
