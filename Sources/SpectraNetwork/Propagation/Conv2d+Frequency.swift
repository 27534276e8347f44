import RealModule
import SpectraCore

extension Conv2d {
    /// Exact (Theorem 3.2, with a decimation for stride > 1) when padding is circular and each output side is the
    /// input side divided by the stride; the same formula is a circular surrogate for zero/reflect/replicate padding.
    public func spectralRule(for input: [Int]) -> SpectralRule {
        guard let output = try? outputShape(for: input) else { return .unavailable("input shape rejected") }
        guard output[2] * stride.height == input[2], output[3] * stride.width == input[3] else {
            return .unavailable(
                "output \(output[2])x\(output[3]) is not the input \(input[2])x\(input[3]) divided by the stride; "
                    + "frequencies mix (docs/theory.md §2.2)")
        }
        if paddingMode == .circular {
            return .exact(stride == (1, 1) ? "Theorem 3.2 (Eq. 3)" : "Theorem 3.2 + decimation aliasing sum")
        }
        if kernelSize == (1, 1) && padding == (0, 0) {  // no padding is read, whatever its mode: T(u,v) = W everywhere
            return .exact(
                stride == (1, 1)
                    ? "Theorem 3.2 (1×1 kernel, no padding)" : "Theorem 3.2 (1×1 kernel) + decimation aliasing sum")
        }
        return .surrogate("\(paddingMode.rawValue) padding replaced by circular padding (Assumption 3.1)")
    }

    /// The input size's T matrices with PyTorch's padding as the anchor.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func transferMatrices<S: TensorScalar>(rows: Int, columns: Int, as: S.Type = S.self) -> TransferMatrices<S> {
        TransferMatrices<S>.fromKernels(
            weight, outputFirst: true, anchor: (padding.height, padding.width), rows: rows, columns: columns,
            conjugate: true)
    }

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func propagate<S: TensorScalar>(_ spectrum: Spectrum<S>) throws -> Spectrum<S> {
        let rule = spectralRule(for: spectrum.shape)
        if case let .unavailable(reason) = rule {
            throw SpectraError.invalidLayer(layer: LayerScope.described(typeName: typeName), reason: reason)
        }
        // T is applied a block of frequencies at a time, never held whole (D·C·M·N values can be hundreds of MB).
        var output = TransferMatrices<S>.applyKernels(
            weight, outputFirst: true, anchor: (padding.height, padding.width),
            conjugate: true, to: spectrum, hermitian: HermitianSymmetry.isAssumed)
        if let bias { SpectralOperations.addBias(bias.scalars.map(Double.init), to: &output) }
        if stride != (1, 1) { output = SpectralOperations.decimate(output, by: (stride.height, stride.width)) }
        return output
    }
}

extension ConvTranspose2d {
    /// Exact (docs/theory.md §2.4 [D]) when padding is 0 and kernel + output_padding = stride on each axis: zero insertion
    /// (tiling, Theorem 4.4) then a true convolution, so H_d = Σ_c Ŵ_cd(u,v) G_c(u mod M0, v mod N0) with the
    /// e^{−i} response. Otherwise, when the output is stride × input, a surrogate that wraps the overhanging
    /// contributions around instead of cropping them.
    public func spectralRule(for input: [Int]) -> SpectralRule {
        guard let output = try? outputShape(for: input) else { return .unavailable("input shape rejected") }
        guard stride.height == stride.width, output[2] == input[2] * stride.height, output[3] == input[3] * stride.width
        else { return .unavailable("output is not stride × input with equal strides; no tiling rule") }
        if padding == (0, 0) { return .exact("§2.4 ConvTranspose2d rule (tiling + e^{-i} response)") }
        return .surrogate("cropped padding replaced by circular wrap-around")
    }

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func propagate<S: TensorScalar>(_ spectrum: Spectrum<S>) throws -> Spectrum<S> {
        let rule = spectralRule(for: spectrum.shape)
        if case let .unavailable(reason) = rule {
            throw SpectraError.invalidLayer(layer: LayerScope.described(typeName: typeName), reason: reason)
        }
        let tiled = SpectralOperations.tile(spectrum, factor: stride.height)
        var output = TransferMatrices<S>.applyKernels(
            weight, outputFirst: false, anchor: (padding.height, padding.width),
            conjugate: false, to: tiled, hermitian: HermitianSymmetry.isAssumed)
        if let bias { SpectralOperations.addBias(bias.scalars.map(Double.init), to: &output) }
        return output
    }
}
