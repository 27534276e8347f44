import DecoderSpectra
import Foundation
import Testing

/// Layers against plain loops (Float64, so the comparison isolates the algorithm: tolerance 1e-12).
@Suite(.tags(.unit)) struct LayerTests {
    @Test(arguments: PaddingMode.allCases)
    func conv2dMatchesNaiveLoops(mode: PaddingMode) throws {
        var generator = SeededGenerator(seed: 5)
        for (k, stride, padding, h, w) in [
            (3, 1, 1, 8, 9), (5, 2, 2, 9, 7), (4, 1, 1, 6, 6), (1, 1, 0, 5, 4), (3, 3, 1, 10, 8),
        ] {
            let layer = try Conv2d(
                inChannels: 3, outChannels: 4, kernelSize: (k, k), stride: (stride, stride),
                padding: (padding, padding), paddingMode: mode, generator: &generator)
            let x: Tensor<Double> = randomTensor([2, 3, h, w], seed: UInt64(k * 10 + h))
            let y = try layer.forward(x)
            let reference = Reference.conv2d(x, layer)
            #expect(y.shape == reference.shape)
            #expect(maxRelativeDifference(y.scalars, reference.scalars) < 1e-12, "k=\(k) stride=\(stride) \(mode)")
        }
    }

    @Test func convTranspose2dMatchesNaiveLoops() throws {
        var generator = SeededGenerator(seed: 6)
        for (k, stride, padding, outputPadding) in [
            (4, 2, 1, 0), (2, 2, 0, 0), (3, 2, 1, 1), (3, 1, 0, 0), (5, 3, 2, 1),
        ] {
            let layer = try ConvTranspose2d(
                inChannels: 3, outChannels: 2, kernelSize: (k, k), stride: (stride, stride),
                padding: (padding, padding), outputPadding: (outputPadding, outputPadding),
                generator: &generator)
            let x: Tensor<Double> = randomTensor([2, 3, 5, 4], seed: UInt64(k))
            let y = try layer.forward(x)
            let reference = Reference.convTranspose2d(x, layer)
            #expect(y.shape == reference.shape)
            #expect(maxRelativeDifference(y.scalars, reference.scalars) < 1e-12)
        }
    }

    @Test func zeroInsertionPlacesSamplesTopLeft() throws {
        let x: Tensor<Double> = randomTensor([1, 2, 3, 4], seed: 1)
        let y = try Upsample(scaleFactor: 3, mode: .zeros).forward(x)
        #expect(y.shape == [1, 2, 9, 12])
        for c in 0..<2 {
            for i in 0..<9 {
                for j in 0..<12 {
                    let expected = (i % 3 == 0 && j % 3 == 0) ? x[0, c, i / 3, j / 3] : 0
                    #expect(y[0, c, i, j] == expected)
                }
            }
        }
    }

    @Test func shapeErrorsNameLayerAndShapes() throws {
        var generator = SeededGenerator(seed: 1)
        let model = Sequential(
            name: "m", inputChannels: 3, inputSize: (8, 8),
            layers: [
                NamedLayer(
                    "conv1", try Conv2d(inChannels: 3, outChannels: 4, kernelSize: (3, 3), generator: &generator)),
                NamedLayer(
                    "conv2", try Conv2d(inChannels: 5, outChannels: 4, kernelSize: (3, 3), generator: &generator)),
            ])
        #expect(throws: SpectraError.shapeMismatch(layer: "conv2", expected: "[N, 5, H, W]", got: [1, 4, 6, 6])) {
            _ = try model.forward(Tensor<Float>(zeros: [1, 3, 8, 8]))
        }
        #expect(throws: SpectraError.self) { _ = try model.forward(Tensor<Float>(zeros: [3, 8, 8])) }
    }

    /// A layer's errors name it where they are thrown: its type when used alone, the name the running model gives it
    /// otherwise (set by the executor through `LayerScope`), with the type for configuration errors.
    @Test func layerErrorsNameTheLayerWhereTheyArise() throws {
        var generator = SeededGenerator(seed: 1)
        let conv = try Conv2d(inChannels: 5, outChannels: 4, kernelSize: (3, 3), generator: &generator)
        let x = Tensor<Float>(zeros: [1, 4, 6, 6])
        #expect(throws: SpectraError.shapeMismatch(layer: "Conv2d", expected: "[N, 5, H, W]", got: [1, 4, 6, 6])) {
            _ = try conv.forward(x)
        }
        #expect(throws: SpectraError.shapeMismatch(layer: "up.conv", expected: "[N, 5, H, W]", got: [1, 4, 6, 6])) {
            _ = try LayerScope.running("up.conv") { try conv.forward(x) }
        }
        let pool = try MaxPool2d(kernelSize: 2)
        let spectrum = Spectrum<Float>(zeros: [1, 1, 4, 4])
        #expect(throws: SpectraError.invalidLayer(layer: "MaxPool2d", reason: "has no frequency rule")) {
            _ = try pool.propagate(spectrum)
        }
        #expect(throws: SpectraError.invalidLayer(layer: "pool1 (MaxPool2d)", reason: "has no frequency rule")) {
            _ = try LayerScope.running("pool1") { try pool.propagate(spectrum) }
        }
        #expect(LayerScope.current == nil)
    }

    @Test func invalidHyperParametersAreRejected() {
        var generator = SeededGenerator(seed: 1)
        #expect(throws: SpectraError.self) {
            _ = try Conv2d(inChannels: 0, outChannels: 1, kernelSize: (3, 3), generator: &generator)
        }
        #expect(throws: SpectraError.self) { _ = try Upsample(scaleFactor: 0) }
        #expect(throws: SpectraError.self) {
            _ = try ConvTranspose2d(
                inChannels: 1, outChannels: 1, kernelSize: (3, 3), stride: (2, 2), outputPadding: (2, 2),
                generator: &generator)
        }
    }

    /// Same seed, same numbers; another seed, other numbers.
    @Test func initialisationIsDeterministic() throws {
        let a = try BuiltinModels.model(named: "e4-zeros", seed: 42)
        let b = try BuiltinModels.model(named: "e4-zeros", seed: 42)
        let c = try BuiltinModels.model(named: "e4-zeros", seed: 43)
        let wa = a.layers[0].layer.parameters[0].tensor, wb = b.layers[0].layer.parameters[0].tensor
        #expect(wa == wb)
        #expect(wa != c.layers[0].layer.parameters[0].tensor)
    }

    /// PyTorch's default bound 1/√fan_in and the paper's N(μ, σ²): sample moments within 5 standard errors.
    @Test func initialiserMoments() throws {
        var generator = SeededGenerator(seed: 9)
        let conv = try Conv2d(inChannels: 16, outChannels: 64, kernelSize: (3, 3), generator: &generator)
        let bound = 1 / (16.0 * 9).squareRoot()
        #expect(conv.weight.scalars.allSatisfy { abs(Double($0)) <= bound })
        let normal = try Conv2d(
            inChannels: 16, outChannels: 64, kernelSize: (3, 3),
            initializer: .normal(mean: 0.1, std: 0.2), generator: &generator)
        let values = normal.weight.scalars.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)
        let standardError = 0.2 / Double(values.count).squareRoot()
        #expect(abs(mean - 0.1) < 5 * standardError)
        #expect(abs(variance.squareRoot() - 0.2) < 0.01)
    }
}

/// SiLU (torch.nn.SiLU) against x·σ(x) computed here, its model-file name, and its frequency surrogate (the
/// linearisation at 0, x/2).
@Suite(.tags(.unit)) struct SiLUTests {
    @Test func forwardFileNameAndRule() throws {
        var generator = SeededGenerator(seed: 3)
        let x = Tensor<Double>(shape: [2, 3, 4, 5]) { _ in 8 * (generator.nextUniform() - 0.5) }
        let y = try Activation.silu.forward(x)
        for (input, output) in zip(x.scalars, y.scalars) {
            let sigma = 1 / (1 + Foundation.exp(-input))
            #expect(abs(output - input * sigma) <= 1e-15 * max(1, abs(output)))
        }
        #expect(Activation.silu.typeName == "SiLU")
        let spectrum = FFT2D.forward(x)
        let propagated = try Activation.silu.propagate(spectrum)
        for (h, g) in zip(propagated.values, spectrum.values) {
            let half = g.multiplied(by: 0.5)
            #expect((h - half).length < 1e-12)
        }
        if case .surrogate = Activation.silu.spectralRule(for: x.shape) {} else { Issue.record("not a surrogate") }
    }

    /// Float32 SiLU and Sigmoid use a vectorised e^x (CVectorKernels): within 4e-7 relative (a few ulps) of the
    /// Float64 functions over the whole range, overflow and underflow included (±inf, far negative inputs, NaN).
    @Test func floatLogisticMatchesDouble() throws {
        var inputs: [Float] = stride(from: -120.0, through: 120.0, by: 0.0371).map { Float($0) }
        inputs += [-1e30, -88.8, -87.4, -87.3, -1e-30, 0, 1e-30, 87.3, 88.7, 88.8, 1e30, .infinity, -.infinity]
        let x = try Tensor<Float>(shape: [1, 1, 1, inputs.count], scalars: inputs)
        for (layer, exact) in [
            (Activation.silu, { (v: Double) in v / (1 + Foundation.exp(-v)) }),
            (Activation.sigmoid, { (v: Double) in 1 / (1 + Foundation.exp(-v)) }),
        ] {
            let y = try layer.forward(x).scalars
            for (input, output) in zip(inputs, y) {
                let reference = Float(exact(Double(input)))
                if reference.isNaN {
                    #expect(output.isNaN, "\(layer.typeName)(\(input))")
                } else if reference.isInfinite {
                    #expect(output == reference, "\(layer.typeName)(\(input))")
                } else {
                    #expect(abs(output - reference) <= 4e-7 * abs(reference) + 1e-35, "\(layer.typeName)(\(input))")
                }
            }
        }
        let nan = try Activation.silu.forward(Tensor<Float>(shape: [1, 1, 1, 1], scalars: [.nan])).scalars[0]
        #expect(nan.isNaN)
    }
}
