import SpectraCore
import SpectraNetwork

/// The layout of `summary.json` (schema "decoder-spectra-summary/1"), documented in the README.
public struct AnalysisSummary: Codable, Sendable {
    /// The program and version that wrote the summary.
    public struct Tool: Codable, Sendable {
        public var name = "decoder-spectra"
        public var version = DecoderSpectraVersion.current
    }

    /// The analysed model: its name, description, input channels and number of stages.
    public struct ModelInfo: Codable, Sendable {
        public var name: String
        /// One line on what the model is.
        public var description: String
        /// C of the inputs the model takes.
        public var inputChannels: Int
        /// The number of analysed stages.
        public var layerCount: Int
        enum CodingKeys: String, CodingKey {
            case name, description
            case inputChannels = "input_channels"
            case layerCount = "layer_count"
        }

        package init(name: String, description: String, inputChannels: Int, layerCount: Int) {
            self.name = name
            self.description = description
            self.inputChannels = inputChannels
            self.layerCount = layerCount
        }
    }

    /// A radial power profile: mean power per radial frequency bin (cycles per pixel, DC alone in bin 0).
    public struct RadialSpectrum: Codable, Sendable {
        /// Bin centres of the normalised radius √((u'/M)² + (v'/N)²), in cycles per pixel.
        public var frequency: [Double]
        /// Mean of E_c|H|² over the frequencies of each bin (averaged over images too).
        public var power: [Double]
        /// The spread across images: quantiles of each image's own profile (from `RadialSpread`, within 0.5 dB).
        public var spread: Spread?

        /// Per-bin quantiles of the images' profiles in dB (`power[q][bin]` for `quantiles[q]`), from `RadialSpread`.
        public struct Spread: Codable, Sendable {
            /// The quantiles (e.g. 0.1, 0.5, 0.9).
            public var quantiles: [Double]
            /// power[k][bin]: quantile k of the per-image power per pixel.
            public var power: [[Double]]

            package init(quantiles: [Double], power: [[Double]]) {
                self.quantiles = quantiles
                self.power = power
            }
        }

        /// A profile from its bin frequencies and mean powers (equal counts), with an optional spread.
        public init(frequency: [Double], power: [Double], spread: Spread? = nil) {
            (self.frequency, self.power, self.spread) = (frequency, power, spread)
        }
    }

    /// The analysed inputs: where they came from, their shape, p_low and radial profile, and the files written for them.
    public struct InputInfo: Codable, Sendable {
        /// Where the inputs came from (a path or a built-in generator).
        public var source: String
        /// The files read, in order (nil for generated inputs).
        public var files: [String]?
        /// [images, C, H, W] of the analysed inputs.
        public var shape: [Int]
        public var pLow: Double
        public var radialSpectrum: RadialSpectrum
        public var figure: String?
        /// The dataset-averaged power map of the inputs (float64 [M, N], un-shifted), as for layers.
        public var powerFile: String?
        enum CodingKeys: String, CodingKey {
            case source, files, shape, figure
            case pLow = "p_low"
            case radialSpectrum = "radial_spectrum"
            case powerFile = "power_file"
        }

        package init(
            source: String, files: [String]? = nil, shape: [Int], pLow: Double, radialSpectrum: RadialSpectrum,
            figure: String? = nil, powerFile: String? = nil
        ) {
            self.source = source
            self.files = files
            self.shape = shape
            self.pLow = pLow
            self.radialSpectrum = radialSpectrum
            self.figure = figure
            self.powerFile = powerFile
        }
    }

    /// One analysed stage (a layer or an ONNX node): its output shape, p_low, radial profile, the verification of its
    /// frequency rule over the dataset, and the files written for it (paths relative to the output folder).
    public struct LayerInfo: Codable, Sendable {
        public var index: Int
        public var name: String
        public var type: String
        public var outputShape: [Int]
        public var pLow: Double
        public var radialSpectrum: RadialSpectrum
        /// Power per pixel along the 0°, 45° and 90° rays ("0", "45", "90"), from the dataset-averaged power map.
        public var angularSlices: [String: RadialSpectrum]?
        /// The radial profile of the windowed, zero-padded maps the figures show (`--window`, `--zero-pad`); nil without.
        public var displayRadialSpectrum: RadialSpectrum?
        public var verification: LayerVerification
        /// The dataset-averaged power map E|H|² (float64 [M, N], un-shifted).
        public var powerFile: String?
        /// E|H_c|² over images per channel (float64 [C, M, N], un-shifted), with `--per-channel`.
        public var channelPowerFile: String?
        public var spectrumFile: String?
        public var featureFile: String?
        public var figure: String?
        enum CodingKeys: String, CodingKey {
            case index, name, type, verification, figure
            case outputShape = "output_shape"
            case pLow = "p_low"
            case radialSpectrum = "radial_spectrum"
            case angularSlices = "angular_slices"
            case displayRadialSpectrum = "display_radial_spectrum"
            case powerFile = "power_file"
            case channelPowerFile = "channel_power_file"
            case spectrumFile = "spectrum_file"
            case featureFile = "feature_file"
        }

        package init(
            index: Int, name: String, type: String, outputShape: [Int], pLow: Double, radialSpectrum: RadialSpectrum,
            angularSlices: [String: RadialSpectrum]? = nil, displayRadialSpectrum: RadialSpectrum? = nil,
            verification: LayerVerification, powerFile: String? = nil, channelPowerFile: String? = nil,
            spectrumFile: String? = nil, featureFile: String? = nil, figure: String? = nil
        ) {
            self.index = index
            self.name = name
            self.type = type
            self.outputShape = outputShape
            self.pLow = pLow
            self.radialSpectrum = radialSpectrum
            self.angularSlices = angularSlices
            self.displayRadialSpectrum = displayRadialSpectrum
            self.verification = verification
            self.powerFile = powerFile
            self.channelPowerFile = channelPowerFile
            self.spectrumFile = spectrumFile
            self.featureFile = featureFile
            self.figure = figure
        }
    }

    /// The format of summary.json (changes when a field changes meaning).
    public var schema = "decoder-spectra-summary/1"
    public var tool = Tool()
    /// The command line that wrote the folder.
    public var command: String
    /// "float32" or "float64", the precision of the run.
    public var precision: String
    /// The seed of the weights and generated inputs, when one was used.
    public var seed: UInt64?
    public var model: ModelInfo
    public var input: InputInfo
    /// Every analysed stage, in the model's order.
    public var layers: [LayerInfo]
    /// Images analysed (nil in summaries written before streaming).
    public var images: Int?
    /// p_low of every image: float64 [1 + layers, images], row 0 the input.
    public var pLowFile: String?
    /// The kinds of layers the charts over depth show (`--layers conv,upsample`); nil: every layer.
    public var chartedKinds: [String]?
    /// The window and zero padding of the figures' spectra (`--window`, `--zero-pad`); nil: the exact spectra.
    public var displayWindow: SpectralWindow?

    enum CodingKeys: String, CodingKey {
        case schema, tool, command, precision, seed, model, input, layers, images
        case pLowFile = "p_low_file"
        case chartedKinds = "charted_kinds"
        case displayWindow = "display_window"
    }

    /// The layers the charts over depth show: those whose type starts with one of `chartedKinds` (case-insensitive:
    /// "conv" keeps Conv2d, ConvTranspose2d and ONNX Conv), or all.
    public var chartedLayers: [LayerInfo] { layers.filter { Self.isCharted($0.type, kinds: chartedKinds) } }

    /// Whether stages of operator `type` are drawn in the per-layer charts: all when `kinds` is nil, else those named.
    public static func isCharted(_ type: String, kinds: [String]?) -> Bool {
        guard let kinds, !kinds.isEmpty else { return true }
        return kinds.contains { type.lowercased().hasPrefix($0.lowercased()) }
    }

    public init(
        command: String, precision: String, seed: UInt64?, model: ModelInfo, input: InputInfo, layers: [LayerInfo]
    ) {
        (self.command, self.precision, self.seed, self.model, self.input, self.layers) = (
            command, precision, seed, model, input, layers
        )
    }
}

/// The library and tool version, printed by `--version` and written into every summary.
public enum DecoderSpectraVersion {
    public static let current = "0.1.0"
}
