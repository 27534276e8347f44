import RealModule
import SpectraCore

/// A decoder layer: a forward pass on NCHW tensors with PyTorch semantics, its parameters under PyTorch's
/// `state_dict` names, and its action on spectra (docs/theory.md §2): an exact rule where one exists (Theorem 3.2,
/// §2.4, Theorem 4.4) or a documented circular/linear surrogate that is measured instead (§7, Fig. 3a).
public protocol Layer: Sendable {
    /// The PyTorch class name ("Conv2d", "ReLU", ...), also the `type` field of the model JSON.
    var typeName: String { get }

    /// Output shape for an NCHW input shape; throws `SpectraError.shapeMismatch` naming the layer (`LayerScope`).
    func outputShape(for input: [Int]) throws -> [Int]

    /// The forward pass. Parameters are stored in Float32 and widened exactly when run in Double.
    func forward<S: TensorScalar>(_ x: Tensor<S>) throws -> Tensor<S>

    /// Parameters and buffers by PyTorch name (`weight`, `bias`, `running_mean`, ...), in a stable order.
    var parameters: [(name: String, tensor: Tensor<Float>)] { get }

    /// Replaces one parameter; throws when the name is unknown or the shape differs.
    mutating func setParameter(_ name: String, _ tensor: Tensor<Float>) throws

    /// Hyper-parameters as written to the model JSON (see `ModelFile`).
    var configuration: [String: JSONValue] { get }

    /// Whether `propagate` is exact for this input shape, a surrogate, or unavailable.
    func spectralRule(for input: [Int]) -> SpectralRule

    /// Propagates input spectra to output spectra without any spatial computation.
    func propagate<S: TensorScalar>(_ spectrum: Spectrum<S>) throws -> Spectrum<S>
}

extension Layer {
    public var parameters: [(name: String, tensor: Tensor<Float>)] { [] }

    public mutating func setParameter(_ name: String, _ tensor: Tensor<Float>) throws {
        throw SpectraError.invalidLayer(
            layer: LayerScope.described(typeName: typeName), reason: "has no parameter '\(name)'")
    }

    /// Checks that the input is NCHW with the expected channel count.
    func requireNCHW(_ input: [Int], channels: Int?) throws {
        guard input.count == 4, input.allSatisfy({ $0 > 0 }), channels == nil || input[1] == channels! else {
            let expected = channels.map { "[N, \($0), H, W]" } ?? "[N, C, H, W]"
            throw SpectraError.shapeMismatch(layer: LayerScope.name(typeName: typeName), expected: expected, got: input)
        }
    }
}

/// How a layer acts on spectra (docs/theory.md §2).
public enum SpectralRule: Sendable, Equatable {
    /// `propagate` equals the DFT of the spatial output up to rounding; the string cites the rule.
    case exact(String)
    /// `propagate` is an approximation (circular or linearised stand-in); it is measured by sim(H*, H) (§7).
    case surrogate(String)
    /// No frequency rule for this configuration; the string says why.
    case unavailable(String)

    public var isExact: Bool { if case .exact = self { return true } else { return false } }

    /// What kind of rule it is, without its explanation: what summaries, tables and verdicts compare.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case exact, surrogate, unavailable
    }

    public var kind: Kind {
        switch self {
        case .exact: return .exact
        case .surrogate: return .surrogate
        case .unavailable: return .unavailable
        }
    }

    /// The largest relative error an exact rule may show against the DFT of the spatial output: the rounding of the
    /// arithmetic (float32: 1e-5, float64: 1e-10; docs/theory.md §12). One bound for `verify`, the report and tests.
    public static func exactnessBound<S: TensorScalar>(for _: S.Type) -> Double { S.self == Double.self ? 1e-10 : 1e-5 }
    public var explanation: String {
        switch self {
        case let .exact(s), let .surrogate(s), let .unavailable(s): return s
        }
    }
}

/// Replaces a parameter after checking its shape; shared by the layers' `setParameter`.
func replaceParameter(
    _ slot: inout Tensor<Float>, with tensor: Tensor<Float>, name: String, layer: String
) throws {
    guard slot.shape == tensor.shape else {
        throw SpectraError.invalidLayer(
            layer: layer,
            reason:
                "parameter '\(name)' has shape \(describeShape(tensor.shape)), expected \(describeShape(slot.shape))")
    }
    slot = tensor
}

/// A layer whose parameters are a `weight` and an optional `bias` (Conv2d, ConvTranspose2d), sharing their
/// state_dict handling.
protocol WeightAndBiasLayer: Layer {
    var weight: Tensor<Float> { get set }
    var bias: Tensor<Float>? { get set }
}

extension WeightAndBiasLayer {
    public var parameters: [(name: String, tensor: Tensor<Float>)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public mutating func setParameter(_ name: String, _ tensor: Tensor<Float>) throws {
        switch name {
        case "weight": try replaceParameter(&weight, with: tensor, name: name, layer: typeName)
        case "bias" where bias != nil: try replaceParameter(&bias!, with: tensor, name: name, layer: typeName)
        default:
            throw SpectraError.invalidLayer(
                layer: LayerScope.described(typeName: typeName), reason: "has no parameter '\(name)'")
        }
    }
}
