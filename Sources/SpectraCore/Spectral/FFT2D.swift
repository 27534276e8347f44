import RealModule
import CFFTW
import ComplexModule
import Dispatch
import Foundation

/// 2D DFTs in the paper's convention (docs/theory.md §1.2, Eq. 2): forward with e^{-i2π(um/M+vn/N)} and no scaling
/// (= `numpy.fft.fft2`, FFTW_FORWARD); inverse with e^{+i...} divided by MN (= `ifft2`).
///
/// FFTW is kept behind this small interface (FFTW is GPL-2+; swapping it means rewriting this file and the two
/// backend files only). Plans are made once per (precision, M, N, direction, alignment) and reused through
/// `fftw_execute_dft` on new arrays, which FFTW documents as thread-safe; channels are spread over the cores.
public enum FFT2D {
    /// Which way a transform goes: `forward` with e^{-i…} (FFTW_FORWARD), `inverse` with e^{+i…} (FFTW_BACKWARD),
    /// both unscaled. FFTW's own constants stay in this file.
    public enum Direction: Sendable, Hashable {
        case forward, inverse

        var fftwSign: Int32 { self == .forward ? FFTW_FORWARD : FFTW_BACKWARD }
    }

    /// The spectrum of every channel of a real NCHW tensor. Channels go through FFTW two at a time, as one complex
    /// plane s_a·a + i·s_b·b whose transform splits by Hermitian symmetry (docs/theory.md §1.2): half the FFTs. The
    /// power-of-two scales s give both planes the same weight in the rounding (so each keeps the relative accuracy
    /// of its own FFT, tested against a naive DFT with planes 2^40 apart); planes with a NaN or an infinity are
    /// transformed alone.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func forward<S: TensorScalar>(_ x: Tensor<S>) -> Spectrum<S> {
        precondition(x.rank == 4, "FFT2D.forward expects an NCHW tensor")
        let shape = x.shape
        let values = [Complex<S>](unsafeUninitializedCapacity: x.count) { out, initialized in
            initialized = x.count
            guard x.count > 0 else { return }
            x.scalars.withUnsafeBufferPointer { input in
                // Channels 2j and 2j + 1 of one image (the last one alone when the count is odd): an image's spectrum
                // never depends on the other images of its batch, so batch sizes and shards round alike.
                let pairs = x.batch * ((x.channels + 1) / 2)
                let workers = workerCount(values: x.count, jobs: pairs)
                let perWorker = (pairs + workers - 1) / workers
                let shared = UncheckedSendable((input: input.baseAddress!, output: out.baseAddress!))
                let transform: @Sendable (Int) -> Void = { worker in
                    let range = (worker * perWorker)..<min(pairs, (worker + 1) * perWorker)
                    transformChannelPairs(range, of: shared.value.input, shape: shape, into: shared.value.output)
                }
                if workers == 1 {
                    transform(0)
                } else {
                    DispatchQueue.concurrentPerform(iterations: workers, execute: transform)
                }
            }
        }
        return Spectrum<S>(shape: shape, values: values)
    }

    /// The spectra of the channel pairs `pairs` of a real [B, C, M, N] tensor: pair k is image k / ⌈C/2⌉, channels
    /// 2j and 2j + 1 (j = k mod ⌈C/2⌉; channel C − 1 alone when C is odd). Each pair is packed into one scratch plane,
    /// transformed, and split into its two output planes; a pair with a NaN or an infinity goes plane by plane.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    private static func transformChannelPairs<S: TensorScalar>(
        _ pairs: Range<Int>, of input: UnsafePointer<S>, shape: [Int], into output: UnsafeMutablePointer<Complex<S>>
    ) {
        let (channels, rows, columns) = (shape[1], shape[2], shape[3])
        let plane = rows * columns, perImage = (channels + 1) / 2
        let bytes = plane * MemoryLayout<Complex<S>>.stride
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        let scales = UnsafeMutablePointer<S>.allocate(capacity: 2)
        defer {
            scratch.deallocate()
            scales.deallocate()
        }
        let fft = FFTPlanCache.shared.plan(
            S.self, rows: rows, columns: columns, direction: .forward, alignedLike: scratch)
        for pair in pairs {
            let channel = 2 * (pair % perImage)
            let first = (pair / perImage) * channels + channel  // the pair's planes: first ..< last
            let last = first + min(2, channels - channel)
            let a = input + first * plane
            if last - first == 2, S.packRealPair(a, a + plane, count: plane, into: scratch, scales: scales) {
                S.fftExecute(fft, scratch)
                S.unpackRealPair(
                    scratch, rows: rows, columns: columns, scales: scales,
                    into: UnsafeMutableRawPointer(output + first * plane),
                    UnsafeMutableRawPointer(output + (first + 1) * plane))
                continue
            }
            for p in first..<last {
                _ = S.packRealPair(input + p * plane, nil, count: plane, into: scratch, scales: scales)
                S.fftExecute(fft, scratch)
                UnsafeMutableRawPointer(output + p * plane).copyMemory(from: scratch, byteCount: bytes)
            }
        }
    }

    /// How many cores transform `jobs` independent pieces of `values` complex values in all: every core only when
    /// there is enough work to pay for the hand-off, and when the caller has not taken the cores itself (callers that
    /// run their own work on every core set OpenBLAS to one thread, `BLASInfo.withThreads(1)`, the analysis workers;
    /// nested teams only cost hand-offs).
    private static func workerCount(values: Int, jobs: Int) -> Int {
        values >= 1 << 15 && BLASInfo.threads > 1 ? max(1, min(ProcessInfo.processInfo.activeProcessorCount, jobs)) : 1
    }

    /// The real part of the inverse DFT (divided by MN): the feature map whose spectrum is `spectrum`.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func inverse<S: TensorScalar>(_ spectrum: Spectrum<S>) -> Tensor<S> {
        var values = spectrum.values
        transformInPlace(&values, rows: spectrum.rows, columns: spectrum.columns, direction: .inverse)
        let scale = 1 / S(spectrum.planeSize)
        return try! Tensor(shape: spectrum.shape, scalars: values.map { $0.real * scale })
    }

    /// Transforms every M x N plane of `values` in place (unscaled).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func transformInPlace<S: TensorScalar>(
        _ values: inout [Complex<S>], rows: Int, columns: Int, direction: Direction
    ) {
        let plane = rows * columns
        guard plane > 0, !values.isEmpty else { return }
        let planes = values.count / plane
        values.withUnsafeMutableBufferPointer { buffer in
            let base = UnsafeMutableRawPointer(buffer.baseAddress!)
            let stride = plane * MemoryLayout<Complex<S>>.stride
            let workers = workerCount(values: plane * planes, jobs: planes)
            let perWorker = (planes + workers - 1) / workers
            // At most two plans serve all planes: one per 16-byte alignment class of a plane's start.
            let first = FFTPlanCache.shared.plan(
                S.self, rows: rows, columns: columns, direction: direction, alignedLike: base)
            let second = FFTPlanCache.shared.plan(
                S.self, rows: rows, columns: columns, direction: direction, alignedLike: base + stride)
            let firstClass = Int(bitPattern: base) % 16
            // Each worker transforms its own planes in place.
            let shared = UncheckedSendable((base: base, first: first, second: second))
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let start = w * perWorker, end = min(planes, start + perWorker)
                guard start < end else { return }
                let (base, first, second) = shared.value
                for p in start..<end {
                    let pointer = base + p * stride
                    S.fftExecute(Int(bitPattern: pointer) % 16 == firstClass ? first : second, pointer)
                }
            }
        }
    }
}

/// Process-wide cache of FFTW plans. FFTW's planner is not thread-safe, so planning happens under a lock; execution
/// of a finished plan on new arrays is. Plans are planned with FFTW_MEASURE (FFTW_ESTIMATE for power-of-two sides) on
/// scratch memory (planning overwrites its arrays), with the same 16-byte alignment as the data they will run on.
package final class FFTPlanCache: @unchecked Sendable {
    package static let shared = FFTPlanCache()

    private struct Key: Hashable {
        let precision: String, rows: Int, columns: Int, direction: FFT2D.Direction, misalignment: Int
    }
    private var plans: [Key: OpaquePointer] = [:]
    private let lock = NSLock()

    /// FFTW_MEASURE by default; FFTW_ESTIMATE makes planning instant (tests with many random shapes use it).
    package var planningFlags: UInt32 {
        get {
            lock.lock()
            defer { lock.unlock() }
            return flags
        }
        set {
            lock.lock()
            flags = newValue
            lock.unlock()
        }
    }
    private var flags = UInt32(FFTW_MEASURE)

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    package func plan<S: TensorScalar>(
        _ type: S.Type, rows: Int, columns: Int, direction: FFT2D.Direction,
        alignedLike pointer: UnsafeMutableRawPointer
    ) -> OpaquePointer {
        let misalignment = Int(bitPattern: pointer) % 16
        let key = Key(
            precision: S.precisionName, rows: rows, columns: columns, direction: direction, misalignment: misalignment)
        lock.lock()
        defer { lock.unlock() }
        if let plan = plans[key] { return plan }
        let bytes = rows * columns * MemoryLayout<Complex<S>>.stride
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: bytes + 64, alignment: 64)
        defer { scratch.deallocate() }
        // Power-of-two sides: FFTW_ESTIMATE's plan runs as fast as FFTW_MEASURE's (measured at 32, 64 and 128:
        // within 2 %), and planning takes no time instead of 30–90 ms under this lock, during which every other
        // worker waits. Other sides keep FFTW_MEASURE (2× faster transforms at 96 and 224).
        let isPowerOfTwo = { (side: Int) in side > 0 && side & (side - 1) == 0 }
        let planning = isPowerOfTwo(rows) && isPowerOfTwo(columns) ? UInt32(FFTW_ESTIMATE) : flags
        guard
            let plan = S.fftPlan(
                rows: rows, columns: columns, sign: direction.fftwSign, flags: planning,
                buffer: scratch + misalignment)
        else { fatalError("FFTW could not plan a \(rows)x\(columns) transform") }
        plans[key] = plan
        return plan
    }
}
