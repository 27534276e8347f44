import RealModule
import CFFTW
import COpenBLAS
import CVectorKernels

extension Double: TensorScalar {
    @inlinable public var float64: Double { self }

    public static var precisionName: String { "double" }

    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    public static func complexGemm(
        m: Int, n: Int, k: Int, a: UnsafeRawPointer, lda: Int, b: UnsafeRawPointer, ldb: Int, accumulate: Bool,
        c: UnsafeMutableRawPointer, ldc: Int
    ) {
        var one: (Double, Double) = (1, 0)
        var kept: (Double, Double) = (accumulate ? 1 : 0, 0)
        withUnsafePointer(to: &one) { alpha in
            withUnsafePointer(to: &kept) { beta in
                cblas_zgemm(
                    CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(m), blasint(n), blasint(k),
                    alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
            }
        }
    }

    public static func fftPlan(
        rows: Int, columns: Int, sign: Int32, flags: UInt32, buffer: UnsafeMutableRawPointer
    ) -> OpaquePointer? {
        let data = buffer.assumingMemoryBound(to: fftw_complex.self)
        return fftw_plan_dft_2d(Int32(rows), Int32(columns), data, data, sign, flags)
    }

    public static func fftExecute(_ plan: OpaquePointer, _ data: UnsafeMutableRawPointer) {
        let pointer = data.assumingMemoryBound(to: fftw_complex.self)
        fftw_execute_dft(plan, pointer, pointer)
    }

    public static func foldPlane(
        _ actual: UnsafeRawPointer, predicted: UnsafeRawPointer?, count: Int, power: UnsafeMutablePointer<Double>?,
        magnitude: UnsafeMutablePointer<Double>?, magnitudeScale: Double, sums: UnsafeMutablePointer<Double>?
    ) {
        let planeSums = UnsafeMutableRawPointer(sums)?.assumingMemoryBound(to: ds_plane_sums.self)
        ds_fold_plane_d(
            actual.assumingMemoryBound(to: Double.self), predicted?.assumingMemoryBound(to: Double.self), count, power,
            magnitude, magnitudeScale, planeSums)
    }

    public static func transferRowMatrix(
        taps: UnsafePointer<Double>, phaseReal: UnsafePointer<Double>, phaseImaginary: UnsafePointer<Double>, kH: Int,
        kW: Int, entries: Int, into matrix: UnsafeMutableRawPointer
    ) {
        ds_transfer_row_matrix_d(
            taps, phaseReal, phaseImaginary, kH, kW, entries, matrix.assumingMemoryBound(to: Double.self))
    }

    public static func combineColumnPhases(
        _ products: UnsafeMutableRawPointer, phaseReal: UnsafePointer<Double>, phaseImaginary: UnsafePointer<Double>,
        kW: Int,
        outputs: Int, columns: Int, into output: UnsafeMutableRawPointer, outputStride: Int
    ) {
        ds_combine_column_phases_d(
            products.assumingMemoryBound(to: Double.self), phaseReal, phaseImaginary, kW, outputs, columns,
            output.assumingMemoryBound(to: Double.self), outputStride)
    }

    public static func packRealPair(
        _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>?, count: Int, into z: UnsafeMutableRawPointer,
        scales: UnsafeMutablePointer<Double>
    ) -> Bool {
        ds_pack_real_pair_d(a, b, count, z.assumingMemoryBound(to: Double.self), scales) != 0
    }

    public static func unpackRealPair(
        _ z: UnsafeRawPointer, rows: Int, columns: Int, scales: UnsafePointer<Double>,
        into a: UnsafeMutableRawPointer, _ b: UnsafeMutableRawPointer
    ) {
        ds_unpack_real_pair_d(
            z.assumingMemoryBound(to: Double.self), rows, columns, scales, a.assumingMemoryBound(to: Double.self),
            b.assumingMemoryBound(to: Double.self))
    }

    public static func logistic(
        _ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, count: Int, timesInput: Bool
    ) {
        ds_logistic_d(x, y, count, timesInput ? 1 : 0)
    }

    public static func countNonFinite(_ values: UnsafePointer<Double>, count: Int) -> Int {
        ds_count_nonfinite_d(values, count)
    }

    public static func reluBackward(input: UnsafePointer<Double>, gradient: UnsafeMutablePointer<Double>, count: Int) {
        ds_relu_backward_d(input, gradient, count)
    }
}
