import RealModule
import SpectraCore

extension BatchNorm2d {
    /// Evaluation-mode batch norm is a per-channel affine map, hence exact: H_c = a_c G_c + δ_uv MN b_c.
    public func spectralRule(for input: [Int]) -> SpectralRule { .exact("per-channel affine map") }

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func propagate<S: TensorScalar>(_ spectrum: Spectrum<S>) throws -> Spectrum<S> {
        let (scale, shift) = affine
        let channels = spectrum.channels
        var output = spectrum.scalingPlanes { S(scale[$0 % channels]) }
        SpectralOperations.addBias(shift, to: &output)
        return output
    }
}

extension Activation {
    /// The theory has no activations (docs/theory.md §2.5). The surrogate is the linearisation at 0: identity for ReLU,
    /// LeakyReLU and Tanh (the paper's derived spectra ignore ReLU), x/4 + 1/2 for Sigmoid, x/2 for SiLU.
    public func spectralRule(for input: [Int]) -> SpectralRule {
        .surrogate("\(typeName) is not linear; its linearisation at 0 is used (docs/theory.md §2.5)")
    }

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func propagate<S: TensorScalar>(_ spectrum: Spectrum<S>) throws -> Spectrum<S> {
        if case .silu = function { return spectrum.scalingPlanes { _ in S(0.5) } }
        guard case .sigmoid = function else { return spectrum }
        var output = spectrum.scalingPlanes { _ in S(0.25) }
        SpectralOperations.addBias([Double](repeating: 0.5, count: spectrum.channels), to: &output)
        return output
    }
}
