#!/usr/bin/env bash
# Regenerates Sources/SpectraONNX/Generated/onnx_subset.pb.swift from proto/onnx_subset.proto.
# Needs protoc (apt: protobuf-compiler) and protoc-gen-swift built from swift-protobuf at the version Package.swift uses:
#   git clone https://github.com/apple/swift-protobuf && cd swift-protobuf && git checkout 1.39.0 \
#     && swift build -c release --product protoc-gen-swift
# then run:  PROTOC_GEN_SWIFT=/path/to/swift-protobuf/.build/release/protoc-gen-swift scripts/generate-onnx-proto.sh
# The generated file is committed, so building DecoderSpectra never needs protoc or the SwiftPM build plugin.
# Visibility=Package: the ONNX target and the tests (which build ONNX models) see the message types; users do not.
set -euo pipefail
cd "$(dirname "$0")/.."
plugin="${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift || true)}"
[ -x "$plugin" ] || { echo "error: set PROTOC_GEN_SWIFT to a protoc-gen-swift executable" >&2; exit 1; }
protoc --plugin=protoc-gen-swift="$plugin" --swift_out=Sources/SpectraONNX/Generated --swift_opt=Visibility=Package \
  --proto_path=proto proto/onnx_subset.proto
# Record what the code was generated from, so that a test can tell when the .proto or the pinned runtime version
# (Package.swift) moved on without regenerating.
out=Sources/SpectraONNX/Generated/onnx_subset.pb.swift
hash=$(sha256sum proto/onnx_subset.proto | cut -d' ' -f1)
version=$("$plugin" --version | awk '{print $NF}')
sed -i "2i // Generated from proto/onnx_subset.proto (sha256 $hash) by protoc-gen-swift $version." "$out"
echo "wrote $out"

