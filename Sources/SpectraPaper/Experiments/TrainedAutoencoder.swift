import Foundation
import SpectraCore
import SpectraNetwork
import SpectraTraining

/// ae-small before and after training on the experiment's images with Adam: the "after training" readings of E1
/// (the fit of the frequency rules at each decoder convolution) and E10 (the repeat grid at each decoder stage). The
/// paper does not say whether the E1 nets were trained; its Fig. 1b decoder was trained briefly. `experiment all` runs
/// both: the trained network is kept for the process, keyed by everything that determines it, and trained once.
struct TrainedAutoencoder {
    let untrained: Sequential
    let trained: Sequential
    let steps: Int
    let images: Tensor<Float>

    init(context: ExperimentContext, size: Int = 32) throws {
        let settings = context.settings
        steps = settings.quick ? 40 : settings.full ? 1000 : 300
        images = try context.input(channels: 3, size: size)
        untrained = try context.model("ae-small")
        let key = "\(settings.data)|\(settings.seed)|\(images.shape)|\(steps)"
        if let cached = Self.cache.model(for: key) {
            trained = cached
        } else {
            trained = try Self.train(images, steps: steps, draw: 0, label: "training ae-small", context: context).model
            Self.cache.store(trained, for: key)
        }
    }

    /// Trained networks of this process by data source, seed, image shape and steps (the images and weights follow).
    private static let cache = Cache()

    private final class Cache: @unchecked Sendable {
        private let lock = NSLock()
        private var models: [String: Sequential] = [:]

        func model(for key: String) -> Sequential? {
            lock.lock()
            defer { lock.unlock() }
            return models[key]
        }

        func store(_ model: Sequential, for key: String) {
            lock.lock()
            models[key] = model
            lock.unlock()
        }
    }

    /// Trains weight draw `draw` of ae-small on `data` as every experiment that trains it does: MSE, Adam at lr 2e-3,
    /// batches of up to 16, batch order from seed + draw. `afterStep` sees the trainer after each step.
    static func train(
        _ data: Tensor<Float>, steps: Int, draw: Int, label: String, context: ExperimentContext,
        afterStep: (Trainer) throws -> Void = { _ in }
    ) throws -> Trainer {
        var config = TrainingConfig(steps: steps, batchSize: min(16, data.batch), optimizer: .adam, learningRate: 2e-3)
        config.seed = context.settings.seed &+ UInt64(draw)
        var trainer = try Trainer(model: try context.model("ae-small", draw: draw), data: data, config: config)
        while trainer.step < steps {
            try trainer.trainStep()
            try afterStep(trainer)
            context.progress("\(label): step \(trainer.step)/\(steps), loss \(format(trainer.losses.last!))")
        }
        return trainer
    }

    /// "ae-small after 300 Adam steps on 16 images 32x32".
    var setting: String {
        "ae-small after \(steps) Adam steps (lr 2e-3) on \(images.batch) images \(images.height)x\(images.width)"
    }
}
