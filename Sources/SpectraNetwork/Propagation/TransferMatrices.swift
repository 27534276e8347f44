import ComplexModule
import RealModule
import SpectraCore

/// The per-frequency matrices T^(uv) ∈ C^{D×C} of a convolution (docs/theory.md §1.4, Theorem 3.2), for every [u, v] of an
/// M×N map, stored as [M, N, D, C] (row-major; the layout `transfer` exports).
///
/// For a Conv2d with weight W[d, c, t, s] and PyTorch padding p (the anchor):
///   T^(uv)_dc = Σ_{t,s} W[d,c,t,s] · e^{+i2π(u(t−p_h)/M + v(s−p_w)/N)}.
/// With p = 0 this is exactly the paper's T (one-sided circular padding); PyTorch's centred padding multiplies it by
/// the phase e^{−i2π(u p_h/M + v p_w/N)} (docs/theory.md §1.4 [D]), which changes no magnitude.
/// It is computed as conj(FFT2(W_wrapped)), where W[t, s] is added at ((t − p_h) mod M, (s − p_w) mod N): one FFT per
/// kernel slice, and kernels as large as (or larger than) the map are handled by the wrap-around sum.
public struct TransferMatrices<Scalar: TensorScalar>: Sendable {
    public let rows: Int, columns: Int, outputs: Int, inputs: Int
    public var values: [Complex<Scalar>]

    /// T from its values in [M, N, D, C] order (one D×C block per frequency).
    public init(rows: Int, columns: Int, outputs: Int, inputs: Int, values: [Complex<Scalar>]) {
        precondition(values.count == rows * columns * outputs * inputs)
        (self.rows, self.columns, self.outputs, self.inputs) = (rows, columns, outputs, inputs)
        self.values = values
    }

    /// T for a kernel bank. `outputFirst`: the weight is [D, C, kH, kW] (Conv2d) rather than [C, D, kH, kW]
    /// (ConvTranspose2d). `conjugate`: use e^{+i} (cross-correlation, Conv2d) rather than e^{−i} (true convolution,
    /// ConvTranspose2d, docs/theory.md §2.4).
    @_specialize(where Scalar == Float, W == Float)
    @_specialize(where Scalar == Double, W == Float)
    @_specialize(where Scalar == Double, W == Double)
    public static func fromKernels<W: TensorScalar>(
        _ weight: Tensor<W>, outputFirst: Bool, anchor: (Int, Int), rows: Int, columns: Int, conjugate: Bool
    ) -> TransferMatrices {
        let (kH, kW) = (weight.shape[2], weight.shape[3])
        let (d0, d1) = (weight.shape[0], weight.shape[1])
        let (outputs, inputs) = outputFirst ? (d0, d1) : (d1, d0)
        let plane = rows * columns
        var wrapped = [Complex<Scalar>](repeating: .zero, count: d0 * d1 * plane)
        for slice in 0..<(d0 * d1) {
            for t in 0..<kH {
                let m = (((t - anchor.0) % rows) + rows) % rows
                for s in 0..<kW {
                    let n = (((s - anchor.1) % columns) + columns) % columns
                    wrapped[slice * plane + m * columns + n].real += Scalar(weight.scalars[(slice * kH + t) * kW + s])
                }
            }
        }
        FFT2D.transformInPlace(&wrapped, rows: rows, columns: columns, direction: .forward)
        var values = [Complex<Scalar>](repeating: .zero, count: wrapped.count)
        // The transpose to [M, N, D, C], in blocks of 8 frequencies so that the rows being written stay in cache
        // (a plain transpose wrote with a stride of D·C values and took ~18 % of an analysis of 128-channel layers).
        wrapped.withUnsafeBufferPointer { source in
            values.withUnsafeMutableBufferPointer { target in
                let stride = outputs * inputs, block = 8
                for start in Swift.stride(from: 0, to: plane, by: block) {
                    let end = min(plane, start + block)
                    for a in 0..<d0 {
                        for b in 0..<d1 {
                            let (d, c) = outputFirst ? (a, b) : (b, a)
                            // Wrapping index arithmetic: in range by construction; overflow checks cost ~12 % here.
                            let from = source.baseAddress! + (a &* d1 &+ b) &* plane
                            let to = target.baseAddress! + (d &* inputs &+ c)
                            if conjugate {
                                for f in start..<end { to[f &* stride] = from[f].conjugate }
                            } else {
                                for f in start..<end { to[f &* stride] = from[f] }
                            }
                        }
                    }
                }
            }
        }
        return TransferMatrices(rows: rows, columns: columns, outputs: outputs, inputs: inputs, values: values)
    }

    /// T^(uv) as a D×C row-major block.
    public func matrix(u: Int, v: Int) -> ArraySlice<Complex<Scalar>> {
        let start = (u * columns + v) * outputs * inputs
        return values[start..<(start + outputs * inputs)]
    }

    /// h^(uv) = T^(uv) g^(uv) for every image and frequency (Theorem 3.2 without the bias term): one complex GEMM
    /// [D×C]·[C×B] per frequency. The spectra are gathered into per-frequency [C, B] matrices a block of frequencies
    /// at a time (so that the transposes stay in cache), multiplied, and scattered back.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func apply(to spectrum: Spectrum<Scalar>) -> Spectrum<Scalar> {
        precondition(spectrum.channels == inputs && spectrum.rows == rows && spectrum.columns == columns)
        let batch = spectrum.batch
        let plane = rows * columns, block = 32
        var output = Spectrum<Scalar>(zeros: [batch, outputs, rows, columns])
        var gathered = [Complex<Scalar>](repeating: .zero, count: block * inputs * batch)
        var product = [Complex<Scalar>](repeating: .zero, count: block * outputs * batch)
        values.withUnsafeBufferPointer { t in
            spectrum.values.withUnsafeBufferPointer { g in
                output.values.withUnsafeMutableBufferPointer { h in
                    gathered.withUnsafeMutableBufferPointer { gb in
                        product.withUnsafeMutableBufferPointer { pb in
                            for first in stride(from: 0, to: plane, by: block) {
                                let count = min(block, plane - first)
                                // Index arithmetic wraps (&*, &+): every index is below the buffers' counts.
                                for c in 0..<inputs {
                                    for b in 0..<batch {
                                        let source = g.baseAddress! + ((b &* inputs &+ c) &* plane)
                                        let target = gb.baseAddress! + (c &* batch &+ b)
                                        let step = inputs &* batch
                                        for k in 0..<count { target[k &* step] = source[first &+ k] }
                                    }
                                }
                                for k in 0..<count {
                                    Scalar.complexGemm(
                                        m: outputs, n: batch, k: inputs,
                                        a: UnsafeRawPointer(t.baseAddress! + (first + k) * outputs * inputs),
                                        lda: inputs, b: UnsafeRawPointer(gb.baseAddress! + k * inputs * batch),
                                        ldb: batch, accumulate: false,
                                        c: UnsafeMutableRawPointer(pb.baseAddress! + k * outputs * batch), ldc: batch)
                                }
                                for d in 0..<outputs {
                                    for b in 0..<batch {
                                        let target = h.baseAddress! + ((b &* outputs &+ d) &* plane)
                                        let source = pb.baseAddress! + (d &* batch &+ b)
                                        let step = outputs &* batch
                                        for k in 0..<count { target[first &+ k] = source[k &* step] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// `fromKernels(...).apply(to:)` without materialising T (D·C·M·N values: 134 MB for a 128-channel layer at
    /// 32×32), a frequency row at a time. The phase of tap (t, s) at (u, v) is a row factor times a column factor, so
    ///   T(u, v) = Σ_s e_s(v) · A_s(u),  A_s(u) = Σ_t e_t(u) · W[·, ·, t, s]   (Theorem 3.2),
    /// and for each row u and image: one complex GEMM [kW·D, C]·[C, N] of the stacked A_s(u) with the row's spectra
    /// (read in place, the leading dimension spanning a channel plane), then Σ_s e_s(v) · (A_s g)(v) per column. That
    /// is kW times the multiply-adds of T(u, v)·g per frequency, but as GEMMs large enough to run near the BLAS peak,
    /// with no T per frequency and no gathers (measured: 2× faster on 32–128-channel decoders than per-frequency
    /// GEMMs of T assembled from the taps). The twiddles are formed in Float64, the sums in the run's precision; the
    /// numbers are `fromKernels`' up to rounding.
    ///
    /// `hermitian`: `spectrum` is that of real maps (`HermitianSymmetry`) and the weights are real, so the result
    /// is Hermitian too, h(−u, −v) = conj h(u, v): only the rows u ≤ M/2 are computed, the others mirrored.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func applyKernels(
        _ weight: Tensor<Float>, outputFirst: Bool, anchor: (Int, Int), conjugate: Bool, to spectrum: Spectrum<Scalar>,
        hermitian: Bool = false
    ) -> Spectrum<Scalar> {
        let (kH, kW) = (weight.shape[2], weight.shape[3])
        let (d0, d1) = (weight.shape[0], weight.shape[1])
        let (outputs, inputs) = outputFirst ? (d0, d1) : (d1, d0)
        let (batch, rows, columns) = (spectrum.batch, spectrum.rows, spectrum.columns)
        precondition(spectrum.channels == inputs)
        let taps = kH * kW, entries = outputs * inputs, plane = rows * columns
        // taps[tap · entries + d · inputs + c]: one plane per kernel tap, [D, C] row-major.
        var planes = [Scalar](repeating: 0, count: taps * entries)
        for first in 0..<d0 {
            for second in 0..<d1 {
                let (d, c) = outputFirst ? (first, second) : (second, first)
                for tap in 0..<taps {
                    planes[tap * entries + d * inputs + c] = Scalar(weight.scalars[(first * d1 + second) * taps + tap])
                }
            }
        }
        // FFTW's forward sign e^{−i…}; `conjugate` gives T as Theorem 3.2 writes it (e^{+i…}). Row phases
        // [u][t] (one row's taps together), column phases [s][v] (one tap's columns together).
        let sign: Double = conjugate ? 2 * Double.pi : -2 * Double.pi
        func phase(_ frequency: Int, _ tap: Int, _ size: Int, _ anchor: Int) -> (Scalar, Scalar) {
            let shift = (((tap - anchor) % size) + size) % size
            let angle = sign * Double((frequency * shift) % size) / Double(size)
            return (Scalar(Double.cos(angle)), Scalar(Double.sin(angle)))
        }
        let rowPhases = (0..<rows).flatMap { u in (0..<kH).map { t in phase(u, t, rows, anchor.0) } }
        let columnPhases = (0..<kW).flatMap { s in (0..<columns).map { v in phase(v, s, columns, anchor.1) } }
        let (rowReal, rowImaginary) = (rowPhases.map(\.0), rowPhases.map(\.1))
        let (columnReal, columnImaginary) = (columnPhases.map(\.0), columnPhases.map(\.1))
        let half = hermitian ? HermitianHalf(rows: rows, columns: columns) : nil
        let computedRows = half?.foldedRows ?? rows
        var rowMatrix = [Complex<Scalar>](repeating: .zero, count: kW * entries)
        // The GEMMs accumulate into `products` (β = 1, so OpenBLAS skips its β pass), which the column-phase kernel
        // zeroes again as it reads it.
        var products = [Complex<Scalar>](repeating: .zero, count: kW * outputs * columns)
        let count = batch * outputs * plane
        // Every value is written below (the rows u ≤ M/2, or all rows, by the column phases; the others mirrored).
        let values = [Complex<Scalar>](unsafeUninitializedCapacity: count) { h, initialized in
            initialized = count
            guard count > 0 else { return }
            planes.withUnsafeBufferPointer { w in
                rowMatrix.withUnsafeMutableBufferPointer { a in
                    products.withUnsafeMutableBufferPointer { y in
                        spectrum.values.withUnsafeBufferPointer { g in
                            for u in 0..<computedRows {
                                rowReal.withUnsafeBufferPointer { re in
                                    rowImaginary.withUnsafeBufferPointer { im in
                                        Scalar.transferRowMatrix(
                                            taps: w.baseAddress!, phaseReal: re.baseAddress! + u * kH,
                                            phaseImaginary: im.baseAddress! + u * kH, kH: kH, kW: kW, entries: entries,
                                            into: UnsafeMutableRawPointer(a.baseAddress!))
                                    }
                                }
                                for b in 0..<batch {
                                    Scalar.complexGemm(
                                        m: kW * outputs, n: columns, k: inputs, a: UnsafeRawPointer(a.baseAddress!),
                                        lda: inputs,
                                        b: UnsafeRawPointer(g.baseAddress! + b * inputs * plane + u * columns),
                                        ldb: plane, accumulate: true, c: UnsafeMutableRawPointer(y.baseAddress!),
                                        ldc: columns)
                                    Scalar.combineColumnPhases(
                                        UnsafeMutableRawPointer(y.baseAddress!), phaseReal: columnReal,
                                        phaseImaginary: columnImaginary, kW: kW, outputs: outputs, columns: columns,
                                        into: UnsafeMutableRawPointer(
                                            h.baseAddress! + b * outputs * plane + u * columns),
                                        outputStride: plane)
                                }
                            }
                        }
                    }
                }
            }
            guard let half else { return }
            for map in 0..<(batch * outputs) { half.mirrorConjugate(h.baseAddress! + map &* plane) }
        }
        return Spectrum(shape: [batch, outputs, rows, columns], values: values)
    }
}
