import RealModule
import SpectraCore
import SpectraNetwork

extension Activation: TrainableLayer {
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func backward<S: TensorScalar>(
        _ gradOutput: Tensor<S>, cache: LayerCache<S>
    ) throws -> (input: Tensor<S>, parameters: [String: Tensor<S>]) {
        let x = cache.input
        var g = gradOutput
        // One loop per function on buffer pointers (a switch per element and copy-on-write checks on g.scalars cost
        // more than the arithmetic).
        x.scalars.withUnsafeBufferPointer { input in
            g.scalars.withUnsafeMutableBufferPointer { grad in
                switch function {
                case .relu:
                    S.reluBackward(input: input.baseAddress!, gradient: grad.baseAddress!, count: grad.count)
                case let .leakyReLU(slope):
                    let factor = S(slope)
                    for i in 0..<grad.count where input[i] < 0 { grad[i] *= factor }
                case .tanh:
                    for i in 0..<grad.count {
                        let y = S.tanh(input[i])
                        grad[i] *= 1 - y * y
                    }
                case .sigmoid:
                    for i in 0..<grad.count {
                        let y = 1 / (1 + S.exp(-input[i]))
                        grad[i] *= y * (1 - y)
                    }
                case .silu:  // d/dx x·σ(x) = σ(x)·(1 + x·(1 − σ(x)))
                    for i in 0..<grad.count {
                        let y = 1 / (1 + S.exp(-input[i]))
                        grad[i] *= y * (1 + input[i] * (1 - y))
                    }
                }
            }
        }
        return (g, [:])
    }
}

extension Upsample: TrainableLayer {
    /// The adjoint of each mode: zero insertion picks the block's top-left sample, nearest sums the block, bilinear
    /// scatters with the same taps as the forward pass.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func backward<S: TensorScalar>(
        _ gradOutput: Tensor<S>, cache: LayerCache<S>
    ) throws -> (input: Tensor<S>, parameters: [String: Tensor<S>]) {
        let x = cache.input
        let (h, w, outH, outW, r) = (x.height, x.width, x.height * scaleFactor, x.width * scaleFactor, scaleFactor)
        guard gradOutput.shape == [x.batch, x.channels, outH, outW] else {
            throw SpectraError.shapeMismatch(
                layer: LayerScope.name(typeName: typeName), expected: "gradient [N, C, \(outH), \(outW)]",
                got: gradOutput.shape)
        }
        var g = Tensor<S>(zeros: x.shape)
        let rowTaps = interpolationTaps(inSize: h, outSize: outH), colTaps = interpolationTaps(inSize: w, outSize: outW)
        gradOutput.scalars.withUnsafeBufferPointer { gradOut in
            g.scalars.withUnsafeMutableBufferPointer { grad in
                for p in 0..<(x.batch * x.channels) {
                    let (src, dst) = (gradOut.baseAddress! + p * outH * outW, grad.baseAddress! + p * h * w)
                    switch mode {
                    case .zeros:
                        for y in 0..<h {
                            for xx in 0..<w { dst[y * w + xx] += src[(y * r) * outW + xx * r] }
                        }
                    case .nearest:
                        for y in 0..<outH {
                            let (line, target) = (src + y * outW, dst + (y / r) * w)
                            for xx in 0..<outW { target[xx / r] += line[xx] }
                        }
                    case .bilinear:
                        for y in 0..<outH {
                            for xx in 0..<outW {
                                let gy = src[y * outW + xx]
                                let (rt, ct) = (rowTaps[y], colTaps[xx])
                                let (rw, cw) = (S(rt.weight), S(ct.weight))
                                dst[rt.low * w + ct.low] += (1 - rw) * (1 - cw) * gy
                                dst[rt.low * w + ct.high] += (1 - rw) * cw * gy
                                dst[rt.high * w + ct.low] += rw * (1 - cw) * gy
                                dst[rt.high * w + ct.high] += rw * cw * gy
                            }
                        }
                    }
                }
            }
        }
        return (g, [:])
    }
}

extension BatchNorm2d: TrainableLayer {
    /// Training mode, as PyTorch: normalise with the batch mean and biased variance; update the running statistics
    /// with `momentum` (running_var uses the unbiased variance).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func trainingForward<S: TensorScalar>(_ x: Tensor<S>) throws -> (output: Tensor<S>, cache: LayerCache<S>) {
        _ = try outputShape(for: x.shape)
        let plane = x.height * x.width, n = Double(x.batch * plane)
        var y = x, normalised = x
        var inverseStd = Tensor<S>(zeros: [numFeatures])
        var runningMean = self.runningMean, runningVar = self.runningVar
        // Pointer loops over each channel's planes (index arithmetic wraps: in range by the shape check above).
        x.scalars.withUnsafeBufferPointer { input in
            normalised.scalars.withUnsafeMutableBufferPointer { normalisedOut in
                y.scalars.withUnsafeMutableBufferPointer { output in
                    for c in 0..<numFeatures {
                        var mean = 0.0, square = 0.0
                        for b in 0..<x.batch {
                            mean += laneSum(input.baseAddress! + (b &* numFeatures &+ c) &* plane, plane) { $0 }
                        }
                        mean /= n
                        for b in 0..<x.batch {
                            square += laneSum(input.baseAddress! + (b &* numFeatures &+ c) &* plane, plane) {
                                ($0 - mean) * ($0 - mean)
                            }
                        }
                        let variance = square / n
                        let inverse = 1 / (variance + eps).squareRoot()
                        inverseStd.scalars[c] = S(inverse)
                        let (gamma, beta) = (Double(weight.scalars[c]), Double(bias.scalars[c]))
                        for b in 0..<x.batch {
                            let offset = (b &* numFeatures &+ c) &* plane
                            let (from, xhatOut, yOut) = (
                                input.baseAddress! + offset, normalisedOut.baseAddress! + offset,
                                output.baseAddress! + offset
                            )
                            for i in 0..<plane {
                                let xhat = (from[i].float64 - mean) * inverse
                                xhatOut[i] = S(xhat)
                                yOut[i] = S(xhat * gamma + beta)
                            }
                        }
                        runningMean.scalars[c] = Float(
                            (1 - momentum) * Double(runningMean.scalars[c]) + momentum * mean)
                        let unbiased = n > 1 ? square / (n - 1) : variance
                        runningVar.scalars[c] = Float(
                            (1 - momentum) * Double(runningVar.scalars[c]) + momentum * unbiased)
                    }
                }
            }
        }
        var cache = LayerCache(input: x)
        cache.saved = [normalised, inverseStd]
        cache.updatedBuffers = ["running_mean": runningMean, "running_var": runningVar]
        return (y, cache)
    }

    /// dx = γ·σ⁻¹/n · (n·gy − Σgy − x̂·Σ(gy·x̂)); dγ = Σ gy·x̂; dβ = Σ gy (per channel, over batch and space).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func backward<S: TensorScalar>(
        _ gradOutput: Tensor<S>, cache: LayerCache<S>
    ) throws -> (input: Tensor<S>, parameters: [String: Tensor<S>]) {
        if cache.saved.isEmpty { return try evaluationBackward(gradOutput, cache: cache) }
        let (normalised, inverseStd) = (cache.saved[0], cache.saved[1])
        let x = cache.input
        let plane = x.height * x.width, n = S(x.batch * plane)
        var gx = gradOutput
        var gGamma = Tensor<S>(zeros: [numFeatures]), gBeta = Tensor<S>(zeros: [numFeatures])
        gradOutput.scalars.withUnsafeBufferPointer { gy in
            normalised.scalars.withUnsafeBufferPointer { xhat in
                gx.scalars.withUnsafeMutableBufferPointer { out in
                    for c in 0..<numFeatures {
                        // Σ gy and Σ gy·x̂ in four independent lanes each (one running sum waits on itself).
                        var sums = SIMD4<Double>(), dots = SIMD4<Double>()
                        for b in 0..<x.batch {
                            let offset = (b &* numFeatures &+ c) &* plane
                            let (g, h) = (gy.baseAddress! + offset, xhat.baseAddress! + offset)
                            var i = 0
                            while i &+ 4 <= plane {
                                let gv = SIMD4(g[i].float64, g[i &+ 1].float64, g[i &+ 2].float64, g[i &+ 3].float64)
                                let hv = SIMD4(h[i].float64, h[i &+ 1].float64, h[i &+ 2].float64, h[i &+ 3].float64)
                                sums += gv
                                dots += gv * hv
                                i &+= 4
                            }
                            while i < plane {
                                sums[0] += g[i].float64
                                dots[0] += g[i].float64 * h[i].float64
                                i &+= 1
                            }
                        }
                        let (sum, dot) = (S(sums.sum()), S(dots.sum()))
                        gGamma.scalars[c] = dot
                        gBeta.scalars[c] = sum
                        let scale = S(weight.scalars[c]) * inverseStd.scalars[c] / n
                        for b in 0..<x.batch {
                            let offset = (b &* numFeatures &+ c) &* plane
                            let (g, h, o) = (
                                gy.baseAddress! + offset, xhat.baseAddress! + offset, out.baseAddress! + offset
                            )
                            for i in 0..<plane { o[i] = scale * (n * g[i] - sum - h[i] * dot) }
                        }
                    }
                }
            }
        }
        return (gx, ["weight": gGamma, "bias": gBeta])
    }

    /// Evaluation mode is the affine map y = a·x + s per channel (running statistics are constants).
    private func evaluationBackward<S: TensorScalar>(
        _ gradOutput: Tensor<S>, cache: LayerCache<S>
    ) throws -> (input: Tensor<S>, parameters: [String: Tensor<S>]) {
        let x = cache.input, plane = x.height * x.width
        var gx = gradOutput
        var gGamma = Tensor<S>(zeros: [numFeatures]), gBeta = Tensor<S>(zeros: [numFeatures])
        for c in 0..<numFeatures {
            let inverse = 1 / (Double(runningVar.scalars[c]) + eps).squareRoot()
            let a = S(Double(weight.scalars[c]) * inverse)
            for b in 0..<x.batch {
                for i in 0..<plane {
                    let k = (b * numFeatures + c) * plane + i
                    gGamma.scalars[c] +=
                        gradOutput.scalars[k] * S((Double(x.scalars[k]) - Double(runningMean.scalars[c])) * inverse)
                    gBeta.scalars[c] += gradOutput.scalars[k]
                    gx.scalars[k] = gradOutput.scalars[k] * a
                }
            }
        }
        return (gx, ["weight": gGamma, "bias": gBeta])
    }
}
