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
        var config = TrainingConfig(steps: steps, batchSize: min(16, images.batch), optimizer: "adam", learningRate: 2e-3)
        config.seed = settings.seed
        var trainer = try Trainer(model: untrained, data: images, config: config)
        while trainer.step < steps {
            try trainer.trainStep()
            context.progress("training ae-small, step \(trainer.step)/\(steps)")
        }
        trained = trainer.model
    }

    /// "ae-small after 300 Adam steps on 16 images 32x32".
    var setting: String { "ae-small after \(steps) Adam steps (lr 2e-3) on \(images.batch) images \(images.height)x\(images.width)" }
}
