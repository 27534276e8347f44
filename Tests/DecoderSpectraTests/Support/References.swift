import ComplexModule
import DecoderSpectra
import Foundation
import RealModule

/// Independent reference computations: direct sums and plain loops, in Float64, written without the library's
/// FFT, GEMM or index maps, so that agreement is evidence and not an echo.
enum Reference {
    /// The 2D DFT of docs/theory.md §1.2 (Eq. 2) by the O(M²N²) double sum, for every plane of an NCHW tensor.
    static func dft(_ x: Tensor<Double>) -> [Complex<Double>] {
        let (m, n) = (x.height, x.width)
        var out: [Complex<Double>] = []
        for p in 0..<(x.batch * x.channels) {
            for u in 0..<m {
                for v in 0..<n {
                    var z = Complex<Double>(0, 0)
                    for a in 0..<m {
                        for b in 0..<n {
                            let angle = -2 * Double.pi * (Double(u * a) / Double(m) + Double(v * b) / Double(n))
                            let f = x.scalars[p * m * n + a * n + b]
                            z += Complex(f * Double.cos(angle), f * Double.sin(angle))
                        }
                    }
                    out.append(z)
                }
            }
        }
        return out
    }

    /// T^(uv)_dc = Σ_{t,s} W[d,c,t,s] e^{+i2π(u(t−p_h)/M + v(s−p_w)/N)} by the direct sum (docs/theory.md §1.4).
    static func transfer(
        weight: Tensor<Float>, d: Int, c: Int, u: Int, v: Int, anchor: (Int, Int), rows: Int, columns: Int
    ) -> Complex<Double> {
        let (kH, kW) = (weight.shape[2], weight.shape[3])
        var z = Complex<Double>(0, 0)
        for t in 0..<kH {
            for s in 0..<kW {
                let w = Double(weight[d, c, t, s])
                let angle =
                    2 * Double.pi
                    * (Double(u * (t - anchor.0)) / Double(rows) + Double(v * (s - anchor.1)) / Double(columns))
                z += Complex(w * Double.cos(angle), w * Double.sin(angle))
            }
        }
        return z
    }

    /// PyTorch's padded read: the value at (row, col) of a plane after padding, or 0 (written independently of the
    /// library's index maps).
    static func paddedValue(
        _ x: Tensor<Double>, _ b: Int, _ c: Int, _ row: Int, _ col: Int, mode: PaddingMode
    ) -> Double {
        let (h, w) = (x.height, x.width)
        func index(_ i: Int, _ size: Int) -> Int? {
            if i >= 0 && i < size { return i }
            switch mode {
            case .zeros: return nil
            case .circular: return (i % size + size) % size
            case .replicate: return i < 0 ? 0 : size - 1
            case .reflect:
                var j = i
                while j < 0 || j >= size { j = j < 0 ? -j : 2 * (size - 1) - j }
                return j
            }
        }
        guard let r = index(row, h), let q = index(col, w) else { return 0 }
        return x[b, c, r, q]
    }

    /// Conv2d by seven nested loops (PyTorch semantics: cross-correlation, symmetric padding, stride).
    static func conv2d(_ x: Tensor<Double>, _ layer: Conv2d) -> Tensor<Double> {
        let (kH, kW) = layer.kernelSize
        let outH = (x.height + 2 * layer.padding.height - kH) / layer.stride.height + 1
        let outW = (x.width + 2 * layer.padding.width - kW) / layer.stride.width + 1
        var y = Tensor<Double>(zeros: [x.batch, layer.outChannels, outH, outW])
        for b in 0..<x.batch {
            for d in 0..<layer.outChannels {
                for i in 0..<outH {
                    for j in 0..<outW {
                        var sum = layer.bias.map { Double($0.scalars[d]) } ?? 0
                        for c in 0..<layer.inChannels {
                            for t in 0..<kH {
                                for s in 0..<kW {
                                    let row = i * layer.stride.height + t - layer.padding.height
                                    let col = j * layer.stride.width + s - layer.padding.width
                                    sum +=
                                        Double(layer.weight[d, c, t, s])
                                        * paddedValue(x, b, c, row, col, mode: layer.paddingMode)
                                }
                            }
                        }
                        y[b, d, i, j] = sum
                    }
                }
            }
        }
        return y
    }

    /// ConvTranspose2d by its definition: every input pixel scatters its weighted kernel.
    static func convTranspose2d(_ x: Tensor<Double>, _ layer: ConvTranspose2d) -> Tensor<Double> {
        let (kH, kW) = layer.kernelSize
        let outH = (x.height - 1) * layer.stride.height - 2 * layer.padding.height + kH + layer.outputPadding.height
        let outW = (x.width - 1) * layer.stride.width - 2 * layer.padding.width + kW + layer.outputPadding.width
        var y = Tensor<Double>(zeros: [x.batch, layer.outChannels, outH, outW])
        for b in 0..<x.batch {
            for d in 0..<layer.outChannels {
                for i in 0..<outH {
                    for j in 0..<outW { y[b, d, i, j] = layer.bias.map { Double($0.scalars[d]) } ?? 0 }
                }
                for c in 0..<layer.inChannels {
                    for i in 0..<x.height {
                        for j in 0..<x.width {
                            for t in 0..<kH {
                                for s in 0..<kW {
                                    let row = i * layer.stride.height + t - layer.padding.height
                                    let col = j * layer.stride.width + s - layer.padding.width
                                    if row >= 0 && row < outH && col >= 0 && col < outW {
                                        y[b, d, row, col] += x[b, c, i, j] * Double(layer.weight[c, d, t, s])
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return y
    }
}

/// Largest |a − b| / max(1, |b|) over two equally long sequences.
func maxRelativeDifference<A: BinaryFloatingPoint, B: BinaryFloatingPoint>(_ a: [A], _ b: [B]) -> Double {
    precondition(a.count == b.count, "maxRelativeDifference: counts \(a.count) and \(b.count)")
    var worst = 0.0
    for i in a.indices {
        let (x, y) = (Double(a[i]), Double(b[i]))
        worst = max(worst, abs(x - y) / max(1, abs(y)))
    }
    return worst
}

/// ‖a − b‖ / ‖b‖ for complex sequences.
func relativeError(_ a: [Complex<Double>], _ b: [Complex<Double>]) -> Double {
    var diff = 0.0, ref = 0.0
    for i in a.indices {
        diff += (a[i] - b[i]).lengthSquared
        ref += b[i].lengthSquared
    }
    return (diff / max(ref, .leastNormalMagnitude)).squareRoot()
}

/// A tensor of seeded standard normal values.
func randomTensor<S: TensorScalar>(_ shape: [Int], seed: UInt64, as: S.Type = S.self) -> Tensor<S> {
    var generator = SeededGenerator(seed: seed)
    return Tensor(shape: shape) { _ in S(generator.nextNormal()) }
}

/// The folder of committed test fixtures.
let fixturesURL = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

/// A fresh temporary folder for one test.
func temporaryFolder() -> URL {
    let url = testScratchRoot.appendingPathComponent(UUID().uuidString)
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Every scratch folder of a test run lives under one folder of this process, removed when the process exits (a run
/// killed midway leaves it; the next run of the same pid removes it first).
let testScratchRoot: URL = {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("ds-tests-\(getpid())")
    try? FileManager.default.removeItem(at: root)
    try! FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    atexit {
        try? FileManager.default.removeItem(
            at: FileManager.default.temporaryDirectory.appendingPathComponent("ds-tests-\(getpid())"))
    }
    return root
}()
