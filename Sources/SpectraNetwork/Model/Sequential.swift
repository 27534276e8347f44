import RealModule
import SpectraCore

/// A layer with the name it has in the model (PyTorch's module name, e.g. "conv3").
public struct NamedLayer: Sendable {
    public var name: String
    public var layer: any Layer

    /// A layer and the name it has in the model (PyTorch's module name, also the key prefix of its weights).
    public init(_ name: String, _ layer: any Layer) {
        self.name = name
        self.layer = layer
    }
}

/// A sequential decoder (`torch.nn.Sequential`) in which every layer's output can be captured.
public struct Sequential: Sendable {
    public var name: String
    public var summary: String
    /// Input channels and the default input size the model is meant for (built-in data uses it).
    public var inputChannels: Int
    public var inputSize: (height: Int, width: Int)
    public var layers: [NamedLayer]

    /// A chain of named layers.
    ///
    /// - Parameters:
    ///   - name: the model's name (reports, file names).
    ///   - summary: one line on what the model is.
    ///   - inputChannels: C of the inputs.
    ///   - inputSize: (H, W) the built-in data are generated at.
    ///   - layers: the layers in order; each reads the previous one's output.
    public init(name: String, summary: String = "", inputChannels: Int, inputSize: (Int, Int), layers: [NamedLayer]) {
        self.name = name
        self.summary = summary
        self.inputChannels = inputChannels
        self.inputSize = inputSize
        self.layers = layers
    }

    /// The output shape of every layer for an input shape; throws naming the first layer that rejects its input.
    public func shapes(for input: [Int]) throws -> [[Int]] {
        var shape = input
        var result: [[Int]] = []
        for named in layers {
            shape = try LayerScope.running(named.name) { try named.layer.outputShape(for: shape) }
            try ResourceLimits.checkAllocation(shape, layer: named.name)
            result.append(shape)
        }
        return result
    }

    /// Runs the network; returns the output of every layer (index i = output of layers[i]).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func forwardCapturingAll<S: TensorScalar>(_ x: Tensor<S>) throws -> [Tensor<S>] {
        _ = try shapes(for: x.shape)
        var current = x
        var outputs: [Tensor<S>] = []
        for named in layers {
            current = try LayerScope.running(named.name) { try named.layer.forward(current) }
            outputs.append(current)
        }
        return outputs
    }

    /// Runs the network and returns its output only.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public func forward<S: TensorScalar>(_ x: Tensor<S>) throws -> Tensor<S> {
        _ = try shapes(for: x.shape)
        var current = x
        for named in layers {
            current = try LayerScope.running(named.name) { try named.layer.forward(current) }
        }
        return current
    }
}

extension Sequential {
    /// The model up to and including the layer called `name` (the whole model when nil).
    public func truncated(after name: String?) throws -> Sequential {
        guard let name else { return self }
        guard let index = layers.firstIndex(where: { $0.name == name }) else {
            throw SpectraError.unknownLayer(model: self.name, name: name, known: layers.map(\.name))
        }
        var copy = self
        copy.layers = Array(layers[...index])
        return copy
    }
}
