import DecoderSpectra
import Foundation
import Testing

/// Every backward pass against central finite differences in Float64, with the scalar L = Σ r ⊙ layer(x) for a fixed
/// random r (so ∂L/∂output = r). Inputs are perturbed by h = 1e-6 (error O(h²) ≈ 1e-12, rounding O(ε/h) ≈ 1e-10).
/// Parameters are stored in Float32, so they are perturbed by ~1e-3 and the quotient uses the exactly representable
/// perturbation actually applied: the error is O(h²·L''') ≈ 1e-6 relative; the bound is 1e-5.
@Suite(.tags(.unit)) struct GradientTests {
    func check<L: TrainableLayer>(
        _ layer: L, input shape: [Int], seed: UInt64, training: Bool = false, label: String
    ) throws {
        let x: Tensor<Double> = randomTensor(shape, seed: seed)
        let outShape = try layer.outputShape(for: shape)
        let r: Tensor<Double> = randomTensor(outShape, seed: seed + 1)
        func loss(_ l: L, _ input: Tensor<Double>) throws -> Double {
            let y = training ? try l.trainingForward(input).output : try l.forward(input)
            return zip(y.scalars, r.scalars).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let cache = training ? try layer.trainingForward(x).cache : LayerCache(input: x)
        let (gx, gp) = try layer.backward(r, cache: cache)
        #expect(gx.shape == x.shape)
        var worst = 0.0
        for i in stride(from: 0, to: x.count, by: max(1, x.count / 40)) {
            var plus = x, minus = x
            plus.scalars[i] += 1e-6
            minus.scalars[i] -= 1e-6
            let numeric = (try loss(layer, plus) - loss(layer, minus)) / 2e-6
            worst = max(worst, abs(numeric - gx.scalars[i]) / max(1, abs(numeric)))
        }
        #expect(worst < 1e-6, "\(label): input gradient off by \(worst)")
        for (name, tensor) in layer.parameters {
            guard let g = gp[name] else { continue }
            var worstParameter = 0.0
            for i in stride(from: 0, to: tensor.count, by: max(1, tensor.count / 25)) {
                var up = layer, down = layer
                var tp = tensor, tm = tensor
                tp.scalars[i] = Float(Double(tensor.scalars[i]) + 1e-3)
                tm.scalars[i] = Float(Double(tensor.scalars[i]) - 1e-3)
                try up.setParameter(name, tp)
                try down.setParameter(name, tm)
                let delta = Double(tp.scalars[i]) - Double(tm.scalars[i])
                let numeric = (try loss(up, x) - loss(down, x)) / delta
                worstParameter = max(worstParameter, abs(numeric - g.scalars[i]) / max(1, abs(numeric)))
            }
            #expect(worstParameter < 1e-5, "\(label): \(name) gradient off by \(worstParameter)")
        }
    }

    @Test(arguments: PaddingMode.allCases)
    func conv2d(mode: PaddingMode) throws {
        var generator = SeededGenerator(seed: 1)
        for (k, s, p) in [(3, 1, 1), (3, 2, 1), (4, 2, 1), (1, 1, 0)] {
            let conv = try Conv2d(
                inChannels: 2, outChannels: 3, kernelSize: (k, k), stride: (s, s), padding: (p, p), paddingMode: mode,
                generator: &generator)
            try check(conv, input: [2, 2, 6, 7], seed: 3, label: "Conv2d k\(k) s\(s) \(mode)")
        }
    }

    /// The backward pass split over images (one weight-gradient partial per part, summed in order) against finite
    /// differences, and against the single-part pass to rounding; 1, 2 and 3 parts of a batch of 3.
    @Test(arguments: [1, 2, 3])
    func conv2dSplitOverImages(parts: Int) throws {
        var generator = SeededGenerator(seed: 4)
        let conv = try Conv2d(inChannels: 2, outChannels: 3, kernelSize: (3, 3), padding: (1, 1), generator: &generator)
        try TrainingParallelism.$imageParts.withValue(parts) {
            try check(conv, input: [3, 2, 5, 6], seed: 5, label: "Conv2d in \(parts) parts")
        }
        let x = Tensor<Double>(shape: [3, 2, 5, 6]) { Double(($0 * 37) % 11) / 11 - 0.5 }
        let gy = Tensor<Double>(shape: [3, 3, 5, 6]) { Double(($0 * 13) % 7) / 7 - 0.5 }
        let split = try TrainingParallelism.$imageParts.withValue(parts) {
            try conv.backward(gy, cache: LayerCache(input: x))
        }
        let whole = try TrainingParallelism.$imageParts.withValue(1) {
            try conv.backward(gy, cache: LayerCache(input: x))
        }
        #expect(split.input == whole.input)  // each image's input gradient is computed the same way in any split
        #expect(maxRelativeDifference(split.parameters["weight"]!.scalars, whole.parameters["weight"]!.scalars) < 1e-14)
        // The training forward pass is split the same way: the same outputs as the plain forward pass, in order.
        let forwardSplit = try TrainingParallelism.$imageParts.withValue(parts) { try conv.trainingForward(x).output }
        #expect(maxRelativeDifference(forwardSplit.scalars, try conv.forward(x).scalars) < 1e-14)
    }

    @Test func convTranspose2d() throws {
        var generator = SeededGenerator(seed: 2)
        for (k, s, p, op) in [(4, 2, 1, 0), (3, 2, 1, 1), (2, 2, 0, 0), (3, 1, 1, 0)] {
            let layer = try ConvTranspose2d(
                inChannels: 3, outChannels: 2, kernelSize: (k, k), stride: (s, s), padding: (p, p),
                outputPadding: (op, op), generator: &generator)
            try check(layer, input: [2, 3, 4, 5], seed: 5, label: "ConvTranspose2d k\(k) s\(s)")
        }
    }

    @Test func upsamplingActivationsPooling() throws {
        try check(try Upsample(scaleFactor: 2, mode: .nearest), input: [1, 2, 3, 4], seed: 7, label: "nearest")
        try check(try Upsample(scaleFactor: 3, mode: .zeros), input: [1, 2, 3, 4], seed: 7, label: "zeros")
        try check(try Upsample(scaleFactor: 2, mode: .bilinear), input: [1, 2, 3, 4], seed: 7, label: "bilinear")
        try check(
            try Upsample(scaleFactor: 2, mode: .bilinear, alignCorners: true), input: [1, 2, 3, 4], seed: 7,
            label: "bilinear ac")
        for activation in [Activation.relu, .tanh, .sigmoid, .silu, .leakyReLU(negativeSlope: 0.2)] {
            try check(activation, input: [2, 2, 3, 3], seed: 9, label: activation.typeName)
        }
        try check(try MaxPool2d(kernelSize: 2), input: [2, 2, 6, 6], seed: 11, label: "MaxPool2d")
        try check(
            try MaxPool2d(kernelSize: 3, stride: 2, padding: 1), input: [1, 2, 7, 6], seed: 12, label: "MaxPool2d s2 p1"
        )
    }

    @Test func batchNormTrainingAndEvaluation() throws {
        var bn = try BatchNorm2d(numFeatures: 3)
        try bn.setParameter("weight", Tensor(shape: [3], scalars: [0.5, 1.5, -1]))
        try bn.setParameter("bias", Tensor(shape: [3], scalars: [0.1, -0.2, 0.3]))
        try bn.setParameter("running_mean", Tensor(shape: [3], scalars: [0.2, -0.1, 0]))
        try bn.setParameter("running_var", Tensor(shape: [3], scalars: [1.5, 0.7, 1]))
        try check(bn, input: [3, 3, 4, 2], seed: 13, training: true, label: "BatchNorm2d train")
        try check(bn, input: [3, 3, 4, 2], seed: 13, training: false, label: "BatchNorm2d eval")
    }

    /// Running statistics follow PyTorch: momentum 0.1, unbiased variance.
    @Test func batchNormRunningStatistics() throws {
        let bn = try BatchNorm2d(numFeatures: 1)
        let x = try Tensor<Double>(shape: [2, 1, 1, 2], scalars: [1, 2, 3, 6])
        let cache = try bn.trainingForward(x).cache
        #expect(abs(Double(cache.updatedBuffers["running_mean"]!.scalars[0]) - 0.3) < 1e-6)  // 0.9·0 + 0.1·3
        #expect(abs(Double(cache.updatedBuffers["running_var"]!.scalars[0]) - (0.9 + 0.1 * 14.0 / 3)) < 1e-6)
    }

    /// A whole Sequential model: ∂(MSE)/∂input by backpropagation against finite differences.
    @Test func sequentialBackwardPass() throws {
        let model = try BuiltinModels.model(named: "e10-upconv-decoder", seed: 3)
        let x: Tensor<Double> = randomTensor([2, 3, 4, 4], seed: 20)
        let target: Tensor<Double> = randomTensor([2, 3, 64, 64], seed: 21)
        let pass = try model.backwardPass(x, target: target, training: false)
        for i in [0, 7, 31, 60, 95] {
            var plus = x, minus = x
            plus.scalars[i] += 1e-6
            minus.scalars[i] -= 1e-6
            let numeric =
                (try MSELoss().evaluate(try model.forward(plus), target).loss
                    - MSELoss().evaluate(try model.forward(minus), target).loss) / 2e-6
            #expect(abs(numeric - pass.inputGradients[0].scalars[i]) <= 1e-6 * max(1e-3, abs(numeric)) + 1e-9)
        }
    }
}

/// Optimiser steps against values computed by hand from torch.optim's update rules.
@Suite(.tags(.unit)) struct OptimizerTests {
    func oneParameterModel(_ value: Float) throws -> Sequential {
        var generator = SeededGenerator(seed: 1)
        var conv = try Conv2d(inChannels: 1, outChannels: 1, kernelSize: (1, 1), bias: false, generator: &generator)
        try conv.setParameter("weight", Tensor(shape: [1, 1, 1, 1], scalars: [value]))
        return Sequential(name: "one", inputChannels: 1, inputSize: (1, 1), layers: [NamedLayer("c", conv)])
    }

    func weight(_ m: Sequential) -> Double { Double(m.layers[0].layer.parameters[0].tensor.scalars[0]) }
    func gradient(_ g: Float) -> [[String: Tensor<Float>]] {
        [["weight": try! Tensor(shape: [1, 1, 1, 1], scalars: [g])]]
    }

    @Test func sgdWithMomentumAndWeightDecay() throws {
        var model = try oneParameterModel(1)
        var sgd = SGD(learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
        try sgd.step(&model, gradients: gradient(0.5))  // d = 0.5 + 0.01 = 0.51; buf = 0.51; w = 1 − 0.051
        #expect(abs(weight(model) - 0.949) < 1e-6)
        try sgd.step(&model, gradients: gradient(0.5))  // d = 0.5 + 0.00949; buf = 0.9·0.51 + 0.50949 = 0.96849
        #expect(abs(weight(model) - (0.949 - 0.096849)) < 1e-6)
    }

    @Test func adamFirstSteps() throws {
        var model = try oneParameterModel(1)
        var adam = Adam(learningRate: 0.01)
        try adam.step(&model, gradients: gradient(2))  // m̂ = 2, v̂ = 4: step = lr·2/(2 + 1e-8) ≈ 0.01
        #expect(abs(weight(model) - 0.99) < 1e-6)
        try adam.step(&model, gradients: gradient(-1))
        // m = 0.9·0.2 − 0.1 = 0.08, v = 0.999·0.004 + 0.001 = 0.004996; m̂ = 0.08/0.19, v̂ = 0.004996/0.001999
        let expected = 0.99 - 0.01 * (0.08 / 0.19) / ((0.004996 / 0.001999).squareRoot() + 1e-8)
        #expect(abs(weight(model) - expected) < 1e-6)
    }
}

/// Corollary 3.4 (Eq. 5) against the real change of T after an SGD step (docs/theory.md §3.4 testing recipe).
@Suite(.tags(.unit)) struct Corollary34Tests {
    /// Linear circular net with mixed widths and biases, in Float64: exact to rounding (docs/theory.md §12: about 1e-14).
    @Test func exactOnLinearCircularNets() throws {
        var generator = SeededGenerator(seed: 40)
        let widths = [2, 4, 3, 2]
        var layers: [NamedLayer] = []
        for l in 1..<widths.count {
            layers.append(
                NamedLayer(
                    "conv\(l)",
                    try Conv2d(
                        inChannels: widths[l - 1], outChannels: widths[l], kernelSize: (3, 3),
                        padding: (1, 1), paddingMode: .circular, generator: &generator)))
        }
        let model = Sequential(name: "linear", inputChannels: 2, inputSize: (6, 7), layers: layers)
        let x: Tensor<Double> = randomTensor([2, 2, 6, 7], seed: 41)
        let target: Tensor<Double> = randomTensor([2, 2, 6, 7], seed: 42)
        let comparisons = try SpectralBackward.compare(model, input: x, target: target, learningRate: 0.01)
        #expect(comparisons.count == 3)
        for c in comparisons {
            #expect(c.relativeError < 1e-10, "\(c.layer): \(c.relativeError)")
            #expect(abs(c.similarity - 1) < 1e-9)
        }
    }

    /// With zero padding or ReLU, Eq. 5 is only an approximation: the error is visible but the maps stay similar.
    @Test func approximateWithZeroPaddingAndReLU() throws {
        let model = try BuiltinModels.model(named: "e4-zeros", seed: 1).truncated(after: "conv3")
        let x: Tensor<Double> = SyntheticImages.generate(
            .deadLeaves, count: 2, channels: 3, height: 8, width: 8, seed: 2
        ).converted()
        let target: Tensor<Double> = randomTensor([2, 16, 8, 8], seed: 3)
        let comparisons = try SpectralBackward.compare(model, input: x, target: target, learningRate: 0.01)
        #expect(comparisons.count == 3)
        #expect(comparisons.contains { $0.relativeError > 1e-3 })
        #expect(comparisons.allSatisfy { $0.similarity > 0.5 })
    }
}
