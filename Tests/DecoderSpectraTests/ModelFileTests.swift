import DecoderSpectra
import Foundation
import Testing

/// The model JSON format: round trips, and every kind of bad file named in the error.
@Suite(.tags(.unit)) struct ModelFileTests {
    @Test func saveAndLoadGiveTheSameNetwork() throws {
        let folder = temporaryFolder()
        let model = try BuiltinModels.model(named: "e10-upconv-decoder", seed: 5)
        let url = try ModelFile.save(model, to: folder)
        let loaded = try ModelFile.load(url)
        let x = SyntheticImages.generate(.deadLeaves, count: 2, channels: 3, height: 8, width: 8, seed: 1)
        #expect(try loaded.forward(x) == model.forward(x))
        #expect(loaded.layers.map(\.name) == model.layers.map(\.name))
    }

    /// Every built-in model builds, its layers fit its input, and it survives an export/import.
    @Test func everyBuiltinModelBuildsAndExports() throws {
        let folder = temporaryFolder()
        for entry in BuiltinModels.all {
            let model = try BuiltinModels.model(named: entry.name)
            _ = try model.shapes(for: [1, model.inputChannels, model.inputSize.height, model.inputSize.width])
            let loaded = try ModelFile.load(try ModelFile.save(model, to: folder))
            #expect(loaded.layers.count == model.layers.count)
        }
    }

    /// E6's weights are drawn from N(μ, 0.01²) as the paper states.
    @Test func paperInitialisationIsUsed() throws {
        let model = try BuiltinModels.model(named: "e6-mean0.01")
        let w = model.layers[0].layer.parameters[0].tensor.scalars.map(Double.init)
        let mean = w.reduce(0, +) / Double(w.count)
        #expect(abs(mean - 0.01) < 5 * 0.01 / Double(w.count).squareRoot())
    }

    /// Every activation is a model-file layer type under its PyTorch name.
    @Test func activationsLoadByTheirPyTorchNames() throws {
        for name in ["ReLU", "Tanh", "Sigmoid", "SiLU", "LeakyReLU"] {
            let model = try ModelFile.load(write("{\(header), \"layers\": [{\"name\": \"a\", \"type\": \"\(name)\"}]}"))
            #expect(model.layers[0].layer.typeName == name)
        }
    }

    private func write(_ text: String, _ name: String = "model.json") -> URL {
        let url = temporaryFolder().appendingPathComponent(name)
        try! Data(text.utf8).write(to: url)
        return url
    }

    private let header =
        #""format": "decoder-spectra-model", "version": 1, "name": "m", "input": {"channels": 1, "height": 8, "width": 8}"#

    @Test(arguments: [
        ("{ not json", "malformed JSON"),
        (#"{"format": "decoder-spectra-model", "version": 1}"#, "missing key"),
        (
            #"{"format": "other", "version": 1, "name": "m", "input": {"channels": 1, "height": 8, "width": 8}, "layers": [{"type": "ReLU"}]}"#,
            "'format'"
        ),
        (#"{HEADER, "layers": []}"#, "'layers' is empty"),
        (#"{HEADER, "layers": [{"name": "a", "type": "Conv3d"}]}"#, "unknown layer type 'Conv3d'"),
        (
            #"{HEADER, "layers": [{"name": "a", "type": "Conv2d", "in_channels": 1, "out_channels": 2, "kernel_size": 3, "paddding": 1}]}"#,
            "unknown key 'paddding'"
        ),
        (
            #"{HEADER, "layers": [{"name": "a", "type": "Conv2d", "in_channels": 1, "out_channels": 2}]}"#,
            "missing 'kernel_size'"
        ),
        (
            #"{HEADER, "layers": [{"name": "a", "type": "Conv2d", "in_channels": 1, "out_channels": 2, "kernel_size": "big"}]}"#,
            "'kernel_size' must be"
        ),
        (
            #"{HEADER, "layers": [{"name": "a", "type": "Conv2d", "in_channels": 1, "out_channels": 2, "kernel_size": 3, "padding_mode": "mirror"}]}"#,
            "padding_mode 'mirror'"
        ),
        (
            #"{HEADER, "layers": [{"name": "a", "type": "Conv2d", "in_channels": 1, "out_channels": 2, "kernel_size": -3}]}"#,
            "layer 'a'"
        ),
        (#"{HEADER, "layers": [{"name": "a", "type": "ReLU"}, {"name": "a", "type": "ReLU"}]}"#, "used twice"),
        (
            #"{HEADER, "layers": [{"name": "a", "type": "Conv2d", "in_channels": 3, "out_channels": 2, "kernel_size": 3}]}"#,
            "do not fit"
        ),
        (#"{HEADER, "layers": [{"name": "a", "type": "ReLU"}], "weights": "nowhere"}"#, "does not exist"),
    ])
    func badModelFilesAreRejectedWithTheirReason(text: String, fragment: String) {
        let url = write(text.replacingOccurrences(of: "HEADER", with: header))
        #expect {
            _ = try ModelFile.load(url)
        } throws: { error in
            "\(error)".contains(url.path) && "\(error)".contains(fragment)
        }
    }

    @Test func badWeightFilesAreRejected() throws {
        let folder = temporaryFolder()
        let model = try BuiltinModels.model(named: "e8-k1")
        let url = try ModelFile.save(model, to: folder)
        let weights = folder.appendingPathComponent("e8-k1.weights")
        // Wrong shape.
        try Tensor<Float>(zeros: [2, 2]).writeNpy(weights.appendingPathComponent("conv1.weight.npy"))
        #expect { _ = try ModelFile.load(url) } throws: { "\($0)".contains("conv1") && "\($0)".contains("shape") }
        // Non-finite values.
        try Tensor<Float>(shape: [16, 3, 1, 1]) { $0 == 5 ? .nan : 0 }.writeNpy(
            weights.appendingPathComponent("conv1.weight.npy"))
        #expect { _ = try ModelFile.load(url) } throws: { "\($0)".contains("non-finite") }
        // Missing file.
        try FileManager.default.removeItem(at: weights.appendingPathComponent("conv1.weight.npy"))
        #expect { _ = try ModelFile.load(url) } throws: { "\($0)".contains("missing weight file") }
    }

    @Test func unknownModelNamesAreReported() {
        #expect(throws: SpectraError.unknownModel(name: "no-such-model", known: BuiltinModels.names)) {
            _ = try ModelResolver.resolve("no-such-model")
        }
        #expect(
            "\(SpectraError.unknownModel(name: "e4-zero", known: BuiltinModels.names))".contains(
                "did you mean 'e4-zeros'?"))
        #expect(
            !"\(SpectraError.unknownModel(name: "no-such-model", known: BuiltinModels.names))".contains("did you mean"))
    }
}

/// Requests that would exhaust memory are refused with an error, never attempted.
@Suite(.tags(.unit)) struct ResourceLimitTests {
    @Test func hugeLayersAndOutputsAreRefused() throws {
        var generator = SeededGenerator(seed: 1)
        #expect {
            _ = try Conv2d(inChannels: 3, outChannels: 100_000_000, kernelSize: (3, 3), generator: &generator)
        } throws: { "\($0)".contains("must be between 1 and 65536") }
        #expect {
            _ = try Conv2d(inChannels: 4096, outChannels: 4096, kernelSize: (64, 64), generator: &generator)
        } throws: { "\($0)".contains("too large") }
        let model = try BuiltinModels.model(named: "e10-zero-insertion")
        #expect { _ = try model.shapes(for: [1, 3, 4000, 4000]) } throws: { error in
            guard case let .tooLarge(_, _, shape, limit)? = error as? SpectraError else { return false }
            return shape.reduce(1, *) > limit && "\(error)".contains("would hold more than")
        }
        // A valid .npy header announcing 2^40 values, followed by a few bytes.
        var dictionary = "{'descr': '<f4', 'fortran_order': False, 'shape': (1048576, 1048576), }"
        dictionary += String(repeating: " ", count: 117 - dictionary.count) + "\n"
        var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(dictionary.utf8.count), 0]
        bytes += Array(dictionary.utf8) + [0, 0, 0, 0]
        #expect { _ = try NpyFile.parse(Data(bytes), file: "huge.npy") } throws: { "\($0)".contains("too large") }
    }
}
