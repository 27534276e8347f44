import ComplexModule
import RealModule
import SpectraCore

/// Building blocks of the frequency rules of docs/theory.md §2 and §5, shared by the layers' `propagate`.
package enum SpectralOperations {
    /// Adds MN·b_c at [0, 0] of channel c: a constant map's spectrum (docs/theory.md §1.4, "Bias").
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    package static func addBias<S: TensorScalar>(_ bias: [Double], to spectrum: inout Spectrum<S>) {
        let scale = Double(spectrum.planeSize)
        for b in 0..<spectrum.batch {
            for c in 0..<spectrum.channels {
                spectrum[b, c, 0, 0].real += S(scale * bias[c])
            }
        }
    }

    /// Tiles an M0×N0 spectrum to (r·M0)×(r·N0): H[u, v] = G[u mod M0, v mod N0] (Theorem 4.4, Eq. 11), then multiplies
    /// by a separable response rowResponse[u]·columnResponse[v] (all ones for zero insertion).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func tile<S: TensorScalar>(
        _ spectrum: Spectrum<S>, factor: Int, rowResponse: [Complex<Double>]? = nil,
        columnResponse: [Complex<Double>]? = nil
    ) -> Spectrum<S> {
        let (m0, n0) = (spectrum.rows, spectrum.columns)
        let (m, n) = (m0 * factor, n0 * factor)
        let planes = spectrum.batch * spectrum.channels
        // Zero insertion without responses only copies rows; otherwise each entry gets rowResponse[u]·columnResponse[v].
        let copiesOnly = rowResponse == nil && columnResponse == nil
        // The response of each output frequency, rowResponse[u]·columnResponse[v], once per call (not once per plane),
        // as interleaved (re, im) scalars of the run's precision.
        var responses = [S]()
        if !copiesOnly {
            responses.reserveCapacity(2 * m * n)
            for u in 0..<m {
                let rowFactor = rowResponse?[u] ?? Complex(1, 0)
                for v in 0..<n {
                    let f = rowFactor * (columnResponse?[v] ?? Complex(1, 0))
                    responses.append(S(f.real))
                    responses.append(S(f.imaginary))
                }
            }
        }
        // Pointer loops over whole source rows (no `mod` per element, no bounds checks, raw (re, im) arithmetic: a
        // Complex product checks for overflow per element): this runs on every upsampling layer of every batch.
        let values = [Complex<S>](unsafeUninitializedCapacity: planes * m * n) { out, initialized in
            spectrum.values.withUnsafeBufferPointer { source in
                responses.withUnsafeBufferPointer { response in
                    let target = out.baseAddress!, base = source.baseAddress!
                    for p in 0..<planes {
                        for u in 0..<m {
                            let row = base + p * m0 * n0 + (u % m0) * n0
                            let destination = target + p * m * n + u * n
                            if copiesOnly {
                                for k in 0..<factor { (destination + k * n0).initialize(from: row, count: n0) }
                                continue
                            }
                            SpectrumStatistics.parts(row, n0) { g in
                                UnsafeMutableRawPointer(destination).withMemoryRebound(to: S.self, capacity: 2 * n) {
                                    h in
                                    let r = response.baseAddress! + 2 &* u &* n
                                    for k in 0..<factor {
                                        let (to, factors) = (h + 2 &* k &* n0, r + 2 &* k &* n0)
                                        for v in 0..<n0 {
                                            let (a, b) = (factors[2 &* v], factors[2 &* v &+ 1])
                                            let (c, d) = (g[2 &* v], g[2 &* v &+ 1])
                                            to[2 &* v] = a * c - b * d
                                            to[2 &* v &+ 1] = a * d + b * c
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            initialized = planes * m * n
        }
        return Spectrum(shape: [spectrum.batch, spectrum.channels, m, n], values: values)
    }

    /// The DFT Σ_k h[k] e^{−i2π u k / size} of a 1D filter with taps at integer offsets k (negative allowed,
    /// taken circularly), for u = 0..<size. A direct sum: no 0/0 points to special-case.
    static func filterResponse(taps: [(offset: Int, weight: Double)], size: Int) -> [Complex<Double>] {
        (0..<size).map { u in
            var z = Complex<Double>(0, 0)
            for tap in taps {
                let angle = -2 * Double.pi * Double(u) * Double(tap.offset) / Double(size)
                z += Complex(tap.weight * Double.cos(angle), tap.weight * Double.sin(angle))
            }
            return z
        }
    }

    /// Keeps every s-th sample of a circular map: Y[u', v'] = (1/(sH·sW)) Σ_{a,b} X[u' + a·M', v' + b·N'] with
    /// M' = M/sH, N' = N/sW (the aliasing sum of decimation).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func decimate<S: TensorScalar>(_ spectrum: Spectrum<S>, by stride: (Int, Int)) -> Spectrum<S> {
        let (m, n) = (spectrum.rows, spectrum.columns)
        let (mOut, nOut) = (m / stride.0, n / stride.1)
        var output = Spectrum<S>(zeros: [spectrum.batch, spectrum.channels, mOut, nOut])
        let scale = 1 / S(stride.0 * stride.1)
        for p in 0..<(spectrum.batch * spectrum.channels) {
            for u in 0..<mOut {
                for v in 0..<nOut {
                    var sum = Complex<S>.zero
                    for a in 0..<stride.0 {
                        for b in 0..<stride.1 {
                            let index: Int = p * m * n + (u + a * mOut) * n + (v + b * nOut)
                            sum += spectrum.values[index]
                        }
                    }
                    let target: Int = p * mOut * nOut + u * nOut + v
                    output.values[target] = sum.multiplied(by: scale)
                }
            }
        }
        return output
    }
}
