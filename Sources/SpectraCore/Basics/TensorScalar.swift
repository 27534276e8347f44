import RealModule

/// The two floating-point types the library computes in: `Float` for network compute (as PyTorch's default
/// dtype), `Double` where exactness is claimed (verification, theory). The requirements are the BLAS and FFTW
/// entry points of that precision, so generic code calls `S.gemm` or `S.fftExecute` and gets `sgemm`/`dgemm`,
/// `fftwf_`/`fftw_` without branching.
public protocol TensorScalar: Real, BinaryFloatingPoint, Codable, Sendable
where RawSignificand: FixedWidthInteger {
    /// The value as a Double: one instruction, where the generic `Double(_:)` conversion checks for NaN and
    /// infinities first (which keeps hot loops from vectorising).
    var float64: Double { get }

    /// "float" or "double", as in `--precision`.
    static var precisionName: String { get }

    /// Row-major real GEMM: C = alpha * op(A) * op(B) + beta * C (OpenBLAS `cblas_?gemm`).
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafePointer<Self>, lda: Int,
        b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)

    /// Row-major complex GEMM on interleaved (re, im) storage: C = A * B, or C += A * B with `accumulate`
    /// (OpenBLAS `cblas_?gemm`, β = 1: no pass over C before the product); the leading dimensions count complex values.
    static func complexGemm(
        m: Int, n: Int, k: Int, a: UnsafeRawPointer, lda: Int, b: UnsafeRawPointer, ldb: Int, accumulate: Bool,
        c: UnsafeMutableRawPointer, ldc: Int)

    /// Creates an in-place 2D complex FFTW plan for an M x N array stored at `buffer` (planning may overwrite it).
    static func fftPlan(
        rows: Int, columns: Int, sign: Int32, flags: UInt32, buffer: UnsafeMutableRawPointer
    ) -> OpaquePointer?
    /// Executes a plan on a new array (`fftw_execute_dft`): thread-safe, as FFTW documents.
    static func fftExecute(_ plan: OpaquePointer, _ data: UnsafeMutableRawPointer)

    /// One pass of the spectrum statistics over `count` complex values of an actual spectrum (`ds_fold_plane_f` /
    /// `_d`, CVectorKernels): adds |x|² to `power` and |x|·`magnitudeScale` to `magnitude` (each where given), and,
    /// with `predicted`, adds Σ|y − x|², Σ|x|², Σ|y|², Σ|x|·|y| to `sums[0...3]`; all in Float64.
    static func foldPlane(
        _ actual: UnsafeRawPointer, predicted: UnsafeRawPointer?, count: Int, power: UnsafeMutablePointer<Double>?,
        magnitude: UnsafeMutablePointer<Double>?, magnitudeScale: Double, sums: UnsafeMutablePointer<Double>?)

    /// Two real planes packed as one complex plane s_a·a + i·s_b·b (`b` nil: a + 0i) for one FFT; false when a
    /// value is not finite (`ds_pack_real_pair_f` / `_d`).
    static func packRealPair(
        _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>?, count: Int, into z: UnsafeMutableRawPointer,
        scales: UnsafeMutablePointer<Self>
    ) -> Bool

    /// The two planes' spectra from the FFT of their packed plane (`ds_unpack_real_pair_f` / `_d`).
    static func unpackRealPair(
        _ z: UnsafeRawPointer, rows: Int, columns: Int, scales: UnsafePointer<Self>,
        into a: UnsafeMutableRawPointer, _ b: UnsafeMutableRawPointer)

    /// σ(x) = 1 / (1 + e^−x), or x·σ(x) (SiLU) with `timesInput`, for `count` values (`ds_logistic_f` / `_d`).
    static func logistic(_ x: UnsafePointer<Self>, into y: UnsafeMutablePointer<Self>, count: Int, timesInput: Bool)

    /// The number of NaN and infinite values among `count` (`ds_count_nonfinite_f` / `_d`).
    static func countNonFinite(_ values: UnsafePointer<Self>, count: Int) -> Int

    /// ReLU's backward pass in place: `gradient[i] = 0` where `input[i] ≤ 0` (`ds_relu_backward_f` / `_d`).
    static func reluBackward(input: UnsafePointer<Self>, gradient: UnsafeMutablePointer<Self>, count: Int)

    /// A convolution's matrix of one frequency row u, [kW·D, C] interleaved complex, from its kernel taps
    /// (`ds_transfer_row_matrix_f` / `_d`: T(u, v) = Σ_s e_s(v) · A_s(u), Theorem 3.2 factored by rows and columns).
    static func transferRowMatrix(
        taps: UnsafePointer<Self>, phaseReal: UnsafePointer<Self>, phaseImaginary: UnsafePointer<Self>, kH: Int,
        kW: Int, entries: Int, into matrix: UnsafeMutableRawPointer)

    /// Σ_s e_s(v) · products[s·D + d, v] into the output row of each channel d, leaving `products` zero
    /// (`ds_combine_column_phases_f` / `_d`).
    static func combineColumnPhases(
        _ products: UnsafeMutableRawPointer, phaseReal: UnsafePointer<Self>, phaseImaginary: UnsafePointer<Self>,
        kW: Int,
        outputs: Int, columns: Int, into output: UnsafeMutableRawPointer, outputStride: Int)
}
