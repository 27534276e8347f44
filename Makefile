# DecoderSpectra: the two commands of the README, plus a few helpers.
SWIFT ?= swift
DEMO_OUT ?= demo-output

.PHONY: demo test build deps bench fixtures fuzz seed-blocks format lint docs clean

## make demo: install missing system packages, build in release, run the main job on the built-in default.
demo: build
	.build/release/decoder-spectra demo --out $(DEMO_OUT) --force

## make test: install missing system packages (and Chromium where apt can), then run the whole test suite; compiler
## warnings are errors (dependencies' warnings are suppressed by SwiftPM).
test: deps
	@scripts/install-deps.sh --browser
	$(SWIFT) test --disable-xctest -Xswiftc -warnings-as-errors

build: deps
	$(SWIFT) build -c release --product decoder-spectra

deps:
	@scripts/install-deps.sh

## make bench: timings of the release build (see scripts/bench.sh).
bench: build
	scripts/bench.sh

## make seed-blocks: `experiment all` on seeds 0-15 and 16-31 must give the same verdict table (release build, ~5 min).
seed-blocks: build
	scripts/compare_seed_blocks.sh

## make fuzz: libFuzzer + AddressSanitizer on the file readers, FUZZ_SECONDS per target (see scripts/fuzz.sh).
FUZZ_SECONDS ?= 60
fuzz: build
	scripts/fuzz.sh $(FUZZ_SECONDS)

# Swift sources under the project's style (.swift-format: 4 spaces, 120 columns); generated protobuf code excluded.
SWIFT_FILES = $(shell find Sources Tests Package.swift -name '*.swift' ! -name '*.pb.swift' | sort)

## make format: rewrite every Swift file in the project's style (swift-format, shipped with the toolchain).
format:
	@$(SWIFT) format --configuration .swift-format -i $(SWIFT_FILES)

## make lint: fail on any deviation from the style (what CI runs before the tests).
lint:
	@$(SWIFT) format lint --strict --configuration .swift-format $(SWIFT_FILES)

## make docs: the DocC documentation of every library module, combined (catalog Sources/DecoderSpectra/DecoderSpectra.docc), as a static
## site in .build/docs (swift-docc-plugin; open .build/docs/documentation/decoderspectra/index.html through a server).
docs:
	$(SWIFT) package --allow-writing-to-directory .build/docs generate-documentation --enable-experimental-combined-documentation \
		$(foreach t,DecoderSpectra SpectraCore SpectraIO SpectraNetwork SpectraONNX SpectraTraining SpectraAnalysis SpectraReport SpectraPaper,--target $(t)) \
		--output-path .build/docs --transform-for-static-hosting --hosting-base-path decoder-spectra

## make fixtures: regenerate the reference fixtures (needs python3 with torch, numpy, pillow, onnx, onnxruntime).
fixtures:
	python3 scripts/make_torch_fixtures.py
	python3 scripts/make_image_fixtures.py
	python3 scripts/make_onnx_fixtures.py
	python3 scripts/make_real_decoders.py

clean:
	rm -rf .build $(DEMO_OUT)
