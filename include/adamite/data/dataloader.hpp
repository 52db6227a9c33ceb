// DataLoader: minibatches of a Dataset, in file order or a seeded shuffle.
//
// The order of epoch e is a function of (seed, e) alone, so any epoch can be replayed (or a run
// resumed) without replaying the ones before it. Batches are copied into buffers the loader
// reuses, so steady-state iteration allocates nothing.
//
// A PyTorch-style loop works as it reads: `for (epoch...) while (loader.next(batch)) ...` — once
// next() has returned false at the end of an epoch, the following call starts the next epoch.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "adamite/data/augmentation.hpp"
#include "adamite/data/dataset.hpp"

namespace adamite::data {

struct Batch {
  Tensor inputs;                    // [b, ...example shape]
  std::span<const int32_t> labels;  // b labels
  int64_t size() const { return static_cast<int64_t>(labels.size()); }
};

class DataLoader {
 public:
  // Borrows `dataset`, which must outlive the loader (as a span does).
  DataLoader(const Dataset& dataset, int64_t batch_size, bool shuffle = true, uint64_t seed = 0,
             bool drop_last = false);
  // Takes a temporary (e.g. DataLoader(set.select(rows, "part"), 64)) and keeps it: the loader
  // then owns its data and nothing dangles.
  DataLoader(Dataset&& dataset, int64_t batch_size, bool shuffle = true, uint64_t seed = 0,
             bool drop_last = false);
  // Shares a dataset with its other owners.
  DataLoader(std::shared_ptr<const Dataset> dataset, int64_t batch_size, bool shuffle = true,
             uint64_t seed = 0, bool drop_last = false);

  // Augments every example as it is read (data/augmentation.hpp); each example's draw depends on
  // (seed, epoch, position in the epoch) only. Throws std::invalid_argument naming the example
  // shape when the augmentation does not fit it.
  void set_augmentation(const Augmentation& augmentation);
  const Augmentation& augmentation() const { return augmentation_; }

  // Prepares the example order of `epoch` (0-based) and rewinds to its first batch.
  void start_epoch(int64_t epoch);
  // Moves past the next `batches` minibatches without copying them (resuming mid-epoch).
  void skip(int64_t batches);
  // Fills `batch` with the next minibatch of the epoch; false when the epoch is over, and the call
  // after that starts the next epoch. The batch's tensor and labels stay valid until the next call.
  bool next(Batch& batch);
  // The epoch being read (0-based).
  int64_t epoch() const { return epoch_; }

  int64_t batches_per_epoch() const;
  int64_t batch_size() const { return batch_size_; }
  const std::vector<int64_t>& order() const { return order_; }
  const Dataset& dataset() const { return *dataset_; }

 private:
  std::shared_ptr<const Dataset> owned_;  // set when the loader keeps its dataset alive
  const Dataset* dataset_;
  int64_t batch_size_;
  bool shuffle_, drop_last_;
  uint64_t seed_;
  std::vector<int64_t> order_;
  int64_t epoch_ = 0;
  int64_t cursor_ = 0;
  bool ended_ = false;    // next() has said the epoch is over
  Tensor full_batch_;     // [batch_size, ...], reused every step
  Tensor partial_batch_;  // the smaller last batch of an epoch, when there is one
  std::vector<int32_t> labels_;
  Augmentation augmentation_;
  Shape example_shape_;
  std::vector<float> augment_scratch_;   // one example, reused
  std::vector<int64_t> cutout_centres_;  // one per example of a batch, reused
};

}  // namespace adamite::data
