import DecoderSpectra
import Foundation
import Testing

/// Training loop, checkpoints and resume (tiny settings: ae-small on 16×16 images).
@Suite(.tags(.unit)) struct TrainingTests {
    func trainer(steps: Int, optimizer: OptimizerKind = .adam) throws -> Trainer {
        let model = try BuiltinModels.model(named: "ae-small", seed: 1)
        let data = SyntheticImages.generate(.deadLeaves, count: 8, channels: 3, height: 16, width: 16, seed: 2)
        var config = TrainingConfig(steps: steps, batchSize: 4, optimizer: optimizer, learningRate: 3e-3)
        config.seed = 5
        config.momentum = optimizer == .sgd ? 0.9 : 0
        return try Trainer(model: model, data: data, config: config)
    }

    func weights(_ m: Sequential) -> [Float] { m.layers.flatMap { $0.layer.parameters.flatMap(\.tensor.scalars) } }

    @Test(arguments: OptimizerKind.allCases)
    func lossDecreasesAndRunsAreDeterministic(optimizer: OptimizerKind) throws {
        var a = try trainer(steps: 6, optimizer: optimizer), b = try trainer(steps: 6, optimizer: optimizer)
        for _ in 0..<6 {
            try a.trainStep()
            try b.trainStep()
        }
        #expect(a.losses == b.losses)
        #expect(weights(a.model) == weights(b.model))
        #expect(a.losses.last! < a.losses.first!)
    }

    /// Stopping, checkpointing and resuming gives bit-identical weights to an uninterrupted run.
    @Test func resumeFromCheckpointIsExact() throws {
        var straight = try trainer(steps: 6)
        for _ in 0..<6 { try straight.trainStep() }
        var first = try trainer(steps: 6)
        for _ in 0..<3 { try first.trainStep() }
        let folder = temporaryFolder().appendingPathComponent("checkpoint")
        try Checkpoint.write(first.checkpoint, model: first.model, to: folder)
        let (state, model) = try Checkpoint.read(folder)
        #expect(state.step == 3 && state.losses == first.losses)
        var resumed = try Trainer(resuming: state, model: model, data: first.data)
        for _ in 0..<3 { try resumed.trainStep() }
        #expect(resumed.losses == straight.losses)
        #expect(weights(resumed.model) == weights(straight.model))
    }

    @Test func corruptCheckpointsAreClearErrors() throws {
        var t = try trainer(steps: 2)
        try t.trainStep()
        let folder = temporaryFolder().appendingPathComponent("checkpoint")
        try Checkpoint.write(t.checkpoint, model: t.model, to: folder)
        let json = folder.appendingPathComponent("checkpoint.json")
        let original = try Data(contentsOf: json)
        try Data(original.prefix(original.count / 2)).write(to: json)
        #expect { _ = try Checkpoint.read(folder) } throws: {
            "\($0)".contains("checkpoint.json") && "\($0)".contains("corrupt")
        }
        try String(decoding: original, as: UTF8.self).replacingOccurrences(of: "\"step\" : 1", with: "\"step\" : 7")
            .write(to: json, atomically: true, encoding: .utf8)
        #expect { _ = try Checkpoint.read(folder) } throws: { "\($0)".contains("inconsistent") }
        try original.write(to: json)
        let weights = try FileManager.default.contentsOfDirectory(
            atPath: folder.appendingPathComponent("ae-small.weights").path
        ).sorted()
        try Data([1, 2, 3]).write(to: folder.appendingPathComponent("ae-small.weights/\(weights[0])"))
        #expect { _ = try Checkpoint.read(folder) } throws: { "\($0)".contains(weights[0]) }
    }

    @Test func badSettingsAreRefused() throws {
        let model = try BuiltinModels.model(named: "ae-small")
        let data = SyntheticImages.generate(.pinkNoise, count: 2, channels: 3, height: 16, width: 16, seed: 1)
        // An optimiser outside the set cannot be built, nor read from a checkpoint's configuration.
        var config =
            try JSONSerialization.jsonObject(
                with: try JSONEncoder().encode(
                    TrainingConfig(steps: 1, batchSize: 1, optimizer: .sgd, learningRate: 0.1)))
            as! [String: Any]
        config["optimizer"] = "rmsprop"
        let tampered = try JSONSerialization.data(withJSONObject: config)
        #expect(throws: DecodingError.self) { _ = try JSONDecoder().decode(TrainingConfig.self, from: tampered) }
        #expect(throws: SpectraError.self) {
            _ = try Trainer(
                model: model, data: data,
                config: TrainingConfig(steps: 0, batchSize: 1, optimizer: .sgd, learningRate: 0.1))
        }
        #expect(throws: SpectraError.self) {
            _ = try Trainer(
                model: model, data: Tensor(zeros: [2, 1, 16, 16]),
                config: TrainingConfig(steps: 1, batchSize: 1, optimizer: .sgd, learningRate: 0.1))
        }
    }

    /// Band errors: a perfect reconstruction has none; a blurred one errs more at high frequencies.
    @Test func bandErrorsSeparateFrequencies() throws {
        let x = SyntheticImages.generate(.deadLeaves, count: 2, channels: 3, height: 16, width: 16, seed: 3)
        let target = FFT2D.forward(x)
        #expect(TrainingSnapshot.bandErrors(target, target: target).allSatisfy { $0 == 0 })
        let blurred = FFT2D.forward(
            try Upsample(scaleFactor: 2, mode: .nearest).forward(try MaxPool2d(kernelSize: 2).forward(x)))
        let errors = TrainingSnapshot.bandErrors(blurred, target: target)
        #expect(errors[0] < errors[2])
    }
}

/// ONNX chains convert to Sequential models (and so can be trained); graphs with branches are refused by name.
@Suite(.tags(.unit)) struct ONNXConversionTests {
    @Test func chainsConvertAndAgreeWithTheGraph() throws {
        for name in ["dcgan", "upconv"] {
            let folder = fixturesURL.appendingPathComponent("onnx/\(name)")
            let graph = try ModelGraph.load(onnx: folder.appendingPathComponent("model.onnx"))
            let sequential = try graph.asSequential()
            let x = try Tensor<Float>.readNpy(folder.appendingPathComponent("input.npy"))
            guard case let .real(expected)? = try graph.run(x)[graph.outputs[0]] else {
                Issue.record("no output")
                continue
            }
            #expect(maxRelativeDifference(try sequential.forward(x).scalars, expected.scalars) < 1e-6)
            _ = try sequential.backwardPass(x, target: try sequential.forward(x))
        }
    }

    @Test func branchesAreRefused() throws {
        let graph = try ModelGraph.load(onnx: fixturesURL.appendingPathComponent("onnx/residual/model.onnx"))
        #expect { _ = try graph.asSequential() } throws: { "\($0)".contains("node") }
        // Backpropagation on the graph itself names the first node that has no backward pass.
        let x = try Tensor<Float>.readNpy(fixturesURL.appendingPathComponent("onnx/residual/input.npy"))
        #expect { _ = try graph.backwardPass(x, target: try graph.forward(x)) } throws: { "\($0)".contains("node") }
    }

    /// Training runs on the graph engine: the imported ONNX graph (its own node names, weights as constants, any
    /// identity nodes) gives the same loss and gradients as its conversion to a chain, in Double to rounding.
    @Test func importedChainsBackpropagateOnTheirGraph() throws {
        for name in ["dcgan", "upconv"] {
            let folder = fixturesURL.appendingPathComponent("onnx/\(name)")
            let graph = try ModelGraph.load(onnx: folder.appendingPathComponent("model.onnx"))
            let sequential = try graph.asSequential()
            let x = try Tensor<Float>.readNpy(folder.appendingPathComponent("input.npy")).converted(to: Double.self)
            let target = try sequential.forward(x).scalars.map { $0 * 0.5 }
            let y = try Tensor(shape: try sequential.forward(x).shape, scalars: target)
            let onGraph = try graph.backwardPass(x, target: y)
            let onChain = try sequential.backwardPass(x, target: y)
            #expect(abs(onGraph.loss - onChain.loss) <= 1e-12 * onChain.loss)
            let graphGradients = onGraph.parameterGradients.filter { !$0.isEmpty }
            #expect(graphGradients.count == onChain.parameterGradients.filter { !$0.isEmpty }.count)
            for (a, b) in zip(graphGradients, onChain.parameterGradients.filter { !$0.isEmpty }) {
                #expect(Set(a.keys) == Set(b.keys))
                for (key, gradient) in a {
                    #expect(maxRelativeDifference(gradient.scalars, b[key]!.scalars) < 1e-12, "\(name) \(key)")
                }
            }
        }
    }
}
