#!/usr/bin/env bash
# Installs the Debian packages adamite needs, only those that are missing. ocl-icd-opencl-dev:
# Debian's oneDNN CMake package requires OpenCL's headers (a recommends, skipped by
# --no-install-recommends).
set -euo pipefail
packages=(cmake make g++ libeigen3-dev doctest-dev libstb-dev zlib1g-dev libcli11-dev
          nlohmann-json3-dev libdnnl-dev ocl-icd-opencl-dev libopenmpi-dev openmpi-bin dataset-fashion-mnist curl
          ca-certificates)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
