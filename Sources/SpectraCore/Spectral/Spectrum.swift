import RealModule
import ComplexModule

/// Channel-wise spectrum maps G in C^{B x C x M x N} (docs/theory.md §1.2, Eq. 2): one complex 2D DFT per image and channel,
/// un-shifted (DC at [0, 0]), in the same layout and convention as `numpy.fft.fft2` over the last two axes.
/// `Complex<S>` is layout-compatible with C's `S _Complex`, so the storage is handed to FFTW and BLAS directly.
public struct Spectrum<Scalar: TensorScalar>: Sendable {
    public var shape: [Int]
    public var values: [Complex<Scalar>]

    /// A spectrum from its values in [B, C, M, N] row-major order (un-shifted, DC at [0, 0]); the count must match.
    @inlinable
    public init(shape: [Int], values: [Complex<Scalar>]) {
        precondition(shape.count == 4 && shape.reduce(1, *) == values.count, "spectrum shape/value mismatch")
        self.shape = shape
        self.values = values
    }

    /// A spectrum of zeros of shape [B, C, M, N].
    @inlinable
    public init(zeros shape: [Int]) {
        self.init(shape: shape, values: [Complex<Scalar>](repeating: .zero, count: shape.reduce(1, *)))
    }

    @inlinable
    public var batch: Int { shape[0] }
    @inlinable
    public var channels: Int { shape[1] }
    @inlinable
    public var rows: Int { shape[2] }
    @inlinable
    public var columns: Int { shape[3] }
    @inlinable
    public var planeSize: Int { shape[2] * shape[3] }

    /// G_c(u, v) of image b (tests and reference code; hot loops use buffer pointers).
    @inlinable
    public subscript(b: Int, c: Int, u: Int, v: Int) -> Complex<Scalar> {
        get { values[((b * shape[1] + c) * shape[2] + u) * shape[3] + v] }
        set { values[((b * shape[1] + c) * shape[2] + u) * shape[3] + v] = newValue }
    }

    /// The same spectrum in another precision.
    @inlinable
    public func converted<T: TensorScalar>(to: T.Type = T.self) -> Spectrum<T> {
        Spectrum<T>(shape: shape, values: values.map { Complex(T($0.real), T($0.imaginary)) })
    }

    /// Each plane (image b, channel c) multiplied by `factor(b · C + c)`, written once into a new spectrum (a copy
    /// then an in-place product would pass over the values twice): the rule of every per-channel or per-image
    /// scaling (BatchNorm, GroupNorm, the linearised activations).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func scalingPlanes(by factor: (Int) -> Scalar) -> Spectrum {
        let plane = 2 * planeSize, count = values.count
        let scaled = [Complex<Scalar>](unsafeUninitializedCapacity: count) { target, initialized in
            values.withUnsafeBufferPointer { source in
                source.withMemoryRebound(to: Scalar.self) { x in
                    target.withMemoryRebound(to: Scalar.self) { y in
                        for p in 0..<(plane == 0 ? 0 : 2 * count / plane) {
                            let a = factor(p), base = p &* plane
                            for i in base..<(base &+ plane) { y[i] = x[i] * a }
                        }
                    }
                }
            }
            initialized = count
        }
        return Spectrum(shape: shape, values: scaled)
    }

    /// ‖a − b‖₂ / ‖b‖₂ over all entries, accumulated in Double (the error measure of `verify`).
    public static func relativeError(_ a: Spectrum, reference b: Spectrum) -> Double {
        precondition(a.shape == b.shape, "relativeError: shapes differ")
        var diff = 0.0, ref = 0.0
        for i in 0..<a.values.count {
            let dr = Double(a.values[i].real - b.values[i].real),
                di = Double(a.values[i].imaginary - b.values[i].imaginary)
            let rr = Double(b.values[i].real), ri = Double(b.values[i].imaginary)
            diff += dr * dr + di * di
            ref += rr * rr + ri * ri
        }
        return ref > 0 ? (diff / ref).squareRoot() : diff.squareRoot()
    }
}
