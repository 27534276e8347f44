import SpectraCore
import SpectraNetwork

/// A first-order optimiser over a Sequential model's trainable parameters (those that receive gradients), with the
/// update rules of `torch.optim`. Arithmetic in Double; parameters are stored back in Float32.
public protocol Optimizer: Sendable, Codable {
    mutating func step(_ model: inout Sequential, gradients: [[String: Tensor<Float>]]) throws
}

/// `torch.optim.SGD(lr, momentum, weight_decay)` (dampening 0, no Nesterov): d = g + wd·p; buf = d on the first step,
/// then buf = momentum·buf + d; p ← p − lr·buf (or p ← p − lr·d without momentum).
public struct SGD: Optimizer {
    public var learningRate: Double
    public var momentum: Double
    public var weightDecay: Double
    public var buffers: [String: [Double]] = [:]

    /// `torch.optim.SGD` with its defaults (no momentum, no weight decay).
    public init(learningRate: Double, momentum: Double = 0, weightDecay: Double = 0) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
    }

    public mutating func step(_ model: inout Sequential, gradients: [[String: Tensor<Float>]]) throws {
        try OptimizerSupport.update(&model, gradients) { key, p, g in
            var d = zip(g, p).map { $0 + weightDecay * $1 }
            if momentum != 0 {
                if let buffer = buffers[key] { d = zip(buffer, d).map { momentum * $0 + $1 } }
                buffers[key] = d
            }
            return zip(p, d).map { $0 - learningRate * $1 }
        }
    }
}

/// `torch.optim.Adam(lr, betas, eps, weight_decay)` (L2 penalty added to the gradient, not AdamW).
public struct Adam: Optimizer {
    public var learningRate: Double
    public var beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double
    public var firstMoments: [String: [Double]] = [:]
    public var secondMoments: [String: [Double]] = [:]
    public var steps: [String: Int] = [:]

    public init(
        learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
        weightDecay: Double = 0
    ) {
        (self.learningRate, self.beta1, self.beta2, self.epsilon, self.weightDecay) = (
            learningRate, beta1, beta2, epsilon, weightDecay
        )
    }

    public mutating func step(_ model: inout Sequential, gradients: [[String: Tensor<Float>]]) throws {
        try OptimizerSupport.update(&model, gradients) { key, p, g in
            let grad = zip(g, p).map { $0 + weightDecay * $1 }
            let t = (steps[key] ?? 0) + 1
            steps[key] = t
            let m = zip(firstMoments[key] ?? Array(repeating: 0, count: p.count), grad).map {
                beta1 * $0 + (1 - beta1) * $1
            }
            let v = zip(secondMoments[key] ?? Array(repeating: 0, count: p.count), grad).map {
                beta2 * $0 + (1 - beta2) * $1 * $1
            }
            firstMoments[key] = m
            secondMoments[key] = v
            let (c1, c2) = (1 - pow(beta1, Double(t)), 1 - pow(beta2, Double(t)))
            return (0..<p.count).map { i in p[i] - learningRate / c1 * m[i] / ((v[i] / c2).squareRoot() + epsilon) }
        }
    }
}

import Foundation

enum OptimizerSupport {
    /// Applies `rule(key, parameter, gradient) -> new parameter` to every parameter that has a gradient.
    static func update(
        _ model: inout Sequential, _ gradients: [[String: Tensor<Float>]],
        rule: (String, [Double], [Double]) -> [Double]
    ) throws {
        guard gradients.count == model.layers.count else {
            throw SpectraError.invalidInput("\(gradients.count) gradient sets for \(model.layers.count) layers")
        }
        for index in model.layers.indices {
            for (name, tensor) in model.layers[index].layer.parameters {
                guard let g = gradients[index][name] else { continue }
                guard g.shape == tensor.shape else {
                    throw SpectraError.shapeMismatch(
                        layer: model.layers[index].name, expected: describeShape(tensor.shape),
                        got: g.shape)
                }
                let updated = rule(
                    "\(model.layers[index].name).\(name)", tensor.scalars.map(Double.init), g.scalars.map(Double.init))
                try model.layers[index].layer.setParameter(
                    name, try Tensor(shape: tensor.shape, scalars: updated.map(Float.init)))
            }
        }
    }
}

/// The optimisers `train` offers, as checkpoints and `--optimizer` spell them (torch.optim's update rules).
public enum OptimizerKind: String, Codable, Sendable, CaseIterable {
    case sgd, adam
}
