import RealModule

/// A dense tensor in row-major (C) order. Networks use 4D NCHW tensors (batch, channels, height, width), exactly as
/// PyTorch; the shape is kept general so that weights ([out, in, kH, kW]) and biases ([out]) are tensors too.
public struct Tensor<Scalar: TensorScalar>: Equatable, Sendable {
    /// The dimensions, outermost first (read-only: a tensor changes shape only through `reshaped`).
    public var shape: [Int] { storedShape }
    public var scalars: [Scalar]
    /// Stored apart from `shape` so that the small initialisers can be inlined into other modules (and specialised
    /// there) while the shape stays read-only outside SpectraCore.
    @usableFromInline var storedShape: [Int]

    /// Creates a tensor from its scalars; throws when the count does not match the shape.
    public init(shape: [Int], scalars: [Scalar]) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw SpectraError.invalidInput("negative dimension in shape \(describeShape(shape))")
        }
        let count = shape.reduce(1, *)
        guard count == scalars.count else {
            throw SpectraError.invalidInput(
                "shape \(describeShape(shape)) needs \(count) values, got \(scalars.count)")
        }
        self.storedShape = shape
        self.scalars = scalars
    }

    /// A tensor of zeros.
    @inlinable
    public init(zeros shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension")
        self.storedShape = shape
        self.scalars = [Scalar](repeating: 0, count: shape.reduce(1, *))
    }

    /// A tensor whose element at flat index i is `generator(i)`.
    public init(shape: [Int], generator: (Int) -> Scalar) {
        self.storedShape = shape
        self.scalars = (0..<shape.reduce(1, *)).map(generator)
    }

    @inlinable
    public var count: Int { scalars.count }
    @inlinable
    public var rank: Int { shape.count }

    /// NCHW accessors; valid for rank-4 tensors.
    @inlinable
    public var batch: Int { shape[0] }
    @inlinable
    public var channels: Int { shape[1] }
    @inlinable
    public var height: Int { shape[2] }
    @inlinable
    public var width: Int { shape[3] }

    /// Element access for rank-4 tensors (tests and naive reference code; hot loops use buffer pointers).
    @inlinable
    public subscript(n: Int, c: Int, h: Int, w: Int) -> Scalar {
        get { scalars[((n * shape[1] + c) * shape[2] + h) * shape[3] + w] }
        set { scalars[((n * shape[1] + c) * shape[2] + h) * shape[3] + w] = newValue }
    }

    /// The same values in another precision (Float -> Double is exact).
    @inlinable
    public func converted<T: TensorScalar>(to: T.Type = T.self) -> Tensor<T> {
        if let same = self as? Tensor<T> { return same }
        return try! Tensor<T>(shape: shape, scalars: scalars.map { T($0) })
    }

    /// The same scalars seen with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        try Tensor(shape: newShape, scalars: scalars)
    }

    /// Images `range` of the batch (rank-4 tensors).
    public func batchSlice(_ range: Range<Int>) -> Tensor {
        let per = shape.dropFirst().reduce(1, *)
        var newShape = shape
        newShape[0] = range.count
        return try! Tensor(
            shape: newShape, scalars: Array(scalars[(range.lowerBound * per)..<(range.upperBound * per)]))
    }

    /// Throws when any value is NaN or infinite: the analysis of such input would be meaningless.
    @inlinable
    public func checkFinite(_ what: String) throws {
        let firstNonFinite = scalars.withUnsafeBufferPointer { buffer in buffer.firstIndex { !$0.isFinite } }
        if let index = firstNonFinite {
            throw SpectraError.invalidInput(
                "\(what) contains a non-finite value (\(scalars[index])) at flat index \(index)")
        }
    }

    /// The number of NaN and infinite values (a vectorised count in CVectorKernels: this runs on every layer output).
    @inlinable
    public var nonFiniteCount: Int {
        scalars.withUnsafeBufferPointer { buffer in
            buffer.baseAddress.map { Scalar.countNonFinite($0, count: buffer.count) } ?? 0
        }
    }

    /// Euclidean norm, accumulated in Double.
    @inlinable
    public var norm: Double {
        var sum = 0.0
        for v in scalars { sum += Double(v) * Double(v) }
        return sum.squareRoot()
    }
}
