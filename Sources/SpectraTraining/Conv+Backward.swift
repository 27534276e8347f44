import Foundation
import SpectraCore
import SpectraNetwork

extension Conv2d: TrainableLayer {
    /// The forward pass of training, split by images over the cores as the backward pass is (with OpenBLAS on one
    /// thread, as `train` runs it, a single forward pass would use one core).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func trainingForward<S: TensorScalar>(_ x: Tensor<S>) throws -> (output: Tensor<S>, cache: LayerCache<S>) {
        let parts = trainingParts(batch: x.batch)
        guard parts > 1 else { return (try forward(x), LayerCache(input: x)) }
        var output = Tensor<S>(zeros: try outputShape(for: x.shape))
        let perImage = output.count / x.batch
        var failures = [Error?](repeating: nil, count: parts)
        output.scalars.withUnsafeMutableBufferPointer { out in
            failures.withUnsafeMutableBufferPointer { errors in
                // Each part writes the outputs of its own images, and its own error slot.
                let shared = UncheckedSendable((out.baseAddress!, errors.baseAddress!))
                DispatchQueue.concurrentPerform(iterations: parts) { part in
                    let (target, slots) = shared.value
                    let images = (x.batch * part / parts)..<(x.batch * (part + 1) / parts)
                    do {
                        let y = try forward(x.batchSlice(images))
                        y.scalars.withUnsafeBufferPointer {
                            (target + images.lowerBound * perImage).update(from: $0.baseAddress!, count: y.count)
                        }
                    } catch { slots[part] = error }
                }
            }
        }
        if let failure = failures.compactMap({ $0 }).first { throw failure }
        return (output, LayerCache(input: x))
    }

    /// Parts the images of a batch are split into for training: one per core with OpenBLAS on one thread, else one
    /// (threaded GEMMs and parts competing for the cores measured 5× slower).
    func trainingParts(batch: Int) -> Int {
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        return min(batch, max(1, TrainingParallelism.imageParts ?? (BLASInfo.threads == 1 ? cores : 1)))
    }

    /// Per image: dW += gy·colsᵀ, dcols = Wᵀ·gy, scattered back through im2col and the padding index maps
    /// (wrapped, reflected or replicated positions accumulate into their source pixels; zero padding drops).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func backward<S: TensorScalar>(
        _ gradOutput: Tensor<S>, cache: LayerCache<S>
    ) throws -> (input: Tensor<S>, parameters: [String: Tensor<S>]) {
        let x = cache.input
        let outShape = try checkedGradientShape(gradOutput, for: x)
        let rows = paddedIndexMap(size: x.height, before: padding.height, after: padding.height, mode: paddingMode)
        let cols = paddedIndexMap(size: x.width, before: padding.width, after: padding.width, mode: paddingMode)
        let (outH, outW, kH, kW) = (outShape[2], outShape[3], kernelSize.height, kernelSize.width)
        let patch = inChannels * kH * kW, pixels = outH * outW
        let weights = weight.converted(to: S.self).scalars
        var gradInput = Tensor<S>(zeros: x.shape)
        let inPlane = inChannels * x.height * x.width
        // Images are split into parts run on separate cores (`trainingParts`), each with its own buffers and
        // weight-gradient partial; the partials are summed in part order, so the result does not depend on
        // scheduling. Every part writes the input gradients of its own images only.
        let parts = trainingParts(batch: x.batch)
        let partials = PartialSums<S>(count: parts)
        gradInput.scalars.withUnsafeMutableBufferPointer { gradInputBuffer in
            // Each part writes the input gradients of its own images only.
            let shared = UncheckedSendable(gradInputBuffer.baseAddress!)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let gi = shared.value
                var gradWeight = [S](repeating: 0, count: outChannels * patch)
                var padded = [S](repeating: 0, count: inChannels * rows.count * cols.count + kW)
                var columns = [S](repeating: 0, count: patch * pixels), gradColumns = columns
                let (pH, pW) = (rows.count, cols.count)
                var gradPadded = [S](repeating: 0, count: inChannels * pH * pW)
                for b in (x.batch * part / parts)..<(x.batch * (part + 1) / parts) {
                    x.scalars.withUnsafeBufferPointer { input in
                        padded.withUnsafeMutableBufferPointer { pad in
                            fillPadded(
                                input.baseAddress! + b * inPlane, channels: inChannels, height: x.height,
                                width: x.width,
                                rows: rows, cols: cols, into: pad.baseAddress!)
                            columns.withUnsafeMutableBufferPointer { col in
                                im2col(
                                    pad.baseAddress!, paddedH: rows.count, paddedW: cols.count, outH: outH, outW: outW,
                                    into: col.baseAddress!)
                            }
                        }
                    }
                    gradOutput.scalars.withUnsafeBufferPointer { gy in
                        let g = gy.baseAddress! + b * outChannels * pixels
                        S.gemm(
                            transA: false, transB: true, m: outChannels, n: patch, k: pixels, alpha: 1, a: g,
                            lda: pixels,
                            b: columns, ldb: pixels, beta: 1, c: &gradWeight, ldc: patch)
                        S.gemm(
                            transA: true, transB: false, m: patch, n: pixels, k: outChannels, alpha: 1, a: weights,
                            lda: patch,
                            b: g, ldb: pixels, beta: 0, c: &gradColumns, ldc: pixels)
                    }
                    // col2im into the padded gradient, then fold the padding back onto the input pixels.
                    gradPadded.withUnsafeMutableBufferPointer { gp in
                        for i in 0..<gp.count { gp[i] = 0 }
                        gradColumns.withUnsafeBufferPointer { gc in
                            var row = 0
                            for c in 0..<inChannels {
                                for t in 0..<kH {
                                    for s in 0..<kW {
                                        for oy in 0..<outH {
                                            let target = (c * pH + oy * stride.height + t) * pW + s,
                                                source = row * pixels + oy * outW
                                            // Wrapping index arithmetic (the indices are in range by construction):
                                            // overflow checks kept this loop from vectorising.
                                            let (to, from, step) = (
                                                gp.baseAddress! + target, gc.baseAddress! + source, stride.width
                                            )
                                            for ox in 0..<outW { to[ox &* step] += from[ox] }
                                        }
                                        row += 1
                                    }
                                }
                            }
                        }
                        rows.withUnsafeBufferPointer { rowSources in
                            cols.withUnsafeBufferPointer { columnSources in
                                for c in 0..<inChannels {
                                    let base = (b * inChannels + c) * x.height
                                    for y in 0..<rowSources.count where rowSources[y] >= 0 {
                                        let to = gi + (base + rowSources[y]) * x.width,
                                            from = gp.baseAddress! + (c * pH + y) * pW
                                        for xx in 0..<columnSources.count where columnSources[xx] >= 0 {
                                            to[columnSources[xx]] += from[xx]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                partials.set(part, gradWeight)
            }
        }
        let sums = partials.values
        var gradWeight = sums[0]
        for partial in sums.dropFirst() {
            gradWeight.withUnsafeMutableBufferPointer { total in
                partial.withUnsafeBufferPointer { part in for i in 0..<total.count { total[i] += part[i] } }
            }
        }
        var parameters = ["weight": try Tensor(shape: weight.shape, scalars: gradWeight)]
        if bias != nil { parameters["bias"] = channelSums(gradOutput) }
        return (gradInput, parameters)
    }
}

extension ConvTranspose2d: TrainableLayer {
    /// The adjoint of y = col2im(Wᵀx): dcols[(d,t,s),(i,j)] = gy[d, i·s+t−p, j·s+u−p]; dx = W·dcols; dW = x·dcolsᵀ.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func backward<S: TensorScalar>(
        _ gradOutput: Tensor<S>, cache: LayerCache<S>
    ) throws -> (input: Tensor<S>, parameters: [String: Tensor<S>]) {
        let x = cache.input
        let outShape = try checkedGradientShape(gradOutput, for: x)
        let (kH, kW, outH, outW, h, w) = (
            kernelSize.height, kernelSize.width, outShape[2], outShape[3], x.height, x.width
        )
        let rowsOfColumns = outChannels * kH * kW
        let weights = weight.converted(to: S.self).scalars
        var gradWeight = [S](repeating: 0, count: weight.count)
        var gradInput = Tensor<S>(zeros: x.shape)
        var gradColumns = [S](repeating: 0, count: rowsOfColumns * h * w)
        for b in 0..<x.batch {
            for d in 0..<outChannels {
                for t in 0..<kH {
                    for s in 0..<kW {
                        let row = ((d * kH + t) * kW + s) * h * w
                        for i in 0..<h {
                            let y = i * stride.height + t - padding.height
                            for j in 0..<w {
                                let xx = j * stride.width + s - padding.width
                                gradColumns[row + i * w + j] =
                                    y >= 0 && y < outH && xx >= 0 && xx < outW
                                    ? gradOutput.scalars[((b * outChannels + d) * outH + y) * outW + xx] : 0
                            }
                        }
                    }
                }
            }
            x.scalars.withUnsafeBufferPointer { input in
                gradInput.scalars.withUnsafeMutableBufferPointer { gx in
                    S.gemm(
                        transA: false, transB: false, m: inChannels, n: h * w, k: rowsOfColumns, alpha: 1, a: weights,
                        lda: rowsOfColumns,
                        b: gradColumns, ldb: h * w, beta: 0, c: gx.baseAddress! + b * inChannels * h * w, ldc: h * w)
                    S.gemm(
                        transA: false, transB: true, m: inChannels, n: rowsOfColumns, k: h * w, alpha: 1,
                        a: input.baseAddress! + b * inChannels * h * w, lda: h * w, b: gradColumns, ldb: h * w, beta: 1,
                        c: &gradWeight, ldc: rowsOfColumns)
                }
            }
        }
        var parameters = ["weight": try Tensor(shape: weight.shape, scalars: gradWeight)]
        if bias != nil { parameters["bias"] = channelSums(gradOutput) }
        return (gradInput, parameters)
    }
}

/// The weight-gradient partial of each part of a batch, written from the part's thread under a lock.
private final class PartialSums<S: TensorScalar>: @unchecked Sendable {
    private let lock = NSLock()
    private var partials: [[S]]

    init(count: Int) { partials = [[S]](repeating: [], count: count) }

    func set(_ part: Int, _ values: [S]) {
        lock.lock()
        partials[part] = values
        lock.unlock()
    }

    var values: [[S]] {
        lock.lock()
        defer { lock.unlock() }
        return partials
    }
}
