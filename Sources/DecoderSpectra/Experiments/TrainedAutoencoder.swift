/// ae-small before and after training on the experiment's images with Adam: the "after training" readings of E1
/// (the fit of the frequency rules at each decoder convolution) and E10 (the repeat grid at each decoder stage). The
/// paper does not say whether the E1 nets were trained; its Fig. 1b decoder was trained briefly.
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
        trained = try Self.train(images, steps: steps, draw: 0, label: "training ae-small", context: context).model
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
