import ComplexModule
import DecoderSpectra
import Testing

/// Exact frequency-domain propagation (docs/theory.md §2) against the DFT of the spatial output.
/// Tolerances: Float64 paths 1e-10 relative (rounding of FFTs and GEMMs is ~1e-15 per operation, times depth);
/// Float32 paths 1e-5 (the bound; the observed error is ~1e-7).
@Suite(.tags(.unit)) struct PropagationTests {
    /// T via the FFT of the wrapped kernel equals the direct sum of docs/theory.md §1.4, for the paper's anchor (p = 0) and
    /// PyTorch's centred padding, including kernels as large as the map.
    @Test func transferMatricesMatchDirectSum() throws {
        var generator = SeededGenerator(seed: 21)
        for (k, m, n, anchor) in [(3, 8, 8, 1), (3, 7, 9, 0), (5, 6, 5, 2), (6, 6, 7, 0), (7, 7, 7, 3)] {
            let conv = try Conv2d(
                inChannels: 2, outChannels: 3, kernelSize: (k, k), padding: (anchor, anchor),
                paddingMode: .circular, generator: &generator)
            let t = TransferMatrices<Double>.fromKernels(
                conv.weight, outputFirst: true, anchor: (anchor, anchor),
                rows: m, columns: n, conjugate: true)
            var worst = 0.0
            for u in 0..<m {
                for v in 0..<n {
                    let block = Array(t.matrix(u: u, v: v))
                    for d in 0..<3 {
                        for c in 0..<2 {
                            let direct = Reference.transfer(
                                weight: conv.weight, d: d, c: c, u: u, v: v, anchor: (anchor, anchor), rows: m,
                                columns: n)
                            worst = max(worst, (block[d * 2 + c] - direct).length)
                        }
                    }
                }
            }
            #expect(worst < 1e-12, "K=\(k) M=\(m) N=\(n)")
        }
    }

    /// Theorem 3.2 (Eq. 3) on random odd, even and non-power-of-two shapes and kernels up to the map size.
    @Test(arguments: [(3, 8, 8), (3, 7, 9), (5, 10, 6), (1, 5, 5), (7, 7, 7), (5, 12, 5), (9, 9, 11)])
    func circularConvIsExact(k: Int, m: Int, n: Int) throws {
        var generator = SeededGenerator(seed: UInt64(k * 1000 + m * 10 + n))
        let conv = try Conv2d(
            inChannels: 3, outChannels: 4, kernelSize: (k, k), padding: ((k - 1) / 2, (k - 1) / 2),
            paddingMode: .circular, generator: &generator)
        #expect(conv.spectralRule(for: [2, 3, m, n]).isExact)
        let x: Tensor<Double> = randomTensor([2, 3, m, n], seed: 99)
        let predicted = try conv.propagate(FFT2D.forward(x))
        let actual = FFT2D.forward(try conv.forward(x))
        #expect(Spectrum.relativeError(predicted, reference: actual) < 1e-10)

        let xf: Tensor<Float> = x.converted()
        let predictedFloat = try conv.propagate(FFT2D.forward(xf))
        let actualFloat = FFT2D.forward(try conv.forward(xf))
        #expect(Spectrum.relativeError(predictedFloat, reference: actualFloat) < 1e-5)
    }

    /// The rule T^(uv) g^(uv) + δ MN b written out by hand for one frequency: the library's GEMM path agrees.
    @Test func theorem32ByHandAtOneFrequency() throws {
        var generator = SeededGenerator(seed: 4)
        let conv = try Conv2d(
            inChannels: 2, outChannels: 2, kernelSize: (3, 3), padding: (1, 1), paddingMode: .circular,
            generator: &generator)
        let x: Tensor<Double> = randomTensor([1, 2, 6, 6], seed: 8)
        let g = FFT2D.forward(x)
        let h = FFT2D.forward(try conv.forward(x))
        for (u, v) in [(0, 0), (1, 2), (3, 3), (5, 1)] {
            for d in 0..<2 {
                var expected = Complex<Double>(0, 0)
                for c in 0..<2 {
                    expected +=
                        Reference.transfer(
                            weight: conv.weight, d: d, c: c, u: u, v: v, anchor: (1, 1), rows: 6, columns: 6)
                        * g[0, c, u, v]
                }
                if u == 0 && v == 0 { expected.real += 36 * Double(conv.bias!.scalars[d]) }
                #expect((h[0, d, u, v] - expected).length < 1e-10 * max(1, expected.length))
            }
        }
    }

    /// Corollary 3.3: a cascade of circular layers (mixed widths, biases) propagates to the output with no spatial
    /// convolution, exactly. The verifier chains the exact rules from the input spectrum.
    @Test func cascadeIsExact() throws {
        let model = try BuiltinModels.model(named: "e1-linear-circular", seed: 3)
        let x: Tensor<Double> = randomTensor([2, 3, 10, 12], seed: 5)
        let trace = try ModelGraph(chain: model).trace(x)
        for v in trace.verifications {
            #expect(v.rule == .exact)
            #expect(v.relativeError! < 1e-10)
            #expect(abs(v.similarity! - 1) < 1e-9)
        }
    }

    /// Theorem 4.4 (Eq. 11): zero insertion tiles the spectrum exactly, H[u', v'] = G[u' mod M0, v' mod N0].
    @Test func zeroInsertionTilesTheSpectrum() throws {
        let x: Tensor<Double> = randomTensor([1, 2, 5, 6], seed: 12)
        let g = FFT2D.forward(x)
        for r in [2, 3] {
            let h = FFT2D.forward(try Upsample(scaleFactor: r, mode: .zeros).forward(x))
            var worst = 0.0
            for c in 0..<2 {
                for u in 0..<(5 * r) {
                    for v in 0..<(6 * r) { worst = max(worst, (h[0, c, u, v] - g[0, c, u % 5, v % 6]).length) }
                }
            }
            #expect(worst < 1e-12)
        }
    }

    /// §2.4: nearest upsampling and ConvTranspose2d (padding 0, kernel + output_padding = stride) are exact.
    @Test func upsamplingRulesAreExact() throws {
        var generator = SeededGenerator(seed: 13)
        let x: Tensor<Double> = randomTensor([2, 3, 5, 7], seed: 14)
        let g = FFT2D.forward(x)
        let layers: [any Layer] = [
            try Upsample(scaleFactor: 2, mode: .nearest), try Upsample(scaleFactor: 3, mode: .nearest),
            try Upsample(scaleFactor: 2, mode: .zeros),
            try ConvTranspose2d(
                inChannels: 3, outChannels: 2, kernelSize: (2, 2), stride: (2, 2), generator: &generator),
            try ConvTranspose2d(
                inChannels: 3, outChannels: 4, kernelSize: (2, 2), stride: (3, 3), outputPadding: (1, 1),
                generator: &generator),
        ]
        for layer in layers {
            #expect(layer.spectralRule(for: x.shape).isExact)
            let predicted = try layer.propagate(g)
            let actual = FFT2D.forward(try layer.forward(x))
            #expect(
                Spectrum.relativeError(predicted, reference: actual) < 1e-10, "\(layer.typeName) \(layer.configuration)"
            )
        }
    }

    /// A strided circular convolution is circular convolution followed by decimation: exact with the aliasing sum.
    @Test func stridedCircularConvIsExact() throws {
        var generator = SeededGenerator(seed: 15)
        let conv = try Conv2d(
            inChannels: 2, outChannels: 3, kernelSize: (3, 3), stride: (2, 2), padding: (1, 1),
            paddingMode: .circular, generator: &generator)
        let x: Tensor<Double> = randomTensor([1, 2, 8, 10], seed: 16)
        #expect(conv.spectralRule(for: x.shape).isExact)
        let predicted = try conv.propagate(FFT2D.forward(x))
        #expect(Spectrum.relativeError(predicted, reference: FFT2D.forward(try conv.forward(x))) < 1e-10)
    }

    /// Zero padding is not circular: the rule is a surrogate, the error is visible, yet sim stays high (Fig. 3a).
    @Test func zeroPaddingIsASurrogate() throws {
        var generator = SeededGenerator(seed: 17)
        let conv = try Conv2d(inChannels: 3, outChannels: 3, kernelSize: (3, 3), padding: (1, 1), generator: &generator)
        let x: Tensor<Double> = randomTensor([2, 3, 16, 16], seed: 18)
        #expect(!conv.spectralRule(for: x.shape).isExact)
        let predicted = try conv.propagate(FFT2D.forward(x))
        let actual = FFT2D.forward(try conv.forward(x))
        #expect(Spectrum.relativeError(predicted, reference: actual) > 1e-3)
        #expect(SpectrumStatistics.cosineSimilarity(actual, predicted) > 0.8)
    }

    /// The decoder built from exact layers only propagates entirely in frequency, in Float32 and Float64.
    @Test func circularDecoderPropagatesEntirelyInFrequency() throws {
        let model = try BuiltinModels.model(named: "circular-upconv-decoder")
        let x: Tensor<Double> = randomTensor([2, 3, 6, 5], seed: 19)
        let trace = try ModelGraph(chain: model).trace(x)
        #expect(
            trace.verifications.allSatisfy {
                $0.rule == .exact && $0.relativeError! < SpectralRule.exactnessBound(for: Double.self)
            })
        let traceFloat = try ModelGraph(chain: model).trace(x.converted(to: Float.self))
        #expect(
            traceFloat.verifications.allSatisfy { $0.relativeError! < SpectralRule.exactnessBound(for: Float.self) })
    }

    /// PyTorch's centred padding only changes the phase of T (docs/theory.md §1.4 [D]): magnitudes equal the paper's anchor.
    @Test func centredPaddingIsAPhase() throws {
        var generator = SeededGenerator(seed: 20)
        let conv = try Conv2d(
            inChannels: 2, outChannels: 2, kernelSize: (5, 5), padding: (2, 2), paddingMode: .circular,
            generator: &generator)
        let centred = conv.transferMatrices(rows: 9, columns: 8, as: Double.self)
        let paper = TransferMatrices<Double>.fromKernels(
            conv.weight, outputFirst: true, anchor: (0, 0), rows: 9, columns: 8, conjugate: true)
        for u in 0..<9 {
            for v in 0..<8 {
                let phase = Complex<Double>.exp(Complex(0, -2 * Double.pi * (Double(u * 2) / 9 + Double(v * 2) / 8)))
                let a = Array(centred.matrix(u: u, v: v)), b = Array(paper.matrix(u: u, v: v))
                for i in a.indices { #expect((a[i] - phase * b[i]).length < 1e-12) }
            }
        }
    }
}

/// Corollary 3.3 written as one matrix per frequency, 𝕋(L:1), and the accumulated bias β.
@Suite(.tags(.unit)) struct CascadeTests {
    @Test func cascadeMatrixAndBetaReproduceTheNetwork() throws {
        var generator = SeededGenerator(seed: 30)
        let widths = [2, 5, 3, 4]
        var convs: [Conv2d] = []
        for l in 1..<widths.count {
            convs.append(
                try Conv2d(
                    inChannels: widths[l - 1], outChannels: widths[l], kernelSize: (3, 3), padding: (1, 1),
                    paddingMode: .circular, generator: &generator))
        }
        let model = Sequential(
            name: "chain", inputChannels: 2, inputSize: (7, 6),
            layers: convs.enumerated().map { NamedLayer("conv\($0.offset + 1)", $0.element) })
        let x: Tensor<Double> = randomTensor([3, 2, 7, 6], seed: 31)
        let cascade = try LinearCascade<Double>(convs, rows: 7, columns: 6)
        let predicted = cascade.apply(to: FFT2D.forward(x))
        let actual = FFT2D.forward(try model.forward(x))
        #expect(Spectrum.relativeError(predicted, reference: actual) < 1e-10)
        // β is real and equals the DC of the network's response to a zero input.
        let zero = FFT2D.forward(try model.forward(Tensor<Double>(zeros: [1, 2, 7, 6])))
        for d in 0..<4 { #expect(abs(zero[0, d, 0, 0].real - cascade.beta[d]) < 1e-10 * max(1, abs(cascade.beta[d]))) }
    }

    @Test func cascadeRejectsNonCircularLayers() throws {
        var generator = SeededGenerator(seed: 32)
        let conv = try Conv2d(inChannels: 1, outChannels: 1, kernelSize: (3, 3), padding: (1, 1), generator: &generator)
        #expect(throws: SpectraError.self) { _ = try LinearCascade<Double>([conv], rows: 8, columns: 8) }
    }
}

/// T applied row by row from the kernels (never materialised: T(u,v) = Σ_s e_s(v) A_s(u), docs/theory.md §1.4) equals
/// the materialised T, for Conv2d and ConvTranspose2d layouts, centred anchors and kernels larger than the map
/// (wrap-around sums), in Float64 and in Float32 (cgemm on the spectra in place).
@Suite(.tags(.unit)) struct BlockwiseTransferTests {
    @Test(arguments: [(true, (1, 1), true, 8, 6, 3), (false, (0, 0), false, 8, 8, 4), (true, (2, 1), true, 4, 2, 5)])
    func blockwiseEqualsMaterialised(
        _ outputFirst: Bool, _ anchor: (Int, Int), _ conjugate: Bool, _ rows: Int, _ columns: Int, _ k: Int
    ) {
        var generator = SeededGenerator(seed: 11)
        let weight = Tensor<Float>(shape: [5, 3, k, k]) { _ in Float(generator.nextUniform() - 0.5) }
        let inputs = outputFirst ? 3 : 5
        let x = Tensor<Double>(shape: [2, inputs, rows, columns]) { _ in generator.nextUniform() - 0.5 }
        let g = FFT2D.forward(x)
        let full = TransferMatrices<Double>.fromKernels(
            weight, outputFirst: outputFirst, anchor: anchor, rows: rows, columns: columns,
            conjugate: conjugate
        ).apply(to: g)
        let blockwise = TransferMatrices<Double>.applyKernels(
            weight, outputFirst: outputFirst, anchor: anchor, conjugate: conjugate, to: g)
        #expect(full.shape == blockwise.shape)
        #expect(relativeError(blockwise.values, full.values) < 1e-12)
        // Float32: rounding of the spectra, T and the sums (a few 1e-7 relative); 1e-5 as elsewhere.
        let single = TransferMatrices<Float>.applyKernels(
            weight, outputFirst: outputFirst, anchor: anchor, conjugate: conjugate,
            to: FFT2D.forward(x.converted(to: Float.self)),
            hermitian: true)
        let widened = single.values.map { Complex(Double($0.real), Double($0.imaginary)) }
        #expect(relativeError(widened, full.values) < 1e-5)
    }

    /// On the spectrum of real maps, computing the rows u ≤ M/2 and mirroring the others (the tracer's
    /// `HermitianSymmetry`) gives every frequency computed, odd and even sides alike; Conv2d.propagate uses it only
    /// where it is declared.
    @Test(arguments: [(8, 6), (5, 7), (1, 4), (3, 1)])
    func hermitianHalfEqualsEveryFrequency(_ rows: Int, _ columns: Int) throws {
        var generator = SeededGenerator(seed: 12)
        let weight = Tensor<Float>(shape: [4, 3, 3, 3]) { _ in Float(generator.nextUniform() - 0.5) }
        let x = Tensor<Double>(shape: [2, 3, rows, columns]) { _ in generator.nextUniform() - 0.5 }
        let g = FFT2D.forward(x)
        let every = TransferMatrices<Double>.applyKernels(
            weight, outputFirst: true, anchor: (1, 1), conjugate: true, to: g)
        let half = TransferMatrices<Double>.applyKernels(
            weight, outputFirst: true, anchor: (1, 1), conjugate: true, to: g, hermitian: true)
        #expect(relativeError(half.values, every.values) < 1e-12)
        var conv = try Conv2d(
            inChannels: 3, outChannels: 4, kernelSize: (3, 3), padding: (1, 1), paddingMode: .circular, bias: false,
            generator: &generator)
        conv.weight = weight
        #expect(relativeError(try HermitianSymmetry.assuming { try conv.propagate(g) }.values, every.values) < 1e-12)
        // A spectrum that is not Hermitian: without the declaration every frequency is computed.
        var skewed = g
        skewed.values[1] = skewed.values[1] + Complex(0, 1)
        let direct = TransferMatrices<Double>.fromKernels(
            weight, outputFirst: true, anchor: (1, 1), rows: rows, columns: columns, conjugate: true
        ).apply(to: skewed)
        #expect(relativeError(try conv.propagate(skewed).values, direct.values) < 1e-12)
    }
}
