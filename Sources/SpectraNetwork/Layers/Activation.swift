import RealModule
import SpectraCore

/// Element-wise activations with PyTorch's names: `ReLU`, `LeakyReLU(negative_slope=0.01)`, `Tanh`, `Sigmoid`,
/// `SiLU` (x·σ(x), the swish of diffusion and VAE decoders).
/// The paper's theory assumes none (docs/theory.md §2.5); their spectral action is measured, not derived.
public struct Activation: Layer {
    /// The element-wise functions, with PyTorch's defaults.
    public enum Function: Sendable, Equatable {
        case relu
        case leakyReLU(negativeSlope: Double)
        case tanh
        case sigmoid
        case silu
    }

    public let function: Function

    /// An element-wise activation.
    ///
    /// Shape: any input → output of the same shape.
    ///
    /// - Parameter function: `.relu`, `.leakyReLU(negativeSlope:)`, `.tanh`, `.sigmoid` or `.silu`.
    public init(_ function: Function) { self.function = function }

    public static let relu = Activation(.relu)
    public static let tanh = Activation(.tanh)
    public static let sigmoid = Activation(.sigmoid)
    /// `torch.nn.SiLU`: x·σ(x) = x / (1 + e^{−x}).
    public static let silu = Activation(.silu)
    /// `torch.nn.LeakyReLU(negative_slope)`; 0.01 is PyTorch's default.
    public static func leakyReLU(negativeSlope: Double = 0.01) -> Activation {
        Activation(.leakyReLU(negativeSlope: negativeSlope))
    }

    public var typeName: String {
        switch function {
        case .relu: return "ReLU"
        case .leakyReLU: return "LeakyReLU"
        case .tanh: return "Tanh"
        case .sigmoid: return "Sigmoid"
        case .silu: return "SiLU"
        }
    }

    /// Element-wise, so any shape (as in PyTorch: the mapping MLPs of generators apply them to [B, F] vectors).
    public func outputShape(for input: [Int]) throws -> [Int] {
        guard input.allSatisfy({ $0 >= 0 }) else {
            throw SpectraError.shapeMismatch(
                layer: LayerScope.name(typeName: typeName), expected: "a tensor shape", got: input)
        }
        return input
    }

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func forward<S: TensorScalar>(_ x: Tensor<S>) throws -> Tensor<S> {
        _ = try outputShape(for: x.shape)
        // Written once into a new buffer (a copy of x then an in-place pass would go over the values twice).
        let scalars = [S](unsafeUninitializedCapacity: x.count) { y, initialized in
            x.scalars.withUnsafeBufferPointer { v in
                guard let input = v.baseAddress, let output = y.baseAddress else { return }
                switch function {
                case .relu: for i in v.indices { y[i] = max(v[i], 0) }
                case let .leakyReLU(slope):
                    let a = S(slope)
                    for i in v.indices { y[i] = v[i] < 0 ? v[i] * a : v[i] }
                case .tanh: for i in v.indices { y[i] = S.tanh(v[i]) }
                case .sigmoid: S.logistic(input, into: output, count: v.count, timesInput: false)
                case .silu: S.logistic(input, into: output, count: v.count, timesInput: true)
                }
            }
            initialized = x.count
        }
        return try Tensor(shape: x.shape, scalars: scalars)
    }

    public var configuration: [String: JSONValue] {
        if case let .leakyReLU(slope) = function { return ["negative_slope": .double(slope)] }
        return [:]
    }
}
