#!/usr/bin/env bash
# Fuzzes the readers of untrusted files with libFuzzer + AddressSanitizer (Swift's -sanitize=fuzzer,address).
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   (default 60 s; targets npy image model-json onnx summary)
# Seeds come from the test fixtures and from files the release build writes (model JSON, summary.json, results.json).
# A crashing input is saved as .build-fuzz/findings/<target>/crash-*; once fixed, copy it into
# Tests/DecoderSpectraTests/Fixtures/fuzz-regressions/<target>/ so that `make test` replays it for ever.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(npy image model-json onnx summary)

# SwiftPM emits its two -sanitize flags in varying order and swiftc keeps only the last one: give both in one flag.
swift build -c release --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address --scratch-path .build-fuzz \
  --product DecoderSpectraFuzz 2>&1 \
  | grep -v "Cannot export local symbol" | tail -3
binary=.build-fuzz/release/DecoderSpectraFuzz
fixtures=Tests/DecoderSpectraTests/Fixtures
work=.build-fuzz/work
mkdir -p "$work"

# Seeds written by the tool itself (needs the ordinary release build: make build).
if [ -x .build/release/decoder-spectra ] && [ ! -d "$work/generated" ]; then
  .build/release/decoder-spectra models --export e10-upconv-decoder --out "$work/generated/models" -q
  .build/release/decoder-spectra demo --images 1 --out "$work/generated/demo" -q >/dev/null
  .build/release/decoder-spectra experiment theory --quick --out "$work/generated/experiment" -q >/dev/null || true
fi

seed() {  # seed TARGET FILES...
  local target=$1; shift
  mkdir -p "$work/corpus/$target"
  for f in "$@"; do [ -f "$f" ] && cp "$f" "$work/corpus/$target/seed-$(basename "$(dirname "$f")")-$(basename "$f")"; done
  return 0
}
seed npy $(find "$fixtures" "$work/generated" -name '*.npy' -size -64k 2>/dev/null | head -40)
seed image $(find "$fixtures/images" -name '*.png' -o -name '*.jpg' | head -40)
seed model-json $(find "$fixtures" "$work/generated/models" -name '*.json' -size -64k 2>/dev/null | grep -v manifest | head -20)
seed onnx $(find "$fixtures" -name '*.onnx' -size -256k | head -20)
seed summary "$work/generated/demo/summary.json" "$work/generated/experiment/results.json"

for target in "${targets[@]}"; do
  mkdir -p "$work/corpus/$target" ".build-fuzz/findings/$target"
  regressions="$fixtures/fuzz-regressions/$target"
  mkdir -p "$regressions"
  echo "fuzzing $target for $seconds s"
  SWIFT_BACKTRACE=enable=no DS_FUZZ_TARGET="$target" "$binary" "$work/corpus/$target" "$regressions" \
    -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=20 -max_len=262144 -print_final_stats=1 \
    -artifact_prefix=".build-fuzz/findings/$target/" 2>&1 | grep -E "^(stat::|Done|==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)" || true
done
echo "findings (if any): $(find .build-fuzz/findings -type f | wc -l) files under .build-fuzz/findings"
