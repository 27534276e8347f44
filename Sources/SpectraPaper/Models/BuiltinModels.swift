import Foundation
import RealModule
import SpectraCore
import SpectraNetwork

/// The networks of the paper's experiments (docs/theory.md §8), by name. Where the paper leaves a choice open it is made
/// here and stated in the description (widths, kernel sizes, initialisation, input size, ReLU placement).
public enum BuiltinModels {
    /// A built-in model: its name and its model-file description (built with a seed on demand).
    public struct Entry: Sendable {
        public let name: String
        public let experiment: String
        public let spec: ModelSpec
    }

    /// All built-in models, in the order `decoder-spectra models` lists them.
    public static let all: [Entry] = makeAll()

    /// The built-in model called `name`, or nil.
    public static func entry(named name: String) -> Entry? { all.first { $0.name == name } }

    /// The built-in name closest to a mistyped one (at most 2 edits, or a prefix of the name), for error messages.
    public static func closestName(to name: String) -> String? {
        NameSuggestion.closest(to: name, among: names)
    }

    /// The built-in names, in listing order.
    public static var names: [String] { all.map(\.name) }

    /// A built-in model by name; `seed` overrides the default seed (0) of the initialisation.
    public static func model(named name: String, seed: UInt64? = nil) throws -> Sequential {
        guard let entry = entry(named: name) else { throw SpectraError.unknownModel(name: name, known: names) }
        return try ModelFile.build(entry.spec, file: "built-in:\(name)", seed: seed)
    }

    /// The same architecture and weights as a built-in model, with every activation removed, every Conv2d given
    /// circular padding and (optionally) its bias zeroed: the setting of Corollary 3.3 and Theorem 4.2 (a control).
    /// Zeroing the bias leaves T unchanged and removes the accumulated DC term β, whose rounding would otherwise set
    /// a noise floor for frequencies that decay with depth.
    public static func linearCircularVariant(
        of name: String, seed: UInt64? = nil, removeBias: Bool = false
    ) throws -> Sequential {
        guard let entry = entry(named: name) else { throw SpectraError.unknownModel(name: name, known: names) }
        var spec = entry.spec
        spec.name = name + "-linear-circular"
        spec.layers = spec.layers.compactMap { layer in
            guard let type = layer["type"]?.stringValue, !["ReLU", "LeakyReLU", "Tanh", "Sigmoid"].contains(type) else {
                return nil
            }
            var copy = layer
            if type == "Conv2d" { copy["padding_mode"] = .string("circular") }
            return copy
        }
        var model = try ModelFile.build(spec, file: "built-in:\(spec.name)", seed: seed)
        if removeBias {
            for i in model.layers.indices {
                if let conv = model.layers[i].layer as? Conv2d, let bias = conv.bias {
                    try model.layers[i].layer.setParameter("bias", Tensor(zeros: bias.shape))
                }
            }
        }
        return model
    }

    // MARK: Definitions

    private static func makeAll() -> [Entry] {
        var entries: [Entry] = []
        func add(
            _ name: String, _ experiment: String, _ description: String, input: (Int, Int, Int),
            _ layers: [[String: JSONValue]]
        ) {
            let spec = ModelSpec(
                name: name, description: description,
                input: .init(channels: input.0, height: input.1, width: input.2), layers: layers)
            entries.append(Entry(name: name, experiment: experiment, spec: spec))
        }

        // E1 (Fig. 3a): three 10-layer baselines, 16 kernels of 3×3, stride 1, bias; PyTorch default init.
        for (suffix, mode, relu, text) in [
            ("relu-zeros", "zeros", true, "zero padding + ReLU after every layer"),
            ("linear-zeros", "zeros", false, "zero padding, no activation"),
            ("linear-circular", "circular", false, "circular padding, no activation (exactly Assumption 3.1)"),
        ] {
            add(
                "e1-\(suffix)", "E1", "10 conv layers, 16 kernels 3x3, \(text)", input: (3, 32, 32),
                convStack(
                    channels: [3] + Array(repeating: 16, count: 10), kernel: 3, mode: mode, relu: relu,
                    reluAfterLast: relu))
        }
        // E4 (Fig. 4c): 5 layers of 7×7, 16 kernels (3 in the last), ReLU between layers.
        for mode in ["zeros", "circular", "reflect"] {
            add(
                "e4-\(mode)", "E4", "5 conv layers 7x7, 16 kernels (3 last), \(mode) padding, ReLU between layers",
                input: (3, 64, 64), convStack(channels: [3, 16, 16, 16, 16, 3], kernel: 7, mode: mode, relu: true))
        }
        // E5 (Fig. 5): 50 size-preserving layers with zero padding and ReLU; width 16, 3×3 and He-normal weights
        // N(0, 2/fan_in) with zero bias chosen here: PyTorch's default init (gain 1/3 per layer plus biases) forgets
        // the input within ~10 layers and leaves a bias-driven plateau, so nothing would be left to measure.
        let depthChannels = [3] + Array(repeating: 16, count: 50)
        add(
            "e5-depth50", "E5",
            "50 conv layers 3x3, 16 kernels, zero padding, ReLU after each, weights N(0, 2/fan_in), zero bias",
            input: (3, 32, 32),
            convStack(
                channels: depthChannels, kernel: 3, mode: "zeros", relu: true, reluAfterLast: true,
                initFor: { normal(0, (2 / Double(depthChannels[$0 - 1] * 9)).squareRoot()) }))
        // E6 (Fig. 4b): the E4 architecture with 9×9 kernels and N(μ, 0.01²) weights.
        for (label, mean) in [("0", 0.0), ("0.001", 0.001), ("0.01", 0.01)] {
            add(
                "e6-mean\(label)", "E6",
                "E4 architecture with 9x9 kernels, zero padding, weights N(\(label), 0.01^2), zero bias",
                input: (3, 64, 64),
                convStack(
                    channels: [3, 16, 16, 16, 16, 3], kernel: 9, mode: "zeros", relu: true,
                    initFor: { _ in normal(mean, 0.01) }))
        }
        // E7 (App. C.8): five nets with one layer N(0.1, 0.1²), the rest N(0, 0.1²); and an all-unbiased sixth.
        for biased in 0...5 {
            let name = biased == 0 ? "e7-unbiased" : "e7-layer\(biased)"
            let text = biased == 0 ? "all layers N(0, 0.1^2)" : "layer \(biased) N(0.1, 0.1^2), others N(0, 0.1^2)"
            add(
                name, "E7", "5 conv layers 3x3, 16 kernels (3 last), zero padding, ReLU between; \(text)",
                input: (3, 64, 64),
                convStack(
                    channels: [3, 16, 16, 16, 16, 3], kernel: 3, mode: "zeros", relu: true,
                    initFor: { $0 == biased ? normal(0.1, 0.1) : normal(0, 0.1) }))
        }
        // E8 (Fig. 4d): 5 layers of 16 kernels (3 in the last) with K ∈ {1, 3, 5}.
        for k in [1, 3, 5] {
            add(
                "e8-k\(k)", "E8", "5 conv layers \(k)x\(k), 16 kernels (3 last), zero padding, ReLU between",
                input: (3, 64, 64), convStack(channels: [3, 16, 16, 16, 16, 3], kernel: k, mode: "zeros", relu: true))
        }
        // E10 (Fig. 8): four cascaded zero-insertion upsamplings (Eq. 10), 32 → 512.
        add(
            "e10-zero-insertion", "E10", "4 cascaded zero-insertion upsampling layers (Eq. 10), x2 each",
            input: (3, 32, 32),
            (1...4).map {
                [
                    "name": .string("up\($0)"), "type": .string("Upsample"), "scale_factor": .int(2),
                    "mode": .string("zeros"),
                ]
            })
        // E10 (Fig. 1b) / E3 decoder: 4 up-convolution blocks (nearest ×2, conv 3×3 zero padding, BatchNorm, ReLU)
        // and an output conv. It decodes images directly (the paper's VGG-16 encoder is not part of this model).
        add(
            "e10-upconv-decoder", "E10",
            "4 up-conv blocks (nearest x2, conv 3x3 zeros, BatchNorm2d, ReLU) 3-32-16-16-8 + conv to 3, 8x8 -> 128x128",
            input: (3, 8, 8),
            upconvDecoder(channels: [3, 32, 16, 16, 8], upsampling: .nearest, mode: "zeros", norm: true, relu: true))
        add(
            "e10-upconv-decoder-zeros", "E10",
            "the e10-upconv-decoder with zero-insertion upsampling (Eq. 10) instead of nearest",
            input: (3, 8, 8),
            upconvDecoder(
                channels: [3, 32, 16, 16, 8], upsampling: .zeroInsertion, mode: "zeros", norm: true, relu: true))
        // Auto-encoders for training (issue "training"): the paper's E3 shape (VGG-16-style encoder with BatchNorm, 4
        // up-convolution blocks) and a scaled-down variant that trains on 2 CPU cores in minutes.
        add(
            "vgg16-encoder", "E3",
            "VGG-16 conv layers (64-128-256-512-512, BatchNorm, ReLU) with 4 max-pools: 64x64 -> 4x4",
            input: (3, 64, 64),
            vggEncoder(
                blocks: [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]], pools: 4))
        add(
            "ae-vgg16", "E3",
            "auto-encoder: vgg16-encoder + 4 up-conv blocks (nearest x2, conv 3x3 zeros, BatchNorm, ReLU) 512-256-128-64-32 + conv to 3",
            input: (3, 64, 64),
            vggEncoder(
                blocks: [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]], pools: 4)
                + upconvDecoder(
                    channels: [512, 256, 128, 64, 32], upsampling: .nearest, mode: "zeros", norm: true, relu: true,
                    prefix: "dec_"))
        add(
            "ae-small", "E3",
            "scaled-down auto-encoder: encoder 3-16-32-64 (conv, BatchNorm, ReLU, max-pool) 32x32 -> 4x4, decoder 3 up-conv blocks 64-32-16-16 + conv to 3",
            input: (3, 32, 32),
            vggEncoder(blocks: [[16], [32], [64]], pools: 3)
                + upconvDecoder(
                    channels: [64, 32, 16, 16], upsampling: .nearest, mode: "zeros", norm: true, relu: true,
                    prefix: "dec_"))
        // A decoder every layer of which has an exact frequency rule: it propagates entirely in frequency.
        add(
            "circular-upconv-decoder", "§2.4",
            "linear circular decoder: 3 blocks (zero insertion or nearest x2, circular conv 3x3), all layers exact",
            input: (3, 16, 16),
            upconvDecoder(
                channels: [3, 16, 16, 8], upsampling: .zeroInsertionThenNearest, mode: "circular", norm: false,
                relu: false))
        return entries
    }

    private static func normal(_ mean: Double, _ std: Double) -> JSONValue {
        .object(["normal": .object(["mean": .double(mean), "std": .double(std)])])
    }

    private static func conv(
        _ name: String, _ input: Int, _ output: Int, kernel: Int, mode: String, initializer: JSONValue?
    ) -> [String: JSONValue] {
        var entry: [String: JSONValue] = [
            "name": .string(name), "type": .string("Conv2d"), "in_channels": .int(input), "out_channels": .int(output),
            "kernel_size": .int(kernel), "padding": .int((kernel - 1) / 2), "padding_mode": .string(mode),
        ]
        if let initializer { entry["init"] = initializer }
        return entry
    }

    /// Size-preserving convolutions channels[0] → channels[1] → …, ReLU between them (and after the last if asked).
    private static func convStack(
        channels: [Int], kernel: Int, mode: String, relu: Bool, reluAfterLast: Bool = false,
        initFor: (Int) -> JSONValue? = { _ in nil }
    ) -> [[String: JSONValue]] {
        var layers: [[String: JSONValue]] = []
        let count = channels.count - 1
        for l in 1...count {
            layers.append(
                conv("conv\(l)", channels[l - 1], channels[l], kernel: kernel, mode: mode, initializer: initFor(l)))
            if relu && (l < count || reluAfterLast) {
                layers.append(["name": .string("relu\(l)"), "type": .string("ReLU")])
            }
        }
        return layers
    }

    /// VGG-style encoder: blocks of (Conv2d 3×3 zero padding, BatchNorm2d, ReLU), a 2×2 max-pool after the first `pools`.
    private static func vggEncoder(blocks: [[Int]], pools: Int) -> [[String: JSONValue]] {
        var layers: [[String: JSONValue]] = [], channels = 3
        for (b, widths) in blocks.enumerated() {
            for (k, width) in widths.enumerated() {
                let id = "\(b + 1)_\(k + 1)"
                layers.append(conv("enc_conv\(id)", channels, width, kernel: 3, mode: "zeros", initializer: nil))
                layers.append([
                    "name": .string("enc_bn\(id)"), "type": .string("BatchNorm2d"), "num_features": .int(width),
                ])
                layers.append(["name": .string("enc_relu\(id)"), "type": .string("ReLU")])
                channels = width
            }
            if b < pools {
                layers.append([
                    "name": .string("enc_pool\(b + 1)"), "type": .string("MaxPool2d"), "kernel_size": .int(2),
                ])
            }
        }
        return layers
    }

    /// How the blocks of an up-conv decoder upsample (the `mode` of each `Upsample`).
    private enum BlockUpsampling {
        /// Nearest ×2 in every block.
        case nearest
        /// The paper's zero insertion (Eq. 10) in every block.
        case zeroInsertion
        /// Zero insertion in every block but the last, which repeats pixels (nearest): the output keeps no empty
        /// pixels.
        case zeroInsertionThenNearest

        func mode(block: Int, of count: Int) -> Upsample.Mode {
            switch self {
            case .nearest: return .nearest
            case .zeroInsertion: return .zeros
            case .zeroInsertionThenNearest: return block == count ? .nearest : .zeros
            }
        }
    }

    /// Blocks of (Upsample ×2, Conv2d 3×3 [, BatchNorm2d] [, ReLU]) followed by an output Conv2d to 3 channels.
    private static func upconvDecoder(
        channels: [Int], upsampling: BlockUpsampling, mode: String, norm: Bool, relu: Bool, prefix: String = ""
    ) -> [[String: JSONValue]] {
        var layers: [[String: JSONValue]] = []
        for b in 1..<channels.count {
            layers.append([
                "name": .string("\(prefix)up\(b)"), "type": .string("Upsample"), "scale_factor": .int(2),
                "mode": .string(upsampling.mode(block: b, of: channels.count - 1).rawValue),
            ])
            layers.append(
                conv("\(prefix)conv\(b)", channels[b - 1], channels[b], kernel: 3, mode: mode, initializer: nil))
            if norm {
                layers.append([
                    "name": .string("\(prefix)bn\(b)"), "type": .string("BatchNorm2d"),
                    "num_features": .int(channels[b]),
                ])
            }
            if relu { layers.append(["name": .string("\(prefix)relu\(b)"), "type": .string("ReLU")]) }
        }
        layers.append(conv("\(prefix)conv_out", channels.last!, 3, kernel: 3, mode: mode, initializer: nil))
        return layers
    }
}

/// Finds a model by built-in name or file path.
public enum ModelResolver {
    /// A built-in name or a model JSON file as a chain.
    ///
    /// - Throws: `SpectraError.unknownModel` with the built-in names, or the model file's errors.
    public static func resolve(_ nameOrPath: String, seed: UInt64? = nil) throws -> Sequential {
        if BuiltinModels.entry(named: nameOrPath) != nil {
            return try BuiltinModels.model(named: nameOrPath, seed: seed)
        }
        let url = URL(fileURLWithPath: nameOrPath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw SpectraError.unknownModel(name: nameOrPath, known: BuiltinModels.names)
        }
        if url.pathExtension.lowercased() == "onnx" {
            throw SpectraError.invalidModel(
                file: url.path, reason: "an ONNX graph is not a sequential model; load it with ModelGraph.load")
        }
        return try ModelFile.load(url, seed: seed)
    }
}
