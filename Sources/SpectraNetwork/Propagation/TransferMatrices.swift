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
    /// [D×C]·[C×B] per frequency.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func apply(to spectrum: Spectrum<Scalar>) -> Spectrum<Scalar> {
        precondition(spectrum.channels == inputs && spectrum.rows == rows && spectrum.columns == columns)
        let size = outputs * inputs
        return values.withUnsafeBufferPointer { t in
            Self.applyBlocks(to: spectrum, outputs: outputs, inputs: inputs, hermitian: false) { frequencies, block in
                block.update(from: t.baseAddress! + frequencies.lowerBound * size, count: frequencies.count * size)
            }
        }
    }

    /// The frequencies of `spectrum` in blocks small enough for the cache: `fill(frequencies, block)` writes T of
    /// those frequencies (a range of consecutive flat indices u·N + v) into `block`, one [D, C] complex row-major matrix after
    /// another (interleaved re, im); the spectra are gathered into per-frequency [C, B] matrices, multiplied (one BLAS
    /// GEMM per frequency), and scattered back, so that the transposes stay cheap. (A hand-written kernel for few
    /// channels, vectorised over the output channels, was slower than OpenBLAS's cgemm even at 16 x 16: measured.)
    ///
    /// `hermitian`: the spectrum is that of real maps and T that of a real kernel, so the result is Hermitian too,
    /// h(−u, −v) = conj h(u, v) (both factors are, Theorem 3.2 with real weights): only the columns v ≤ N/2 are
    /// multiplied and the others are their mirror images, half the work.
    static func applyBlocks(
        to spectrum: Spectrum<Scalar>, outputs: Int, inputs: Int, hermitian: Bool,
        fill: (Range<Int>, UnsafeMutablePointer<Complex<Scalar>>) -> Void
    ) -> Spectrum<Scalar> {
        let (batch, rows, columns) = (spectrum.batch, spectrum.rows, spectrum.columns)
        let plane = rows * columns
        let block = 32
        // Blocks of at most `block` consecutive frequencies: every frequency, or (hermitian) the columns 0…N/2 of each
        // row, so that a block never straddles the gap between two rows' halves and the gathers read, and the scatters
        // write, contiguous runs.
        let segment = hermitian ? columns / 2 + 1 : plane
        let runs = stride(from: 0, to: plane, by: hermitian ? columns : plane).flatMap { start in
            stride(from: start, to: start + segment, by: block).map { $0..<min(start + segment, $0 + block) }
        }
        var output = Spectrum<Scalar>(zeros: [batch, outputs, rows, columns])
        var gathered = [Complex<Scalar>](repeating: .zero, count: block * inputs * batch)
        var product = [Complex<Scalar>](repeating: .zero, count: block * outputs * batch)
        var matrices = [Complex<Scalar>](repeating: .zero, count: block * outputs * inputs)
        spectrum.values.withUnsafeBufferPointer { g in
            output.values.withUnsafeMutableBufferPointer { h in
                gathered.withUnsafeMutableBufferPointer { gb in
                    product.withUnsafeMutableBufferPointer { pb in
                        matrices.withUnsafeMutableBufferPointer { tb in
                            for frequencies in runs {
                                let (count, first) = (frequencies.count, frequencies.lowerBound)
                                fill(frequencies, tb.baseAddress!)
                                // Index arithmetic wraps (&*, &+): every index is below the buffers' counts,
                                // checked by the shapes above, and overflow checks in these gathers cost 10-30 %.
                                // Channels outer, images inner: the images of one channel fill one cache line
                                // of each frequency's matrix while it is still in L1.
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
                                        a: UnsafeRawPointer(tb.baseAddress! + k * outputs * inputs),
                                        b: UnsafeRawPointer(gb.baseAddress! + k * inputs * batch),
                                        c: UnsafeMutableRawPointer(pb.baseAddress! + k * outputs * batch))
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
                            guard hermitian else { return }
                            for map in 0..<(batch * outputs) {
                                let values = h.baseAddress! + map &* plane
                                for u in 0..<rows {
                                    let mirror = values + ((rows &- u) % rows) &* columns
                                    let row = values + u &* columns
                                    for v in 1..<((columns + 1) / 2) { mirror[columns &- v] = row[v].conjugate }
                                }
                            }
                        }
                    }
                }
            }
        }
        return output
    }

    /// `fromKernels(...).apply(to:)` without materialising T: each block of frequencies gets its T from the kernel
    /// taps directly, T_dc(u,v) = Σ_{t,s} w[d, c, t, s] e^{∓i2π(u·m(t)/M + v·n(s)/N)} (Theorem 3.2), so memory holds
    /// the taps and one block instead of D·C·M·N values (134 MB for a 128-channel layer at 32×32). The sum runs over
    /// the taps as the outer loop and over all (d, c) entries as the inner, vectorised loop, in the run's precision
    /// (the twiddles in Float64). Same parameters and numbers as `fromKernels` up to rounding. `hermitian`: `spectrum`
    /// is that of real maps (`HermitianSymmetry`), so half the frequencies are computed and the rest mirrored.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func applyKernels(
        _ weight: Tensor<Float>, outputFirst: Bool, anchor: (Int, Int), conjugate: Bool, to spectrum: Spectrum<Scalar>,
        hermitian: Bool = false
    ) -> Spectrum<Scalar> {
        let (kH, kW) = (weight.shape[2], weight.shape[3])
        let (d0, d1) = (weight.shape[0], weight.shape[1])
        let (outputs, inputs) = outputFirst ? (d0, d1) : (d1, d0)
        let (rows, columns) = (spectrum.rows, spectrum.columns)
        precondition(spectrum.channels == inputs)
        let taps = kH * kW, entries = outputs * inputs
        // taps[tap · entries + d · inputs + c]: one plane per kernel tap, in the order of a block of T.
        var planes = [Scalar](repeating: 0, count: taps * entries)
        for first in 0..<d0 {
            for second in 0..<d1 {
                let (d, c) = outputFirst ? (first, second) : (second, first)
                for tap in 0..<taps {
                    planes[tap * entries + d * inputs + c] = Scalar(weight.scalars[(first * d1 + second) * taps + tap])
                }
            }
        }
        // FFTW's forward sign e^{−i…}; `conjugate` gives T as Theorem 3.2 writes it (e^{+i…}). The phase of tap (t, s)
        // at (u, v) is a row factor times a column factor: T(u, ·) = Σ_s column(v, s) · R_u[s], where
        // R_u[s] = Σ_t row(u, t) · taps[t, s] is formed once per row u (so 2·kW instead of kH·kW products per entry).
        let sign: Double = conjugate ? 2 * Double.pi : -2 * Double.pi
        func phases(_ size: Int, _ count: Int, _ anchor: Int) -> (real: [Scalar], imaginary: [Scalar]) {
            var real: [Scalar] = [], imaginary: [Scalar] = []
            for frequency in 0..<size {
                for tap in 0..<count {
                    let shift = (((tap - anchor) % size) + size) % size
                    let angle = sign * Double((frequency * shift) % size) / Double(size)
                    real.append(Scalar(Double.cos(angle)))
                    imaginary.append(Scalar(Double.sin(angle)))
                }
            }
            return (real, imaginary)
        }
        let (rowPhases, columnPhases) = (phases(rows, kH, anchor.0), phases(columns, kW, anchor.1))
        // rowSums[(s · 2 + part) · entries + j]: R_u of the current row, real (part 0) and imaginary (part 1). Both
        // sums run in CVectorKernels (vectorised for the CPU at hand; Swift's loops here stayed 4 lanes wide).
        var rowSums = [Scalar](repeating: 0, count: kW * 2 * entries)
        var currentRow = -1
        return planes.withUnsafeBufferPointer { w in
            rowSums.withUnsafeMutableBufferPointer { r in
                rowPhases.real.withUnsafeBufferPointer { rowReal in
                    rowPhases.imaginary.withUnsafeBufferPointer { rowImaginary in
                        columnPhases.real.withUnsafeBufferPointer { columnReal in
                            columnPhases.imaginary.withUnsafeBufferPointer { columnImaginary in
                                applyBlocks(to: spectrum, outputs: outputs, inputs: inputs, hermitian: hermitian) {
                                    frequencies, block in
                                    for (k, f) in frequencies.enumerated() {
                                        let (u, v) = (f / columns, f % columns)
                                        if u != currentRow {
                                            currentRow = u
                                            Scalar.transferRowSums(
                                                taps: w.baseAddress!, phaseReal: rowReal.baseAddress! + u * kH,
                                                phaseImaginary: rowImaginary.baseAddress! + u * kH, kH: kH, kW: kW,
                                                entries: entries, into: r.baseAddress!)
                                        }
                                        Scalar.transferMatrix(
                                            rowSums: r.baseAddress!, phaseReal: columnReal.baseAddress! + v * kW,
                                            phaseImaginary: columnImaginary.baseAddress! + v * kW, kW: kW,
                                            entries: entries, into: UnsafeMutableRawPointer(block + k * entries))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
