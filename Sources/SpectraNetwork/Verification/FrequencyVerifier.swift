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

/// Everything a run of a model produces: every layer's spatial output, its spectrum, and the verification.
public struct SpectralTrace<Scalar: TensorScalar>: Sendable {
    public var input: Tensor<Scalar>
    public var inputSpectrum: Spectrum<Scalar>
    public var outputs: [Tensor<Scalar>]
    public var spectra: [Spectrum<Scalar>]
    public var verifications: [LayerVerification]
}

/// The spectral tracer (`ModelGraph.forEachStage`, docs/theory.md §2, §9 row 1) on a chain of layers, in the form
/// the experiments and tests use: one output, spectrum and verification per layer, in layer order.
public enum FrequencyVerifier {
    /// All stages at once (every output and spectrum kept).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func trace<S: TensorScalar>(
        _ model: Sequential, input: Tensor<S>, progress: ((Int, String) -> Void)? = nil
    ) throws -> SpectralTrace<S> {
        var outputs: [Tensor<S>] = [], spectra: [Spectrum<S>] = [], verifications: [LayerVerification] = []
        let inputSpectrum = try forEachStage(model, input: input) { index, output, spectrum, verification in
            progress?(index, model.layers[index].name)
            outputs.append(output)
            spectra.append(spectrum)
            verifications.append(verification)
        }
        return SpectralTrace(
            input: input, inputSpectrum: inputSpectrum, outputs: outputs, spectra: spectra, verifications: verifications
        )
    }

    /// Hands each layer's output, spectrum and verification to `body` before the next layer runs. Returns the
    /// input's spectrum.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func forEachStage<S: TensorScalar>(
        _ model: Sequential, input: Tensor<S>,
        _ body: (Int, Tensor<S>, Spectrum<S>, LayerVerification) throws -> Void
    ) throws -> Spectrum<S> {
        try ModelGraph(chain: model).forEachStage(input) { index, stage in
            try body(index, stage.output, stage.spectrum, stage.verification)
        }.spectrum
    }
}
