#include "adamite/data/dataloader.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "adamite/random.hpp"

namespace adamite::data {

DataLoader::DataLoader(const Dataset& dataset, int64_t batch_size, bool shuffle, uint64_t seed,
                       bool drop_last)
    : dataset_(&dataset),
      batch_size_(batch_size),
      shuffle_(shuffle),
      drop_last_(drop_last),
      seed_(seed) {
  if (batch_size <= 0)
    throw std::invalid_argument("DataLoader: batch size must be positive, got " +
                                std::to_string(batch_size));
  const Shape stored = dataset.holds_bytes()      ? dataset.pixel_shape
                       : dataset.inputs.defined() ? dataset.inputs.shape()
                                                  : Shape{};
  const bool bytes_match =
      !dataset.holds_bytes() || dataset.pixels.size() == static_cast<size_t>(numel(stored));
  if (stored.empty() || stored[0] != dataset.size() || !bytes_match)
    throw std::invalid_argument("DataLoader: dataset '" + dataset.name + "' has " +
                                std::to_string(dataset.size()) + " labels but " +
                                (dataset.holds_bytes()
                                     ? std::to_string(dataset.pixels.size()) + " bytes of shape "
                                     : std::string("inputs of shape ")) +
                                (stored.empty() ? "[]" : to_string(stored)));
  // No batch holds more rows than the dataset: --batch-size 10000000 on 60000 images must not
  // reserve 10000000 rows.
  const int64_t rows = std::min(batch_size, dataset.size());
  Shape shape = dataset.example_shape();
  shape.insert(shape.begin(), rows);
  full_batch_ = Tensor::empty(shape);
  labels_.resize(static_cast<size_t>(rows));
  start_epoch(0);
}

DataLoader::DataLoader(Dataset&& dataset, int64_t batch_size, bool shuffle, uint64_t seed,
                       bool drop_last)
    : DataLoader(std::make_shared<const Dataset>(std::move(dataset)), batch_size, shuffle, seed,
                 drop_last) {}

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, int64_t batch_size, bool shuffle,
                       uint64_t seed, bool drop_last)
    : DataLoader(dataset ? *dataset : throw std::invalid_argument("DataLoader: null dataset"),
                 batch_size, shuffle, seed, drop_last) {
  owned_ = std::move(dataset);
}

void DataLoader::set_augmentation(const Augmentation& augmentation) {
  augmentation.check(dataset_->example_shape());
  augmentation_ = augmentation;
  example_shape_ = dataset_->example_shape();  // kept, so that reading a batch allocates nothing
  augment_scratch_.assign(augmentation.enabled() ? size_t(dataset_->example_size()) : 0, 0.0f);
  cutout_centres_.assign(augmentation.enabled() ? size_t(batch_size_) : 0, -1);
}

void DataLoader::start_epoch(int64_t epoch) {
  order_.resize(static_cast<size_t>(dataset_->size()));
  std::iota(order_.begin(), order_.end(), int64_t{0});
  if (shuffle_) {  // Fisher-Yates with our own generator: the same order on every platform
    Generator generator(seed_ ^ (0x9E3779B97F4A7C15ull * static_cast<uint64_t>(epoch + 1)));
    for (size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[generator.below(i)]);
  }
  epoch_ = epoch;
  cursor_ = 0;
  ended_ = false;
}

int64_t DataLoader::batches_per_epoch() const {
  const int64_t n = dataset_->size();
  return drop_last_ ? n / batch_size_ : (n + batch_size_ - 1) / batch_size_;
}

void DataLoader::skip(int64_t batches) {
  cursor_ = std::min(dataset_->size(), cursor_ + std::max<int64_t>(0, batches) * batch_size_);
}

bool DataLoader::next(Batch& batch) {
  const int64_t n = dataset_->size();
  if (ended_) start_epoch(epoch_ + 1);  // the caller has seen the end: go on to the next epoch
  const int64_t count = std::min(batch_size_, n - cursor_);
  if (count <= 0 || (drop_last_ && count < batch_size_)) {
    ended_ = true;
    return false;
  }

  Tensor& target = count == full_batch_.size(0) ? full_batch_ : partial_batch_;
  if (!target.defined() || target.size(0) != count) {  // the last batch's size never changes
    Shape shape = full_batch_.shape();
    shape[0] = count;
    target = Tensor::empty(shape);
  }
  const std::span<const int64_t> rows(order_.data() + cursor_, static_cast<size_t>(count));
  if (augmentation_.enabled()) {  // between decoding and preprocessing, as torchvision's order
    dataset_->decode_rows(rows, target.data());
    const int64_t example = dataset_->example_size();
    for (int64_t i = 0; i < count; ++i) {
      // splitmix-style mixing of (seed, epoch, position): independent streams per example.
      Generator generator(seed_ ^ (0xD1B54A32D192ED03ull * uint64_t(epoch_ + 1)) ^
                          (0x9E3779B97F4A7C15ull * uint64_t(cursor_ + i + 1)));
      cutout_centres_[size_t(i)] = augmentation_.apply(target.data() + i * example, example_shape_,
                                                       generator, augment_scratch_.data());
    }
    if (dataset_->preprocess) dataset_->preprocess(target.data(), count);
    if (augmentation_.cutout > 0)  // after preprocessing: erased to the mean when standardised
      for (int64_t i = 0; i < count; ++i)
        augmentation_.erase(target.data() + i * example, example_shape_,
                            cutout_centres_[size_t(i)]);
  } else {
    dataset_->read_rows(rows, target.data());
  }
  for (int64_t i = 0; i < count; ++i)
    labels_[static_cast<size_t>(i)] = dataset_->labels[static_cast<size_t>(rows[size_t(i)])];
  cursor_ += count;

  batch.inputs = target;
  batch.labels = std::span<const int32_t>(labels_.data(), static_cast<size_t>(count));
  return true;
}

}  // namespace adamite::data
