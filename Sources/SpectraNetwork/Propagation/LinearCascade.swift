import ComplexModule
import SpectraCore

/// Corollary 3.3 (Eq. 4): a chain of L stride-1 circular convolutions with no activations acts on every frequency as
/// one matrix, h^(uv) = 𝕋^(uv)(L:1) g^(uv) + δ_uv β, with 𝕋^(uv)(L:1) = T^(L,uv) ⋯ T^(1,uv) and
/// β = MN (b^(L) + Σ_{j=2..L} 𝕋^(00)(L:j) b^(j−1)) (real, since every T^(l,00) is real).
public struct LinearCascade<Scalar: TensorScalar>: Sendable {
    /// 𝕋^(uv)(L:1) for every frequency, [M, N, C_L, C_0].
    public let product: TransferMatrices<Scalar>
    /// β, the accumulated bias at DC (length C_L).
    public let beta: [Double]

    /// Builds the cascade of `layers` for M×N maps; throws unless every layer is a circular, stride-1,
    /// size-preserving Conv2d whose channels chain.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public init(_ layers: [Conv2d], rows: Int, columns: Int) throws {
        guard let first = layers.first else { throw SpectraError.invalidInput("a cascade needs at least one layer") }
        var product: TransferMatrices<Scalar>?
        var beta = [Double](repeating: 0, count: first.inChannels)
        for (index, conv) in layers.enumerated() {
            guard conv.paddingMode == .circular, conv.stride == (1, 1),
                conv.spectralRule(for: [1, conv.inChannels, rows, columns]).isExact
            else {
                throw SpectraError.invalidLayer(
                    layer: "cascade layer \(index + 1)",
                    reason: "Corollary 3.3 needs stride-1, size-preserving circular Conv2d layers")
            }
            guard conv.inChannels == (product?.outputs ?? first.inChannels) else {
                throw SpectraError.invalidLayer(
                    layer: "cascade layer \(index + 1)",
                    reason: "expected \(product?.outputs ?? first.inChannels) input channels, got \(conv.inChannels)")
            }
            let t = conv.transferMatrices(rows: rows, columns: columns, as: Scalar.self)
            // β_l = T^(l,00) β_{l−1} + MN b^(l): the recursion whose unrolled form is Eq. 4's β.
            let t00 = t.matrix(u: 0, v: 0)
            var next = [Double](repeating: Double(rows * columns), count: conv.outChannels)
            for d in 0..<conv.outChannels {
                next[d] *= Double(conv.bias?.scalars[d] ?? 0)
                for c in 0..<conv.inChannels {
                    next[d] += Double(t00[t00.startIndex + d * conv.inChannels + c].real) * beta[c]
                }
            }
            beta = next
            product = product.map { t.multiplied(by: $0) } ?? t
        }
        self.product = product!
        self.beta = beta
    }

    /// Output spectra of the whole chain from input spectra, with no spatial computation.
    public func apply(to spectrum: Spectrum<Scalar>) -> Spectrum<Scalar> {
        var output = product.apply(to: spectrum)
        let scale = 1 / Double(spectrum.planeSize)
        SpectralOperations.addBias(beta.map { $0 * scale }, to: &output)
        return output
    }
}

extension TransferMatrices {
    /// The per-frequency product self^(uv) · other^(uv) (self applied after other).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func multiplied(by other: TransferMatrices) -> TransferMatrices {
        precondition(other.outputs == inputs && other.rows == rows && other.columns == columns, "cascade shapes")
        var values = [Complex<Scalar>](repeating: .zero, count: rows * columns * outputs * other.inputs)
        for f in 0..<(rows * columns) {
            let a = f * outputs * inputs, b = f * other.outputs * other.inputs, c = f * outputs * other.inputs
            for d in 0..<outputs {
                for k in 0..<inputs {
                    let left = self.values[a + d * inputs + k]
                    for j in 0..<other.inputs {
                        values[c + d * other.inputs + j] += left * other.values[b + k * other.inputs + j]
                    }
                }
            }
        }
        return TransferMatrices(rows: rows, columns: columns, outputs: outputs, inputs: other.inputs, values: values)
    }
}
