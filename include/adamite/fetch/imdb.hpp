// Getting the Large Movie Review Dataset (IMDB, Maas et al. 2011), labeled part, unpacked as the
// aclImdb/ folder that data::load_imdb reads.
#pragma once

#include <filesystem>
#include <vector>

#include "adamite/fetch/fetch.hpp"

namespace adamite::data {

// Makes options.root/imdb/aclImdb available and returns it. Complete means imdb.vocab, the four
// folders {train,test}/{pos,neg} and a ".complete" marker written after a successful unpack.
// Sources, in order: already complete; the mirror's aclImdb-labeled.tar.gz (MD5-checked); the
// official aclImdb_v1.tar.gz through the manifest (mirror, system copies, download; verified and
// kept in root/imdb). Archives are unpacked without train/unsup and the *.feat files, into a
// staging folder renamed into place at the end. Throws FetchError listing what was tried.
std::filesystem::path fetch_imdb(const FetchOptions& options = {});
// The same with explicit sources (tests use small archives): `mirror_archive` names a file looked
// for in options.mirror/imdb/ and its accepted MD5s (the default is aclImdb-labeled.tar.gz, md5
// 7e2101ea868756979d11d11f6c5609c1); `official` holds the entry of dataset "imdb" that fetch_files
// gets (the default is the manifest's aclImdb_v1.tar.gz).
std::filesystem::path fetch_imdb(const FetchOptions& options, const ManifestEntry& mirror_archive,
                                 const std::vector<ManifestEntry>& official);

}  // namespace adamite::data
