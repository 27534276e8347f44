import ComplexModule
import SpectraCore
import SpectraNetwork
import SpectraTraining

/// Corollary 3.4 (Eq. 5, docs/theory.md §3): the change of every T^(l,uv) under one gradient-descent step, predicted from
/// spectra only, against the real change computed from the weight update.
public enum SpectralBackward {
    /// The frequency-domain gradient of one layer next to the one computed by backpropagation.
    public struct LayerComparison: Sendable {
        public var layer: String
        /// ΔT* = T(ΔW): the real change (exact, since T is linear in W).
        public var actual: TransferMatrices<Double>
        /// ΔT from Eq. 5.
        public var predicted: TransferMatrices<Double>

        /// ‖ΔT − ΔT*‖ / ‖ΔT*‖.
        public var relativeError: Double {
            var d = 0.0, r = 0.0
            for i in actual.values.indices {
                d += (predicted.values[i] - actual.values[i]).lengthSquared
                r += actual.values[i].lengthSquared
            }
            return (d / max(r, .leastNormalMagnitude)).squareRoot()
        }

        /// sim(ΔT*, ΔT) of docs/theory.md §7: cosine of the maps (u,v) ↦ |ΔT_dc(u,v)|, averaged over the (d, c) entries.
        public var similarity: Double {
            let plane = actual.rows * actual.columns, entries = actual.outputs * actual.inputs
            var total = 0.0
            for e in 0..<entries {
                var dot = 0.0, a2 = 0.0, b2 = 0.0
                for f in 0..<plane {
                    let a = actual.values[f * entries + e].length, b = predicted.values[f * entries + e].length
                    dot += a * b
                    a2 += a * a
                    b2 += b * b
                }
                total += a2 > 0 && b2 > 0 ? dot / (a2 * b2).squareRoot() : (a2 == 0 && b2 == 0 ? 1 : 0)
            }
            return total / Double(entries)
        }
    }

    /// Where Eq. 5 takes the gradient at each conv output from.
    public enum GradientSource: String, Sendable, Codable {
        /// Carried down from the network output through conj(T) of the upper layers (Eq. 23), activations passed
        /// through as identity: the paper's derivation, exact for linear circular nets.
        case spectralChain = "spectral-chain"
        /// The real gradient at each conv output (backpropagation through the real ReLUs): isolates Eq. 5 itself
        /// from the ReLU-as-identity approximation of Eq. 23.
        case measured
    }

    /// One SGD step of size `learningRate` on the summed squared error to `target`, for a network of Conv2d layers
    /// (stride 1, size-preserving) and activations, in Float64. The prediction follows Eq. 5 literally: the output
    /// gradient's spectrum FFT2(∇L)/MN is carried down through conj(T) of the upper layers (Eq. 23; activations
    /// are passed through, as the theory has none), combined with the conjugated spectra of each layer's actual
    /// input, and summed over all [u', v'] with χ (Eq. 22), in the layers' own anchor convention.
    /// With `gradients: .measured` the gradient at each conv output is the real one instead (see `GradientSource`).
    public static func compare(
        _ model: Sequential, input: Tensor<Double>, target: Tensor<Double>, learningRate: Double,
        gradients source: GradientSource = .spectralChain
    ) throws -> [LayerComparison] {
        let pass = try model.backwardPass(input, target: target, loss: MSELoss(reduction: .sum), training: false)
        let (m, n) = (input.height, input.width)
        let mn = Double(m * n)
        // ∂L/∂conj(h) at the output, then down through the layers.
        var gradientSpectrum = FFT2D.forward(pass.inputGradients[model.layers.count])
        for i in gradientSpectrum.values.indices {
            gradientSpectrum.values[i] = gradientSpectrum.values[i].divided(by: mn)
        }
        var comparisons: [LayerComparison] = []
        for index in model.layers.indices.reversed() {
            guard let conv = model.layers[index].layer as? Conv2d else { continue }  // activations: identity (§2.5)
            guard conv.stride == (1, 1), (try conv.outputShape(for: [1, conv.inChannels, m, n]))[2...] == [m, n] else {
                throw SpectraError.invalidLayer(
                    layer: model.layers[index].name, reason: "Eq. 5 needs stride-1, size-preserving convolutions")
            }
            if source == .measured {
                gradientSpectrum = FFT2D.forward(pass.inputGradients[index + 1])
                for i in gradientSpectrum.values.indices {
                    gradientSpectrum.values[i] = gradientSpectrum.values[i].divided(by: mn)
                }
            }
            let layerInput = index == 0 ? input : pass.outputs[index - 1]
            let g = FFT2D.forward(layerInput)
            let anchor = (conv.padding.height, conv.padding.width)
            let t = TransferMatrices<Double>.fromKernels(
                conv.weight, outputFirst: true, anchor: anchor, rows: m, columns: n, conjugate: true)
            let predicted = deltaT(
                inputSpectrum: g, outputGradient: gradientSpectrum, kernel: conv.kernelSize, anchor: anchor,
                learningRate: learningRate)
            var deltaW = pass.parameterGradients[index]["weight"]!
            for i in deltaW.scalars.indices { deltaW.scalars[i] *= -learningRate }
            let actual = TransferMatrices<Double>.fromKernels(
                deltaW, outputFirst: true, anchor: anchor, rows: m, columns: n, conjugate: true)
            comparisons.append(LayerComparison(layer: model.layers[index].name, actual: actual, predicted: predicted))
            gradientSpectrum = backThroughConj(gradientSpectrum, t)
        }
        return comparisons.reversed()
    }

    /// Eq. 23: ∂L/∂conj(g^(l−1,u'v'))_c = Σ_d conj(T^(l,u'v')_dc) ∂L/∂conj(g^(l,u'v'))_d.
    static func backThroughConj(_ gradient: Spectrum<Double>, _ t: TransferMatrices<Double>) -> Spectrum<Double> {
        var out = Spectrum<Double>(zeros: [gradient.batch, t.inputs, gradient.rows, gradient.columns])
        let plane = gradient.planeSize
        for b in 0..<gradient.batch {
            for f in 0..<plane {
                for c in 0..<t.inputs {
                    var sum = Complex<Double>(0, 0)
                    for d in 0..<t.outputs {
                        sum +=
                            t.values[(f * t.outputs + d) * t.inputs + c].conjugate
                            * gradient.values[(b * t.outputs + d) * plane + f]
                    }
                    out.values[(b * t.inputs + c) * plane + f] = sum
                }
            }
        }
        return out
    }

    /// Eq. 22 and Eq. 5: ΔT^(uv)_dc = −η MN Σ_{u'v'} χ_{u'v'uv} Σ_images conj(G_c(u',v')) ∂L/∂conj(G_d(u',v')), with
    /// χ in the anchor convention of T: χ = R_{u−u', v−v'} e^{−i2π((u−u')p_h/M + (v−v')p_w/N)} / MN.
    static func deltaT(
        inputSpectrum g: Spectrum<Double>, outputGradient r: Spectrum<Double>, kernel: (height: Int, width: Int),
        anchor: (Int, Int),
        learningRate: Double
    ) -> TransferMatrices<Double> {
        let (m, n, plane) = (g.rows, g.columns, g.planeSize)
        let (inputs, outputs) = (g.channels, r.channels)
        precondition(kernel.height == kernel.width, "square kernels")
        // χ for every frequency difference (periodic in M and N).
        var chi = [Complex<Double>](repeating: .zero, count: plane)
        for du in 0..<m {
            for dv in 0..<n {
                let phase = -2 * Double.pi * (Double(du * anchor.0) / Double(m) + Double(dv * anchor.1) / Double(n))
                chi[du * n + dv] =
                    KernelResponse.r(u: du, v: dv, kernel: kernel.height, rows: m, columns: n)
                    * Complex(Double.cos(phase), Double.sin(phase)).divided(by: Double(plane))
            }
        }
        // A_dc(u',v') = Σ_b conj(G_bc(u',v')) R_bd(u',v').
        var a = [Complex<Double>](repeating: .zero, count: plane * outputs * inputs)
        for b in 0..<g.batch {
            for d in 0..<outputs {
                for c in 0..<inputs {
                    for f in 0..<plane {
                        a[(f * outputs + d) * inputs + c] +=
                            g.values[(b * inputs + c) * plane + f].conjugate * r.values[(b * outputs + d) * plane + f]
                    }
                }
            }
        }
        let scale = -learningRate * Double(plane)
        var values = [Complex<Double>](repeating: .zero, count: plane * outputs * inputs)
        let entries = outputs * inputs
        for u in 0..<m {
            for v in 0..<n {
                let target = (u * n + v) * entries
                for up in 0..<m {
                    for vp in 0..<n {
                        let weight = chi[((u - up + m) % m) * n + (v - vp + n) % n]
                        let source = (up * n + vp) * entries
                        for e in 0..<entries { values[target + e] += weight * a[source + e] }
                    }
                }
                for e in 0..<entries { values[target + e] = values[target + e].multiplied(by: scale) }
            }
        }
        return TransferMatrices(rows: m, columns: n, outputs: outputs, inputs: inputs, values: values)
    }
}
