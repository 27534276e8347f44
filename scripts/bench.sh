#!/usr/bin/env bash
# Benchmarks on the release build. OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are unset for this command only, so that
# OpenBLAS picks its own kernel; `bench` prints the kernel it used.
set -euo pipefail
cd "$(dirname "$0")/.."
exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .build/release/decoder-spectra bench "$@"
