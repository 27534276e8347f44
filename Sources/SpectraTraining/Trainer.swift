import Dispatch
import Foundation
import SpectraCore
import SpectraIO
import SpectraNetwork

/// The settings of a training run (written into every checkpoint).
public struct TrainingConfig: Codable, Sendable, Equatable {
    /// Optimiser steps to run (in all, counting steps already done when resuming).
    public var steps: Int
    /// Images per step.
    public var batchSize: Int
    /// SGD or Adam.
    public var optimizer: OptimizerKind
    /// The optimiser's learning rate.
    public var learningRate: Double
    /// SGD's momentum (torch.optim.SGD's default 0).
    public var momentum: Double = 0
    /// L2 weight decay added to the gradients (default 0).
    public var weightDecay: Double = 0
    /// The seed of the batch order.
    public var seed: UInt64 = 0
    /// Where the images came from (a built-in generator name or an absolute path), how many, and their square size:
    /// recorded so that `--resume` continues on the same data (nil in checkpoints of version 0.1 runs).
    public var data: DataSource?
    public var images: Int?
    public var size: Int?

    /// A training run: `steps` optimiser steps on mini-batches of `batchSize` images.
    public init(steps: Int, batchSize: Int, optimizer: OptimizerKind, learningRate: Double) {
        (self.steps, self.batchSize, self.optimizer, self.learningRate) = (steps, batchSize, optimizer, learningRate)
    }
}

/// A saved training state: the model (a model JSON + weights folder beside it), the optimiser state, and the
/// progress. Written through a staged folder, so a crash never leaves a half-written checkpoint.
public struct Checkpoint: Codable, Sendable {
    public var format = "decoder-spectra-checkpoint"
    public var version = 1
    /// Steps done.
    public var step: Int
    public var config: TrainingConfig
    /// The loss of every step done.
    public var losses: [Double]
    public var sgd: SGD?
    public var adam: Adam?
    /// The model file saved beside the checkpoint (relative to its folder).
    public var modelFile: String

    enum CodingKeys: String, CodingKey {
        case format, version, step, config, losses, sgd, adam
        case modelFile = "model_file"
    }

    /// Writes `model` and the state into `folder` (replaced atomically).
    public static func write(_ state: Checkpoint, model: Sequential, to folder: URL) throws {
        let staged = try StagedDirectory(folder, force: true)
        var state = state
        state.modelFile = try ModelFile.save(model, to: staged.staging).lastPathComponent
        try AtomicFile.write(try JSONFormatting.encode(state), to: staged.url("checkpoint.json"))
        try staged.commit()
    }

    /// Reads a checkpoint folder; every problem is an error naming the file.
    public static func read(_ folder: URL) throws -> (Checkpoint, Sequential) {
        let url = folder.appendingPathComponent("checkpoint.json")
        let state: Checkpoint
        do {
            state = try JSONDecoder().decode(Checkpoint.self, from: Data(contentsOf: url))
        } catch let error as DecodingError {
            throw SpectraError.invalidFile(file: url.path, reason: "corrupt checkpoint: \(ModelFile.describe(error))")
        } catch {
            throw SpectraError.invalidFile(
                file: url.path, reason: "cannot read the checkpoint: \(error.localizedDescription)")
        }
        guard state.format == "decoder-spectra-checkpoint", state.version == 1, state.step >= 0,
            state.step <= state.config.steps,
            state.losses.count == state.step, (state.sgd != nil) != (state.adam != nil)
        else {
            throw SpectraError.invalidFile(
                file: url.path, reason: "inconsistent checkpoint (format, step, losses or optimiser)")
        }
        let modelURL: URL
        do { modelURL = try SafePath.resolve(state.modelFile, inside: folder, what: "'model_file'") } catch {
            throw SpectraError.invalidFile(file: url.path, reason: "\(error)")
        }
        return (state, try ModelFile.load(modelURL))
    }

    package init(
        step: Int, config: TrainingConfig, losses: [Double], sgd: SGD? = nil, adam: Adam? = nil, modelFile: String
    ) {
        self.step = step
        self.config = config
        self.losses = losses
        self.sgd = sgd
        self.adam = adam
        self.modelFile = modelFile
    }
}

/// Mini-batch training of an auto-encoder (target = input) with MSE, in Float32. Deterministic: the batch order
/// comes from the seed, so the same seed (and the same resume point) gives the same weights.
public struct Trainer {
    public private(set) var model: Sequential
    public let data: Tensor<Float>
    public let config: TrainingConfig
    public private(set) var step = 0
    public private(set) var losses: [Double] = []
    var sgd: SGD?
    var adam: Adam?

    /// A trainer of `model` to reconstruct `data` ([N, C, H, W]) with the MSE loss.
    ///
    /// - Throws: `SpectraError.invalidInput` when the data do not fit the model or the configuration is invalid.
    public init(model: Sequential, data: Tensor<Float>, config: TrainingConfig) throws {
        guard config.steps > 0, config.batchSize > 0, config.learningRate > 0, config.learningRate.isFinite else {
            throw SpectraError.invalidInput("steps, batch size and learning rate must be positive")
        }
        guard data.rank == 4, data.batch > 0 else {
            throw SpectraError.invalidInput("training data must be a non-empty [N, C, H, W] batch")
        }
        try data.checkFinite("training data")
        let outputShape = try model.shapes(for: data.shape).last ?? data.shape
        guard outputShape == data.shape else {
            throw SpectraError.shapeMismatch(
                layer: "output of \(model.name)",
                expected: "\(describeShape(data.shape)) (an auto-encoder reconstructs its input, target = input)",
                got: outputShape)
        }
        self.model = model
        self.data = data
        self.config = config
        switch config.optimizer {
        case .sgd:
            sgd = SGD(learningRate: config.learningRate, momentum: config.momentum, weightDecay: config.weightDecay)
        case .adam: adam = Adam(learningRate: config.learningRate, weightDecay: config.weightDecay)
        }
    }

    /// Continues from a checkpoint of the same configuration.
    public init(resuming checkpoint: Checkpoint, model: Sequential, data: Tensor<Float>) throws {
        try self.init(model: model, data: data, config: checkpoint.config)
        step = checkpoint.step
        losses = checkpoint.losses
        sgd = checkpoint.sgd
        adam = checkpoint.adam
    }

    public var checkpoint: Checkpoint {
        Checkpoint(step: step, config: config, losses: losses, sgd: sgd, adam: adam, modelFile: "")
    }

    /// The images of step `s`: a fresh seeded permutation every epoch, taken in order.
    func batchIndices(step s: Int) -> [Int] {
        let count = data.batch, per = min(config.batchSize, count)
        let batchesPerEpoch = max(1, count / per)
        let epoch = s / batchesPerEpoch, position = s % batchesPerEpoch
        var generator = SeededGenerator(seed: config.seed &+ UInt64(epoch) &* 0x9E37_79B9)
        var order = Array(0..<count)
        for i in stride(from: count - 1, to: 0, by: -1) { order.swapAt(i, Int(generator.next() % UInt64(i + 1))) }
        return Array(order[(position * per)..<((position + 1) * per)])
    }

    func batch(_ indices: [Int]) -> Tensor<Float> {
        let per = data.count / data.batch
        var scalars: [Float] = []
        scalars.reserveCapacity(indices.count * per)
        for i in indices { scalars += data.scalars[(i * per)..<((i + 1) * per)] }
        var shape = data.shape
        shape[0] = indices.count
        return try! Tensor(shape: shape, scalars: scalars)
    }

    /// One optimisation step; returns the loss before the update.
    @discardableResult
    public mutating func trainStep() throws -> Double {
        let x = batch(batchIndices(step: step))
        let pass = try model.backwardPass(x, target: x, loss: MSELoss(), training: true)
        guard pass.loss.isFinite else {
            throw SpectraError.invalidInput(
                "the loss became \(pass.loss) at step \(step + 1) (learning rate too large?)")
        }
        try model.apply(buffers: pass.updatedBuffers)
        if sgd != nil { try sgd!.step(&model, gradients: pass.parameterGradients) }
        if adam != nil { try adam!.step(&model, gradients: pass.parameterGradients) }
        step += 1
        losses.append(pass.loss)
        return pass.loss
    }
}
