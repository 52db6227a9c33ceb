// Getting CIFAR-10, in whichever of its two forms can be had:
//  - the official binary batches (lossless): a real user downloads cifar-10-binary.tar.gz, which
//    is MD5-checked and unpacked to root/cifar10/cifar-10-batches-bin/;
//  - a JPEG class-folder tree (train/<class>/*.jpg, test/<class>/*.jpg), the form the local
//    mirror holds as cifar-10-images/ with a cifar-10-images.MD5SUMS beside it; it is copied to
//    root/cifar10/images/ with every file checked. The JPEGs are lossy copies (about 5.8/255 mean
//    absolute error against the originals), so accuracies can differ slightly.
#pragma once

#include <filesystem>
#include <string>

#include "adamite/data/dataset.hpp"
#include "adamite/fetch/fetch.hpp"

namespace adamite::data {

// Makes CIFAR-10 available under options.root/cifar10 and returns that folder. Already present
// (either form) → nothing is done. Otherwise the mirror's JPEG tree, else the official archive
// (mirror or download, through the manifest).
// The mirror's tree is copied only if its checksum list matches the digest shipped in
// datasets/cifar-10-images.md5 (compiled in), so a changed file cannot come with a changed list.
std::filesystem::path fetch_cifar10(const FetchOptions& options = {});
// The same with another digest of the checksum list (canonical form: datasets/cifar-10-images.md5).
std::filesystem::path fetch_cifar10(const FetchOptions& options, const std::string& image_list_md5);

// Reads the train and test splits from a folder fetch_cifar10 filled, preferring the binary form.
Splits load_cifar10(const std::filesystem::path& dir);

}  // namespace adamite::data
