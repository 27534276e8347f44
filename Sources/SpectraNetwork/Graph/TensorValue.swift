import SpectraCore

/// A value flowing along an edge of a `ModelGraph`: a real tensor in the precision the graph runs in (any rank;
/// NCHW for feature maps), or an int64 tensor (shapes, indices, pads), which has no precision.
public enum TensorValue<Scalar: TensorScalar>: Sendable {
    case real(Tensor<Scalar>)
    case int64(shape: [Int], values: [Int64])

    public var shape: [Int] {
        switch self {
        case let .real(t): return t.shape
        case let .int64(shape, _): return shape
        }
    }

    package var isReal: Bool { if case .real = self { return true } else { return false } }

    /// The real tensor, or nil for an int64 value.
    public var tensor: Tensor<Scalar>? { if case let .real(t) = self { return t } else { return nil } }

    /// The same value in another precision (int64 values are unchanged; Float -> Double is exact).
    public func converted<T: TensorScalar>(to: T.Type = T.self) -> TensorValue<T> {
        switch self {
        case let .real(t): return .real(t.converted(to: T.self))
        case let .int64(shape, values): return .int64(shape: shape, values: values)
        }
    }
}

/// Values as ONNX files store them: parameters are float32, as in PyTorch (double and float16 initializers are
/// converted on load; int32, int8, uint8 and bool become int64).
public typealias ONNXValue = TensorValue<Float>
