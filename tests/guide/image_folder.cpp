// Your own images: a folder per class (root/<class>/*.png|jpg|bmp), trained on with a small CNN.
#include <adamite/adamite.hpp>
#include <iostream>
using namespace adamite;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: image_folder ROOT   (ROOT/<class>/<image>.png ...)\n";
    return 2;
  }
  // Labels are the class folders sorted by name; every image must have the same size.
  data::ImageFolder folder = data::read_image_folder(argv[1], "my-images");
  const Shape shape = folder.dataset.example_shape();  // [channels, height, width]
  std::cout << folder.dataset.size() << " images of " << folder.classes.size() << " classes, "
            << shape[0] << "x" << shape[1] << "x" << shape[2] << "\n";

  // Centre each channel on the training data (ZCA whitening is data::ZcaWhitening). Images are
  // held as bytes, so this runs on each batch as it is read.
  const auto standardize = data::ChannelStandardizer::fit(folder.dataset);
  standardize.apply(folder.dataset);

  manual_seed(0);
  auto model = std::make_shared<nn::Sequential>();
  model->add<nn::Conv2d>(shape[0], 16, {3, 3}, /*stride=*/{1, 1}, /*padding=*/{1, 1});
  model->add<nn::ReLU>();
  model->add<nn::MaxPool2d>({2, 2});
  model->add<nn::Flatten>();
  model->add<nn::Linear>(16 * (shape[1] / 2) * (shape[2] / 2), int64_t(folder.classes.size()));

  optim::Adam adam(model->parameters(), optim::AdamOptions(1e-3));
  data::DataLoader loader(folder.dataset, /*batch_size=*/64, /*shuffle=*/true, /*seed=*/0);
  train::FitOptions options;
  options.max_steps = 150;
  const auto history = train::fit(*model, adam, loader, nullptr, options);
  const double accuracy = train::evaluate(*model, folder.dataset).accuracy;
  std::cout << "training accuracy " << accuracy << " (chance " << 1.0 / folder.classes.size()
            << ")\n";
  return accuracy > 1.5 / folder.classes.size() ? 0 : 1;
}
