import Foundation
import RealModule

/// The result of checking one layer's frequency rule against the DFT of its spatial output.
public struct LayerVerification: Codable, Sendable {
    /// "exact", "surrogate" or "unavailable".
    public var rule: String
    /// Which theorem the rule is, or why it is only a surrogate.
    public var detail: String
    /// ‖H_freq − FFT(F_spatial)‖ / ‖FFT(F_spatial)‖ (reported for every layer with a rule).
    public var relativeError: Double?
    /// sim(H*, H) of docs/theory.md §7 between the spatial and the propagated spectrum.
    public var similarity: Double?

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

/// Runs a network spatially and in frequency side by side (docs/theory.md §2, §9 row 1).
///
/// The frequency state starts as FFT(input) and is propagated through exact layers only by their rules, so a chain of
/// exact layers is checked end to end (Cor. 3.3). At a surrogate layer the prediction is made from the current state
/// and compared (sim and relative error); the state is then re-anchored to the true spectrum, so that later exact
/// layers are checked exactly again. Layers without a rule are skipped the same way.
public enum FrequencyVerifier {
    /// All stages at once (every output and spectrum kept), for `verify`, the experiments and the tests.
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
        return SpectralTrace(input: input, inputSpectrum: inputSpectrum, outputs: outputs, spectra: spectra, verifications: verifications)
    }

    /// Runs the layers one at a time and hands each layer's output, spectrum and verification to `body` before the
    /// next layer runs; nothing is kept, so a caller that folds them (the streamed analysis) holds one layer at a
    /// time. Returns the input's spectrum.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func forEachStage<S: TensorScalar>(
        _ model: Sequential, input: Tensor<S>,
        _ body: (Int, Tensor<S>, Spectrum<S>, LayerVerification) throws -> Void
    ) throws -> Spectrum<S> {
        try input.checkFinite("input")
        _ = try model.shapes(for: input.shape)
        let inputSpectrum = FFT2D.forward(input)
        var state = inputSpectrum
        var current = input
        for (index, named) in model.layers.enumerated() {
            let shape = current.shape
            current = try Sequential.naming(named.name) { try named.layer.forward(current) }
            let actual = FFT2D.forward(current)
            let rule = named.layer.spectralRule(for: shape)
            var verification = LayerVerification(rule: rule.label, detail: rule.explanation)
            if case .unavailable = rule {
                state = actual
            } else {
                let predicted = try Sequential.naming(named.name) { try named.layer.propagate(state) }
                guard predicted.shape == actual.shape else {
                    throw SpectraError.invalidLayer(
                        layer: named.name,
                        reason: "frequency rule produced shape \(describeShape(predicted.shape)), spatial output is \(describeShape(actual.shape))")
                }
                verification.relativeError = Spectrum.relativeError(predicted, reference: actual)
                verification.similarity = SpectrumStatistics.cosineSimilarity(actual, predicted)
                state = rule.isExact ? predicted : actual
            }
            try body(index, current, actual, verification)
        }
        return inputSpectrum
    }
}
