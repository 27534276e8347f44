import ComplexModule
import Dispatch
import Foundation
import SpectraAnalysis
import SpectraCore
import SpectraIO
import SpectraNetwork

/// Timings of the hot paths next to the bare library calls they are built on, measured in the same run
/// (`decoder-spectra bench`). Each time is the minimum over `repeats` runs, in seconds.
public enum Benchmark {
    /// The timings of one model at one size (milliseconds, the minimum over the repeats) and the reference rates
    /// measured in the same run (bare sgemm, bare FFTW plan executions).
    public struct Result: Codable, Sendable {
        public var model: String
        public var inputShape: [Int]
        public var forwardSeconds: Double
        /// Conv2d layers only: our time, their FLOPs (2·D·C·kH·kW·Ho·Wo·B), and cblas_sgemm alone on the same shapes.
        public var convSeconds: Double
        public var convGFLOPS: Double
        public var sgemmGFLOPS: Double
        /// FFT of every layer's output through FFT2D, and the bare FFTW plan executions on the same data.
        public var fftSeconds: Double
        public var bareFFTSeconds: Double
        /// T(u,v) for every conv layer, and the frequency propagation of every layer with a rule.
        public var transferSeconds: Double
        public var propagationSeconds: Double
        /// The whole streamed analysis of the batch (trace, verification, accumulators), run as `analyze` runs it, to
        /// compare with forward + FFT of every layer (target: at most 2×).
        public var analysisSeconds: Double

        enum CodingKeys: String, CodingKey {
            case model
            case inputShape = "input_shape"
            case forwardSeconds = "forward_s"
            case convSeconds = "conv_s"
            case convGFLOPS = "conv_gflops"
            case sgemmGFLOPS = "sgemm_gflops"
            case fftSeconds = "fft_s"
            case bareFFTSeconds = "bare_fft_s"
            case transferSeconds = "transfer_s"
            case propagationSeconds = "propagation_s"
            case analysisSeconds = "analysis_s"
        }
    }

    /// Seconds taken by the fastest of `repeats` calls.
    public static func time(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
        var best = Double.infinity
        for _ in 0..<max(1, repeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return best
    }

    /// Times the forward pass, the FFTs, T(u,v), the frequency propagation and the whole analysis of `model` on
    /// `input` ([B, C, H, W]).
    ///
    /// - Parameters:
    ///   - model: the chain to time.
    ///   - input: the batch every measurement runs on.
    ///   - repeats: runs per measurement; the minimum is reported.
    /// - Returns: the timings and the reference rates.
    /// - Throws: what running the model throws (shape errors naming the layer).
    public static func run(model: Sequential, input: Tensor<Float>, repeats: Int = 3) throws -> Result {
        let outputs = try model.forwardCapturingAll(input)
        let forward = try time(repeats: repeats) { _ = try model.forward(input) }
        let inputs = [input] + outputs.dropLast()

        // Conv layers against sgemm on the same GEMM shapes.
        var convSeconds = 0.0, sgemmSeconds = 0.0, flops = 0.0
        for (index, named) in model.layers.enumerated() {
            guard let conv = named.layer as? Conv2d else { continue }
            let x = inputs[index], y = outputs[index]
            let (m, n, k) = (
                conv.outChannels, y.height * y.width, conv.inChannels * conv.kernelSize.height * conv.kernelSize.width
            )
            flops += 2 * Double(m * n * k * x.batch)
            convSeconds += try time(repeats: repeats) { _ = try conv.forward(x) }
            let a = [Float](repeating: 0.5, count: m * k), b = [Float](repeating: 0.25, count: k * n)
            var c = [Float](repeating: 0, count: m * n)
            sgemmSeconds += time(repeats: repeats) {
                for _ in 0..<x.batch {
                    Float.gemm(
                        transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n,
                        beta: 0, c: &c, ldc: n)
                }
            }
        }

        // FFT through our path (real -> complex, planned, threaded) against the bare plan executions.
        let fftSeconds = time(repeats: repeats) { for y in outputs { _ = FFT2D.forward(y) } }
        var buffers = outputs.map { y in y.scalars.map { Complex<Float>($0, 0) } }
        let bareFFTSeconds = time(repeats: repeats) {
            for (i, y) in outputs.enumerated() {
                let plane = y.height * y.width
                buffers[i].withUnsafeMutableBytes { raw in
                    for p in 0..<(y.batch * y.channels) {
                        let pointer = raw.baseAddress! + p * plane * MemoryLayout<Complex<Float>>.stride
                        let plan = FFTPlanCache.shared.plan(
                            Float.self, rows: y.height, columns: y.width, direction: .forward, alignedLike: pointer)
                        Float.fftExecute(plan, pointer)
                    }
                }
            }
        }

        let transferSeconds = time(repeats: repeats) {
            for (index, named) in model.layers.enumerated() {
                if let conv = named.layer as? Conv2d {
                    _ = conv.transferMatrices(rows: inputs[index].height, columns: inputs[index].width, as: Float.self)
                }
            }
        }
        let spectra = inputs.map { FFT2D.forward($0) }
        // As the tracer propagates: spectra of real maps (`HermitianSymmetry`: half the frequencies computed).
        let propagationSeconds = try time(repeats: repeats) {
            try HermitianSymmetry.assuming {
                for (index, named) in model.layers.enumerated() {
                    if case .unavailable = named.layer.spectralRule(for: inputs[index].shape) { continue }
                    _ = try named.layer.propagate(spectra[index])
                }
            }
        }
        // The analysis as `analyze` runs it: batches of the automatic size traced on all cores, OpenBLAS on one
        // thread per worker (the forward pass above uses all cores through OpenBLAS, the FFTs through their planes).
        let graph = ModelGraph(chain: model)
        let analysisSeconds = try time(repeats: repeats) {
            _ = try StreamingAnalysis.run(
                graph, batches: try InputBatches(.tensor(input), channels: nil, batchSize: nil), precision: Float.self,
                workers: ProcessInfo.processInfo.activeProcessorCount, singleThreadedBLAS: true)
        }
        return Result(
            model: model.name, inputShape: input.shape, forwardSeconds: forward, convSeconds: convSeconds,
            convGFLOPS: flops / convSeconds / 1e9, sgemmGFLOPS: flops / sgemmSeconds / 1e9,
            fftSeconds: fftSeconds, bareFFTSeconds: bareFFTSeconds,
            transferSeconds: transferSeconds, propagationSeconds: propagationSeconds, analysisSeconds: analysisSeconds)
    }
}
