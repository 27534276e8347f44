import ArgumentParser
import DecoderSpectra
import Foundation

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train an auto-encoder (target = input) with MSE; checkpoints, resume and spectrum snapshots.",
        discussion: """
            Writes into --out: checkpoint/ (model JSON + weights + optimiser state, replaced atomically), training.json \
            (the commands, the data source, loss per step; per snapshot p_low and the reconstruction error per frequency \
            band), snapshots/*.png (centred output spectra), figures/ (loss, band errors and p_low as PNG, SVG and CSV) \
            and report.html, all rewritten at every checkpoint. The same seed gives the same weights; --resume continues from checkpoint/.

            Examples:
              decoder-spectra train --model ae-small --steps 300 --batch-size 32 --lr 1e-3
              decoder-spectra train --model ae-small --data cifar-10-batches-bin/data_batch_1.bin --images 2048 --epochs 2
              decoder-spectra train --model ae-small --steps 600 --resume --out training-output
            """)

    @Option(help: "Model to train: built-in name, model JSON, or an .onnx file whose graph is a chain of layers.")
    var model: String = "ae-small"

    @Option(
        help:
            "Images: dead-leaves (default), pink-noise, white-noise, or a path (folder of PNG/JPEG/.npy, CIFAR-10 .bin, .npy). With --resume: the checkpoint's."
    )
    var data: String?

    @Option(
        name: [.customLong("images"), .customLong("limit")],
        help: "Number of training images (default 256). With --resume: the checkpoint's.")
    var images: Int?

    @Option(
        name: .customLong("size"),
        help: "Square image size, 32 or 32x32 (default: the model's input size). With --resume: the checkpoint's.")
    var sizeOption: SquareSize?
    var size: Int? { sizeOption?.side }

    @Option(help: "Number of optimisation steps.")
    var steps: Int?

    @Option(help: "Number of epochs (alternative to --steps).")
    var epochs: Int?

    @Option(help: "Images per step (default 32).")
    var batchSize: Int?

    @Option(help: "Learning rate.")
    var lr: Double = 1e-3

    @Option(help: "sgd or adam (default adam).")
    var optimizer: OptimizerKind?

    @Option(help: "SGD momentum.")
    var momentum: Double = 0.9

    @Option(help: "Weight decay (L2 added to the gradient, as torch.optim).")
    var weightDecay: Double = 0

    @Option(help: "Seed of weights, data and batch order (default 0). With --resume: the checkpoint's.")
    var seed: UInt64?

    @Option(help: "Write a checkpoint every N steps (and at the end).")
    var checkpointEvery: Int = 100

    @Option(help: "Record a spectrum snapshot every N steps (and at the start and end).")
    var snapshotEvery: Int = 50

    @Option(help: "Output folder.")
    var out: String = "training-output"

    @Flag(help: "Continue from --out/checkpoint.")
    var resume = false

    @Flag(help: "Replace a non-empty output folder (new runs).")
    var force = false

    @Flag(help: "Print training.json on stdout at the end.")
    var json = false

    @OptionGroup var figures: FigureOptions

    @OptionGroup var style: OutputStyle

    func validate() throws {
        guard (steps == nil) != (epochs == nil) || resume else {
            throw ValidationError("give exactly one of --steps and --epochs")
        }
        if let size, size < 4 || size > 2048 { throw ValidationError("--size must be between 4 and 2048") }
        if let images, images < 1 || images > 65536 { throw ValidationError("--images must be between 1 and 65536") }
        guard batchSize ?? 1 > 0, checkpointEvery > 0, snapshotEvery > 0 else {
            throw ValidationError("--batch-size, --checkpoint-every and --snapshot-every must be positive")
        }
        if let steps, steps <= 0 { throw ValidationError("--steps must be positive") }
        if let epochs, epochs <= 0 { throw ValidationError("--epochs must be positive") }
        if resume && force {
            throw ValidationError("--resume continues a run and --force replaces it: give one of them")
        }
    }

    typealias Log = TrainingLog

    func run() throws {
        try Console.run(style, pdf: figures.pdf) {
            let folder = URL(fileURLWithPath: out).standardizedFileURL
            let checkpointFolder = folder.appendingPathComponent("checkpoint")
            let lock = try OutputLock(for: folder)  // one run per output folder
            defer { lock.release() }
            var trainer: Trainer
            var log: Log
            var createdFolder = false
            if resume {
                let (state, saved) = try Checkpoint.read(checkpointFolder)
                var config = state.config
                try checkResumeFlags(against: config)
                let data = try loadData(
                    for: saved, source: config.data ?? .builtIn(.deadLeaves),
                    images: config.images ?? 256, size: config.size, seed: config.seed
                ).tensor
                if let steps { config.steps = max(steps, state.step) }
                var resumed = state
                resumed.config = config
                trainer = try Trainer(resuming: resumed, model: saved, data: data)
                log =
                    (try? JSONDecoder().decode(
                        Log.self, from: Data(contentsOf: folder.appendingPathComponent("training.json"))))
                    ?? Log(model: saved.name, commands: [], config: config, losses: state.losses, snapshots: [])
                log.config = config
                log.commands = (log.commands ?? []) + [invocation]
                Console.note("resuming \(saved.name) at step \(state.step) of \(config.steps)")
            } else {
                // Everything that can fail on bad input happens before the output folder is touched.
                let seed = self.seed ?? 0
                let network = try ModelGraph.load(model, seed: seed).asSequential()  // chains of layers only
                let (data, source) = try loadData(
                    for: network, source: self.data.map(DataSource.init) ?? .builtIn(.deadLeaves),
                    images: images ?? 256, size: size, seed: seed)
                let (batchSize, optimizer) = (self.batchSize ?? 32, self.optimizer ?? .adam)
                let perEpoch = max(1, data.batch / min(batchSize, data.batch))
                var config = TrainingConfig(
                    steps: steps ?? (epochs! * perEpoch), batchSize: batchSize, optimizer: optimizer, learningRate: lr)
                config.momentum = optimizer == .sgd ? momentum : 0
                config.weightDecay = weightDecay
                config.seed = seed
                (config.data, config.images, config.size) = (source, data.batch, data.height)
                trainer = try Trainer(model: network, data: data, config: config)
                log = Log(model: network.name, commands: [invocation], config: config, losses: [], snapshots: [])
                try prepare(folder)
                createdFolder = true
                // Until the first checkpoint exists, an interrupted or failed run leaves no folder behind.
                TemporaryPaths.shared.register(folder: folder.path)
            }
            do {
                try train(&trainer, &log, folder: folder, checkpointFolder: checkpointFolder, initialSnapshot: !resume)
            } catch {
                if createdFolder && !FileManager.default.fileExists(atPath: checkpointFolder.path) {
                    try? FileManager.default.removeItem(at: folder)
                }
                TemporaryPaths.shared.unregister(folder: folder.path)
                throw error
            }
            if json {
                try Console.printJSON(log)
            } else {
                print(
                    "trained \(log.model) for \(trainer.step) steps: loss \(String(format: "%.5f", log.losses.first ?? .nan)) -> "
                        + String(format: "%.5f", log.losses.last ?? .nan))
                print(
                    "results: \(folder.path)/report.html (open it in a browser), training.json, checkpoint in \(checkpointFolder.path), "
                        + "snapshots in \(folder.path)/snapshots")
            }
        }
    }

    /// The training loop: progress, snapshots, and checkpoints (after the first one, the folder is kept on failure).
    private func train(
        _ trainer: inout Trainer, _ log: inout Log, folder: URL, checkpointFolder: URL, initialSnapshot: Bool
    ) throws {
        if initialSnapshot { try snapshot(&trainer, &log, folder) }
        let start = Date(), firstStep = trainer.step
        while trainer.step < trainer.config.steps {
            // One BLAS thread: the convolutions' backward passes split the batch over the cores themselves (threaded
            // GEMMs on 32×32 maps spent more time handing work between threads than computing).
            let loss = try BLASInfo.withThreads(1) { try trainer.trainStep() }
            log.losses = trainer.losses
            let done = trainer.step - firstStep, elapsed = Date().timeIntervalSince(start)
            let rate = Double(done * trainer.config.batchSize) / max(elapsed, 1e-9)
            let eta = elapsed / Double(done) * Double(trainer.config.steps - trainer.step)
            Console.progress(
                step: trainer.step, of: trainer.config.steps,
                String(format: "loss %.5f, %.1f img/s, ETA %02d:%02d", loss, rate, Int(eta) / 60, Int(eta) % 60))
            if trainer.step % snapshotEvery == 0 || trainer.step == trainer.config.steps {
                try snapshot(&trainer, &log, folder)
            }
            if trainer.step % checkpointEvery == 0 || trainer.step == trainer.config.steps {
                try Checkpoint.write(trainer.checkpoint, model: trainer.model, to: checkpointFolder)
                try writeLog(log, into: folder)
                TemporaryPaths.shared.unregister(folder: folder.path)
            }
        }
        Console.endProgress()
    }

    /// training.json, the charts (PNG, SVG and CSV in figures/) and report.html, each replaced atomically.
    private func writeLog(_ log: Log, into folder: URL) throws {
        try AtomicFile.write(try JSONFormatting.encode(log), to: folder.appendingPathComponent("training.json"))
        let charts = log.charts
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("figures"), withIntermediateDirectories: true)
        try charts.loss.write(base: folder.appendingPathComponent("figures/loss"))
        try charts.bands.write(base: folder.appendingPathComponent("figures/band-errors"))
        try charts.pLow.write(base: folder.appendingPathComponent("figures/p-low"))
        try AtomicFile.write(HTMLReport.training(log, folder: folder), to: folder.appendingPathComponent("report.html"))
    }

    /// With --resume, the data flags may be left out (the checkpoint's are used) but may not contradict it.
    private func checkResumeFlags(against config: TrainingConfig) throws {
        var conflicts: [String] = []
        if let data, let recorded = config.data, DataSource(data).resolved != recorded {
            conflicts.append("--data \(data) (checkpoint: \(recorded))")
        }
        if let images, let recorded = config.images, images != recorded {
            conflicts.append("--images \(images) (checkpoint: \(recorded))")
        }
        if let size, let recorded = config.size, size != recorded {
            conflicts.append("--size \(size) (checkpoint: \(recorded))")
        }
        if let seed, seed != config.seed { conflicts.append("--seed \(seed) (checkpoint: \(config.seed))") }
        if let batchSize, batchSize != config.batchSize {
            conflicts.append("--batch-size \(batchSize) (checkpoint: \(config.batchSize))")
        }
        if let optimizer, optimizer != config.optimizer {
            conflicts.append("--optimizer \(optimizer.rawValue) (checkpoint: \(config.optimizer.rawValue))")
        }
        guard conflicts.isEmpty else {
            throw ValidationError(
                "--resume continues the checkpoint's run; these flags contradict it: "
                    + conflicts.joined(separator: ", ")
                    + ". Leave them out, or start a new run with --force.")
        }
    }

    private func prepare(_ folder: URL) throws {
        let fm = FileManager.default
        if let contents = try? fm.contentsOfDirectory(atPath: folder.path), !contents.isEmpty {
            guard force else {
                throw SpectraError.invalidFile(
                    file: folder.path, reason: "output folder is not empty (use --force to replace it, or --resume)")
            }
            try? fm.removeItem(at: folder)
        }
        do { try fm.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw SpectraError.invalidFile(
                file: folder.path, reason: "cannot create folder: \(error.localizedDescription)")
        }
    }

    /// The training images and the source as checkpoints record it (a path made absolute).
    private func loadData(
        for network: Sequential, source: DataSource, images: Int, size: Int?, seed: UInt64
    ) throws -> (tensor: Tensor<Float>, source: DataSource) {
        let side = size ?? network.inputSize.height
        let tensor = try source.load(
            count: images, channels: network.inputChannels, height: side, width: side, seed: seed)
        return (tensor, source.resolved)
    }

    /// Reconstruction of the first 8 images in evaluation mode: spectrum figure, p_low and band errors.
    private func snapshot(_ trainer: inout Trainer, _ log: inout Log, _ folder: URL) throws {
        let fixed = trainer.data.batchSlice(0..<min(8, trainer.data.batch))
        let output = FFT2D.forward(try trainer.model.forward(fixed))
        let target = FFT2D.forward(fixed)
        let name = String(format: "snapshots/step-%06d.png", trainer.step)
        let figure = SpectrumFigure.heatmap(
            magnitudes: SpectrumStatistics.meanMagnitudeMap(output), rows: output.rows, columns: output.columns,
            title: "Output spectrum at step \(trainer.step)")
        try figure.writePNG(to: folder.appendingPathComponent(name))
        log.snapshots.append(
            TrainingSnapshot(
                step: trainer.step, loss: trainer.losses.last,
                pLow: SpectrumStatistics.lowFrequencyRatio(output),
                bandErrors: TrainingSnapshot.bandErrors(output, target: target), figure: name))
    }
}

extension OptimizerKind: ExpressibleByArgument {}
