#!/usr/bin/env bash
# Regenerates the figures shown in README.md (docs/figures/) from the release build: one figure of each kind.
# Usage: make build && scripts/make_readme_figures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tool=${TOOL:-.build/release/decoder-spectra}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p docs/figures
"$tool" demo --out "$work/a" -q > /dev/null
"$tool" demo --model e10-upconv-decoder-zeros --out "$work/b" -q > /dev/null
"$tool" compare "$work/a" "$work/b" --out "$work/compare" -q > /dev/null
"$tool" experiment upsampling --out "$work/e10" -q > /dev/null
"$tool" experiment kernel-size --out "$work/e8" -q > /dev/null
"$tool" experiment shift --quick --out "$work/e9" -q > /dev/null
cp "$work/e10/figures/upsampling-zeros-2.png" docs/figures/spectrum-map-repeat-grid.png
cp "$work/a/figures/radial-spectra.png" docs/figures/radial-spectra.png
cp "$work/a/figures/angular-slices.png" docs/figures/angular-slices.png
cp "$work/a/figures/radial-spread.png" docs/figures/radial-spread.png
cp "$work/compare/figures/13-up4.difference.png" docs/figures/compare-difference.png
cp "$work/e8/figures/kernel-size-p-low-per-layer.png" docs/figures/curves.png
cp "$work/e9/figures/shift-error-1.png" docs/figures/spatial-map.png
ls -l docs/figures
