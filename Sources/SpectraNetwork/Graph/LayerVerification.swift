import Foundation
import RealModule
import SpectraCore

/// The result of checking one layer's frequency rule against the DFT of its spatial output.
public struct LayerVerification: Codable, Sendable {
    /// Exact, surrogate or unavailable (written as those words in JSON).
    public var rule: SpectralRule.Kind
    /// Which theorem the rule is, or why it is only a surrogate.
    public var detail: String
    /// ‖H_freq − FFT(F_spatial)‖ / ‖FFT(F_spatial)‖ (reported for every layer with a rule).
    public var relativeError: Double?
    /// sim(H*, H) of docs/theory.md §7 between the spatial and the propagated spectrum.
    public var similarity: Double?

    /// A verification result (the tracer makes these; merges and tests build them from their parts).
    public init(rule: SpectralRule.Kind, detail: String, relativeError: Double? = nil, similarity: Double? = nil) {
        self.rule = rule
        self.detail = detail
        self.relativeError = relativeError
        self.similarity = similarity
    }

    enum CodingKeys: String, CodingKey {
        case rule, detail
        case relativeError = "relative_error"
        case similarity
    }
}
