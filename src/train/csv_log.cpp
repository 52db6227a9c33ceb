#include "adamite/train/csv_log.hpp"

#include <sstream>
#include <stdexcept>

#include "adamite/io/atomic_file.hpp"

namespace adamite::train {

namespace {
bool has_content(const std::filesystem::path& file) {
  std::error_code error;
  return std::filesystem::file_size(file, error) > 0 && !error;
}
}  // namespace

// Rows are appended in place (each must survive a crash), but like every output the log refuses a
// device, FIFO or folder and writes through a symbolic link (io::resolve_output_file). A new log
// replaces the file only with its first row, atomically: a run stopped before its first epoch
// ends leaves an earlier log there as it was.
CsvLog::CsvLog(const std::filesystem::path& file, bool append, bool validation)
    : path_(file), validation_(validation) {
  const std::filesystem::path target = io::resolve_output_file(file);
  if (!(append && has_content(target))) {
    io::check_can_write(file);
    return;  // the header goes out with the first row
  }
  out_.open(target, std::ios::app);
  if (!out_) throw std::runtime_error(file.string() + ": cannot open the log for writing");
}

void CsvLog::write(const EpochResult& row) {
  std::ostringstream text;
  if (!out_.is_open())
    text << "epoch,step,train_loss,test_loss,test_accuracy,seconds"
         << (validation_ ? ",validation_loss,validation_accuracy" : "") << '\n';
  text.precision(8);
  text << row.epoch << ',' << row.step << ',' << row.train_loss << ',' << row.test_loss << ','
       << row.test_accuracy << ',' << row.seconds;
  if (validation_) text << ',' << row.validation_loss << ',' << row.validation_accuracy;
  text << '\n';
  if (!out_.is_open()) {
    io::write_file_atomically(path_, text.str());
    out_.open(io::resolve_output_file(path_), std::ios::app);
  } else {
    out_ << text.str() << std::flush;
  }
  if (!out_) throw std::runtime_error(path_.string() + ": writing the log failed");
}

}  // namespace adamite::train
