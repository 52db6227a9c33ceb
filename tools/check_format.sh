#!/usr/bin/env bash
# Fails when a tracked C++ file differs from what clang-format (Debian 12's, version 14) makes of
# it with the repository's .clang-format, naming each file. Installs clang-format if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    clang-format >/dev/null
fi
git ls-files -z '*.cpp' '*.hpp' | xargs -0 clang-format --dry-run --Werror
echo "clang-format: $(git ls-files '*.cpp' '*.hpp' | wc -l) files as .clang-format says"
