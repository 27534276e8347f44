import RealModule
import SpectraCore

/// `torch.nn.BatchNorm2d` in evaluation mode (running statistics):
/// y = (x − running_mean) / √(running_var + eps) · weight + bias, per channel.
/// Defaults as PyTorch: eps = 1e-5, momentum = 0.1, weight 1, bias 0, running mean 0, running var 1.
public struct BatchNorm2d: Layer {
    public let numFeatures: Int
    public let eps: Double
    public let momentum: Double
    public private(set) var weight: Tensor<Float>
    public private(set) var bias: Tensor<Float>
    public private(set) var runningMean: Tensor<Float>
    public private(set) var runningVar: Tensor<Float>

    public var typeName: String { "BatchNorm2d" }

    /// Batch normalisation in evaluation mode, with PyTorch's defaults (weight 1, bias 0, running statistics 0 and 1).
    ///
    /// Shape: input [B, C, H, W] → output [B, C, H, W], with C = `numFeatures`.
    ///
    /// - Parameters:
    ///   - numFeatures: C, the channels.
    ///   - eps: ε added to the running variance.
    ///   - momentum: kept for the model file (training does not update running statistics).
    /// - Throws: `SpectraError.invalidLayer` when `numFeatures` or `eps` is not positive.
    public init(numFeatures: Int, eps: Double = 1e-5, momentum: Double = 0.1) throws {
        guard numFeatures > 0, eps > 0 else {
            throw SpectraError.invalidLayer(layer: "BatchNorm2d", reason: "num_features and eps must be positive")
        }
        self.numFeatures = numFeatures
        self.eps = eps
        self.momentum = momentum
        weight = Tensor(shape: [numFeatures]) { _ in 1 }
        bias = Tensor(zeros: [numFeatures])
        runningMean = Tensor(zeros: [numFeatures])
        runningVar = Tensor(shape: [numFeatures]) { _ in 1 }
    }

    /// The per-channel affine map y = scale·x + shift that evaluation mode computes (in Double).
    public var affine: (scale: [Double], shift: [Double]) {
        var scale = [Double](), shift = [Double]()
        for c in 0..<numFeatures {
            let s = Double(weight.scalars[c]) / (Double(runningVar.scalars[c]) + eps).squareRoot()
            scale.append(s)
            shift.append(Double(bias.scalars[c]) - Double(runningMean.scalars[c]) * s)
        }
        return (scale, shift)
    }

    public func outputShape(for input: [Int]) throws -> [Int] {
        try requireNCHW(input, channels: numFeatures)
        return input
    }

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func forward<S: TensorScalar>(_ x: Tensor<S>) throws -> Tensor<S> {
        _ = try outputShape(for: x.shape)
        let (scale, shift) = affine
        var y = x
        let plane = x.height * x.width
        y.scalars.withUnsafeMutableBufferPointer { v in
            for b in 0..<x.batch {
                for c in 0..<numFeatures {
                    let a = S(scale[c]), s = S(shift[c])
                    let base = (b * numFeatures + c) * plane
                    for i in base..<(base + plane) { v[i] = v[i] * a + s }
                }
            }
        }
        return y
    }

    public var parameters: [(name: String, tensor: Tensor<Float>)] {
        [("weight", weight), ("bias", bias), ("running_mean", runningMean), ("running_var", runningVar)]
    }

    public mutating func setParameter(_ name: String, _ tensor: Tensor<Float>) throws {
        switch name {
        case "weight": try replaceParameter(&weight, with: tensor, name: name, layer: typeName)
        case "bias": try replaceParameter(&bias, with: tensor, name: name, layer: typeName)
        case "running_mean": try replaceParameter(&runningMean, with: tensor, name: name, layer: typeName)
        case "running_var":
            guard tensor.scalars.allSatisfy({ $0 >= 0 }) else {
                throw SpectraError.invalidLayer(
                    layer: LayerScope.described(typeName: typeName), reason: "running_var has a negative entry")
            }
            try replaceParameter(&runningVar, with: tensor, name: name, layer: typeName)
        default:
            throw SpectraError.invalidLayer(
                layer: LayerScope.described(typeName: typeName), reason: "has no parameter '\(name)'")
        }
    }

    public var configuration: [String: JSONValue] {
        ["num_features": .int(numFeatures), "eps": .double(eps), "momentum": .double(momentum)]
    }
}
