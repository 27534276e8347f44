#!/usr/bin/env bash
# Installs the system libraries DecoderSpectra links against (Debian 12 package names), when they are missing.
# Without root or sudo it prints the exact apt command and exits non-zero.
set -euo pipefail

# --browser: also try to install Chromium (used by the report's browser test); failure only skips that test.
if [ "${1:-}" = "--browser" ]; then
  command -v chromium >/dev/null 2>&1 && exit 0
  if [ "$(id -u)" -eq 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "note: chromium could not be installed; the browser test of report.html will be skipped"
  else
    echo "note: not root, chromium not installed; the browser test of report.html will be skipped"
  fi
  exit 0
fi

packages=(libfftw3-dev libopenblas-dev libpng-dev zlib1g-dev libturbojpeg0-dev libcairo2-dev fonts-dejavu-core pkg-config)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

command="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive $command
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  echo "installing with sudo: ${missing[*]}"
  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive $command
else
  echo "error: missing system packages: ${missing[*]}" >&2
  echo "run as root:  apt-get update && $command" >&2
  exit 1
fi
