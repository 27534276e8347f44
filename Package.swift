// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "DecoderSpectra",
    products: [
        .library(name: "DecoderSpectra", targets: ["DecoderSpectra"]),
        .executable(name: "decoder-spectra", targets: ["DecoderSpectraCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        // `make docs` only (a command plugin: nothing of it is built into the library or the tool).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
    ],
    targets: [
        // System libraries, found through pkg-config (Debian: libfftw3-dev, libopenblas-dev, libpng-dev, zlib1g-dev,
        // libturbojpeg0-dev, libcairo2-dev).
        .systemLibrary(name: "CFFTW", pkgConfig: "fftw3", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev", "zlib1g-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        // Figures: vector drawing with anti-aliased text (DejaVu Sans through fontconfig), written as PNG, SVG, PDF.
        .systemLibrary(name: "CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev", "fonts-dejavu-core"])]),
        // What Swift's modules do not expose: renameat2 (atomic folder replacement), OpenBLAS's pool shutdown (weak).
        .target(name: "CSystemShims"),
        // Hot loops Swift does not vectorise (spectrum statistics, the conv rule by rows, FFT pair packing, SiLU,
        // non-finite counts, ReLU backward), one clone per ISA.
        .target(name: "CVectorKernels"),
        // The library, in layers; each target sees only the ones below it (no cycles, checked by the compiler).
        // Tensors, spectra, FFT (FFTW) and BLAS behind one interface, errors, limits, JSON values.
        .target(
            name: "SpectraCore",
            dependencies: [
                "CFFTW", "COpenBLAS", "CVectorKernels", "CSystemShims",
                .product(name: "Numerics", package: "swift-numerics"),
            ]
        ),
        // Files: .npy, PNG, JPEG, atomic writes, safe paths; input data (image folders, generators, batches).
        .target(name: "SpectraIO", dependencies: ["SpectraCore", "CPNG", "CTurboJPEG", "CSystemShims"]),
        // The network: layers, the model graph with each operator's spatial and frequency halves, its executor and
        // spectral tracer, the exact propagation rules, chains and model files.
        .target(name: "SpectraNetwork", dependencies: ["SpectraCore", "SpectraIO"]),
        // ONNX import into the graph (generated protobuf code in Generated/).
        .target(
            name: "SpectraONNX",
            dependencies: ["SpectraNetwork", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        // Backpropagation and optimisers for chains.
        .target(name: "SpectraTraining", dependencies: ["SpectraNetwork"]),
        // The streaming analysis: accumulators, summaries, shards.
        .target(name: "SpectraAnalysis", dependencies: ["SpectraNetwork", "CVectorKernels"]),
        // Figures (Cairo), HTML reports and the analysis output folder.
        .target(name: "SpectraReport", dependencies: ["SpectraAnalysis", "SpectraTraining", "CCairo"]),
        // The paper: theory, experiments with verdicts, built-in models, model loading by name.
        .target(name: "SpectraPaper", dependencies: ["SpectraReport", "SpectraONNX"]),
        // The umbrella: `import DecoderSpectra` brings every layer above; plus the benchmark.
        .target(name: "DecoderSpectra", dependencies: ["SpectraPaper"]),
        .executableTarget(
            name: "DecoderSpectraCLI",
            dependencies: [
                "DecoderSpectra",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The file readers as fuzzing entry points (libFuzzer, `make fuzz`) and their regression replay in the tests.
        .target(name: "FuzzTargets", dependencies: ["DecoderSpectra"]),
        .executableTarget(name: "DecoderSpectraFuzz", dependencies: ["FuzzTargets"]),
        .testTarget(
            name: "DecoderSpectraTests",
            dependencies: ["DecoderSpectra", "FuzzTargets"],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
