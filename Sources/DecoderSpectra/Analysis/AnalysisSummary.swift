/// The layout of `summary.json` (schema "decoder-spectra-summary/1"), documented in the README.
public struct AnalysisSummary: Codable, Sendable {
    public struct Tool: Codable, Sendable {
        public var name = "decoder-spectra"
        public var version = DecoderSpectraVersion.current
    }

    public struct ModelInfo: Codable, Sendable {
        public var name: String
        public var description: String
        public var inputChannels: Int
        public var layerCount: Int
        enum CodingKeys: String, CodingKey {
            case name, description
            case inputChannels = "input_channels"
            case layerCount = "layer_count"
        }
    }

    public struct RadialSpectrum: Codable, Sendable {
        /// Bin centres of the normalised radius √((u'/M)² + (v'/N)²), in cycles per pixel.
        public var frequency: [Double]
        /// Mean of E_c|H|² over the frequencies of each bin (averaged over images too).
        public var power: [Double]
    }

    public struct InputInfo: Codable, Sendable {
        public var source: String
        public var files: [String]?
        public var shape: [Int]
        public var pLow: Double
        public var radialSpectrum: RadialSpectrum
        public var figure: String?
        enum CodingKeys: String, CodingKey {
            case source, files, shape, figure
            case pLow = "p_low"
            case radialSpectrum = "radial_spectrum"
        }
    }

    public struct LayerInfo: Codable, Sendable {
        public var index: Int
        public var name: String
        public var type: String
        public var outputShape: [Int]
        public var pLow: Double
        public var radialSpectrum: RadialSpectrum
        public var verification: LayerVerification
        public var spectrumFile: String?
        public var featureFile: String?
        public var figure: String?
        enum CodingKeys: String, CodingKey {
            case index, name, type, verification, figure
            case outputShape = "output_shape"
            case pLow = "p_low"
            case radialSpectrum = "radial_spectrum"
            case spectrumFile = "spectrum_file"
            case featureFile = "feature_file"
        }
    }

    public var schema = "decoder-spectra-summary/1"
    public var tool = Tool()
    public var command: String
    public var precision: String
    public var seed: UInt64?
    public var model: ModelInfo
    public var input: InputInfo
    public var layers: [LayerInfo]
}

/// The library and tool version, printed by `--version` and written into every summary.
public enum DecoderSpectraVersion {
    public static let current = "0.1.0"
}
