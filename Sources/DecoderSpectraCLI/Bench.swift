import ArgumentParser
import DecoderSpectra
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time the forward pass, FFTs, T(u,v) construction and frequency propagation of built-in models.",
        discussion: """
            Run on a release build (make bench). Each row compares our conv layers with cblas_sgemm on the same GEMM \
            shapes, and our FFT path with the bare FFTW plan executions, in the same run. Targets: conv ≥ 50% of the \
            sgemm rate; FFT path ≤ 1.3x bare FFTW. Sizes are output sizes; upsampling decoders get the input that \
            produces them.

            Examples:
              decoder-spectra bench
              decoder-spectra bench --models e4-zeros --sizes 64 --batch 8 --json
            """)

    @Option(help: "Comma-separated built-in model names.")
    var models: String = "e1-relu-zeros,e4-zeros,e10-upconv-decoder"

    @Option(help: "Comma-separated output sizes (square).")
    var sizes: String = "64,128"

    @Option(help: "Batch size.")
    var batch: Int = 32

    @Option(help: "Repeats per measurement (the minimum is reported).")
    var repeats: Int = 3

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var style: OutputStyle

    func run() throws {
        try Console.run(style) {
            #if DEBUG
            Console.note("warning: this is a debug build; timings are not representative (use make bench)")
            #endif
            let sizeList = sizes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !sizeList.isEmpty, sizeList.allSatisfy({ $0 > 0 }), batch > 0 else {
                throw SpectraError.invalidInput("--sizes must list positive integers and --batch be positive")
            }
            Console.note(
                "OpenBLAS \(BLASInfo.configuration), kernel \(BLASInfo.coreName), \(BLASInfo.threads) threads; "
                    + "\(ProcessInfo.processInfo.activeProcessorCount) cores")
            var results: [Benchmark.Result] = []
            for name in models.split(separator: ",").map(String.init) {
                let model = try BuiltinModels.model(named: name)
                for size in sizeList {
                    let scale = try upsamplingFactor(model)
                    guard size % scale == 0 else { continue }
                    let input = SyntheticImages.generate(
                        .pinkNoise, count: batch, channels: model.inputChannels,
                        height: size / scale, width: size / scale, seed: 1)
                    Console.progress("bench \(name) at \(size)x\(size), batch \(batch)")
                    results.append(try Benchmark.run(model: model, input: input, repeats: repeats))
                }
            }
            // One training step of the scaled auto-encoder (forward, backward, Adam) at batch `batch`, 32×32.
            let ae = try BuiltinModels.model(named: "ae-small")
            let images = SyntheticImages.generate(
                .deadLeaves, count: batch, channels: 3, height: 32, width: 32, seed: 1)
            // Timed as the PyTorch peer times it (`torch_peer.py train`): 5 warm-up steps, then the mean of 30.
            let (warmUp, timed) = (5, 30)
            var trainer = try Trainer(
                model: ae, data: images,
                config: TrainingConfig(
                    steps: warmUp + timed, batchSize: batch, optimizer: .adam, learningRate: 1e-3))
            // As `train` runs it: one BLAS thread, the backward passes split the batch over the cores.
            let stepSeconds = try BLASInfo.withThreads(1) {
                for _ in 0..<warmUp { try trainer.trainStep() }
                let start = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<timed { try trainer.trainStep() }
                return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(timed)
            }
            Console.endProgress()
            if json {
                struct Report: Encodable {
                    let models: [Benchmark.Result]
                    let trainingStepSeconds: Double
                    enum CodingKeys: String, CodingKey {
                        case models
                        case trainingStepSeconds = "training_step_ae_small_s"
                    }
                }
                try Console.printJSON(Report(models: results, trainingStepSeconds: stepSeconds))
                return
            }
            print(
                "model                input              forward   conv      conv GF/s  sgemm GF/s  ratio  fft       bare fft  ratio  "
                    + "T(u,v)    propagate  analysis  /(fwd+fft)")
            for r in results {
                print(
                    col(r.model, 21) + col(describeShape(r.inputShape), 19) + col(ms(r.forwardSeconds), 10)
                        + col(ms(r.convSeconds), 10) + col(String(format: "%.1f", r.convGFLOPS), 11)
                        + col(String(format: "%.1f", r.sgemmGFLOPS), 12)
                        + col(String(format: "%.2f", r.convGFLOPS / r.sgemmGFLOPS), 7)
                        + col(ms(r.fftSeconds), 10) + col(ms(r.bareFFTSeconds), 10)
                        + col(String(format: "%.2f", r.fftSeconds / r.bareFFTSeconds), 7)
                        + col(ms(r.transferSeconds), 10) + col(ms(r.propagationSeconds), 11)
                        + col(ms(r.analysisSeconds), 10)
                        + String(format: "%.2f", r.analysisSeconds / (r.forwardSeconds + r.fftSeconds)))
            }
            print("targets: conv/sgemm >= 0.50, fft/bare <= 1.30, analysis/(forward + fft) <= 2")
            print(
                "training step, ae-small, batch \(batch), 32x32, Adam: \(ms(stepSeconds)) (\(String(format: "%.0f", Double(batch) / stepSeconds)) images/s)"
            )
        }
    }

    private func upsamplingFactor(_ model: Sequential) throws -> Int {
        let shapes = try model.shapes(for: [1, model.inputChannels, 8, 8])
        return shapes.last![2] / 8
    }

    private func ms(_ seconds: Double) -> String { String(format: "%.1f ms", seconds * 1000) }
    private func col(_ text: String, _ width: Int) -> String {
        text.padding(toLength: max(width, text.count + 1), withPad: " ", startingAt: 0)
    }
}
