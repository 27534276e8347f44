import RealModule
import CFFTW
import COpenBLAS
import CVectorKernels

extension Float: TensorScalar {
    @inlinable public var float64: Double { Double(self) }

    public static var precisionName: String { "float" }

    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    public static func complexGemm(
        m: Int, n: Int, k: Int, a: UnsafeRawPointer, lda: Int, b: UnsafeRawPointer, ldb: Int, accumulate: Bool,
        c: UnsafeMutableRawPointer, ldc: Int
    ) {
        var one: (Float, Float) = (1, 0)
        var kept: (Float, Float) = (accumulate ? 1 : 0, 0)
        withUnsafePointer(to: &one) { alpha in
            withUnsafePointer(to: &kept) { beta in
                cblas_cgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(m), blasint(n), blasint(k),
                    alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
            }
        }
    }

    public static func fftPlan(
        rows: Int, columns: Int, sign: Int32, flags: UInt32, buffer: UnsafeMutableRawPointer
    ) -> OpaquePointer? {
        let data = buffer.assumingMemoryBound(to: fftwf_complex.self)
        return fftwf_plan_dft_2d(Int32(rows), Int32(columns), data, data, sign, flags)
    }

    public static func fftExecute(_ plan: OpaquePointer, _ data: UnsafeMutableRawPointer) {
        let pointer = data.assumingMemoryBound(to: fftwf_complex.self)
        fftwf_execute_dft(plan, pointer, pointer)
    }

    public static func foldPlane(
        _ actual: UnsafeRawPointer, predicted: UnsafeRawPointer?, count: Int, power: UnsafeMutablePointer<Double>?,
        magnitude: UnsafeMutablePointer<Double>?, magnitudeScale: Double, sums: UnsafeMutablePointer<Double>?
    ) {
        let planeSums = UnsafeMutableRawPointer(sums)?.assumingMemoryBound(to: ds_plane_sums.self)
        ds_fold_plane_f(
            actual.assumingMemoryBound(to: Float.self), predicted?.assumingMemoryBound(to: Float.self), count, power,
            magnitude, magnitudeScale, planeSums)
    }

    public static func transferRowMatrix(
        taps: UnsafePointer<Float>, phaseReal: UnsafePointer<Float>, phaseImaginary: UnsafePointer<Float>, kH: Int,
        kW: Int, entries: Int, into matrix: UnsafeMutableRawPointer
    ) {
        ds_transfer_row_matrix_f(
            taps, phaseReal, phaseImaginary, kH, kW, entries, matrix.assumingMemoryBound(to: Float.self))
    }

    public static func combineColumnPhases(
        _ products: UnsafeMutableRawPointer, phaseReal: UnsafePointer<Float>, phaseImaginary: UnsafePointer<Float>,
        kW: Int,
        outputs: Int, columns: Int, into output: UnsafeMutableRawPointer, outputStride: Int
    ) {
        ds_combine_column_phases_f(
            products.assumingMemoryBound(to: Float.self), phaseReal, phaseImaginary, kW, outputs, columns,
            output.assumingMemoryBound(to: Float.self), outputStride)
    }

    public static func packRealPair(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>?, count: Int, into z: UnsafeMutableRawPointer,
        scales: UnsafeMutablePointer<Float>
    ) -> Bool {
        ds_pack_real_pair_f(a, b, count, z.assumingMemoryBound(to: Float.self), scales) != 0
    }

    public static func unpackRealPair(
        _ z: UnsafeRawPointer, rows: Int, columns: Int, scales: UnsafePointer<Float>,
        into a: UnsafeMutableRawPointer, _ b: UnsafeMutableRawPointer
    ) {
        ds_unpack_real_pair_f(
            z.assumingMemoryBound(to: Float.self), rows, columns, scales, a.assumingMemoryBound(to: Float.self),
            b.assumingMemoryBound(to: Float.self))
    }

    public static func logistic(
        _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int, timesInput: Bool
    ) {
        ds_logistic_f(x, y, count, timesInput ? 1 : 0)
    }

    public static func countNonFinite(_ values: UnsafePointer<Float>, count: Int) -> Int {
        ds_count_nonfinite_f(values, count)
    }

    public static func reluBackward(input: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>, count: Int) {
        ds_relu_backward_f(input, gradient, count)
    }
}
