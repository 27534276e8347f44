import Foundation
import SpectraCore
import SpectraNetwork

/// The node patterns `torch.onnx.export` writes for one PyTorch module, folded back into one node, so that an
/// imported decoder has the stages its author wrote (`n1` GroupNorm, `a1` SiLU) instead of the exporter's pieces:
///
/// - GroupNorm (opsets < 18 have no GroupNormalization): Reshape(x, [0, G, −1]) → InstanceNormalization (scale s,
///   bias b per group) → Reshape(·, Shape(x)) → Mul(γ) → Add(β), where γ and β are per-channel constants ([C, 1, 1]);
///   it becomes GroupNormalization with scale γ_c·s_g and bias γ_c·b_g + β_c (γ = s, β = b per group without the
///   Mul/Add of `affine=False`). The same arithmetic in one pass: (x − μ)/σ · scale + bias.
/// - SiLU: Sigmoid(x) → Mul(x, σ(x)) becomes the `SiLU` layer, x/(1 + e^{−x}) (as torch computes it).
///
/// A pattern is fused only where every value inside it is read by the pattern alone (no other node and no graph
/// output reads it), so the graph computes the same outputs. `ModelGraph(onnx:fusingModules: false)` keeps every
/// exported node (and every intermediate value, as onnxruntime has them).
enum ONNXModuleFusion {
    /// An imported node with the ONNX node it came from.
    struct Imported {
        var graphNode: GraphNode
        var source: ONNXNode
    }

    /// The nodes with every fusable pattern replaced by its module; new constants (the fused scale and bias) are
    /// added to `constants`.
    static func fuse(_ imported: [Imported], constants: inout [String: ONNXValue], outputs: [String]) -> [GraphNode] {
        var nodes: [Imported?] = imported
        var readers: [String: [Int]] = [:]
        for (index, node) in imported.enumerated() {
            for name in node.graphNode.inputs where !name.isEmpty { readers[name, default: []].append(index) }
        }
        for name in outputs { readers[name, default: []].append(-1) }  // a graph output is read from outside
        /// The one node that reads `name`, when exactly one does.
        func soleReader(_ name: String) -> Int? {
            guard let list = readers[name], list.count == 1, list[0] >= 0, nodes[list[0]] != nil else { return nil }
            return list[0]
        }
        for index in imported.indices {
            guard let node = nodes[index] else { continue }
            switch node.graphNode.typeName {
            case "Sigmoid":
                if let (position, fused) = silu(at: index, nodes, soleReader) {
                    nodes[index] = nil
                    nodes[position] = fused
                }
            case "Reshape":
                if let (members, fused) = groupNorm(at: index, nodes, soleReader, constants: &constants) {
                    for member in members { nodes[member] = nil }
                    nodes[members.max()!] = fused
                }
            default:
                break
            }
        }
        return nodes.compactMap { $0 }.enumerated().map { position, node in
            let g = node.graphNode
            return GraphNode(
                index: position, name: g.name, inputs: g.inputs, outputs: g.outputs, op: g.op, typeName: g.typeName,
                label: g.label)
        }
    }

    /// Sigmoid(x) → Mul(x, σ) (either order) as one SiLU node at the Mul's place.
    private static func silu(
        at index: Int, _ nodes: [Imported?], _ soleReader: (String) -> Int?
    ) -> (Int, Imported)? {
        guard let sigmoid = nodes[index], let x = sigmoid.graphNode.inputs.first,
            let s = sigmoid.graphNode.outputs.first, let position = soleReader(s), let mul = nodes[position],
            mul.graphNode.typeName == "Mul", mul.graphNode.inputs.count == 2, Set(mul.graphNode.inputs) == [x, s]
        else { return nil }
        let name = commonScope([sigmoid.graphNode.name, mul.graphNode.name])
        return (position, fused(name, "SiLU", LayerOperator(Activation.silu), [x], mul, first: sigmoid))
    }

    /// Reshape → InstanceNormalization → Reshape(Shape(x)) [→ Mul(γ) → Add(β)] as one GroupNormalization node.
    private static func groupNorm(
        at index: Int, _ nodes: [Imported?], _ soleReader: (String) -> Int?, constants: inout [String: ONNXValue]
    ) -> ([Int], Imported)? {
        func node(reading value: String, type: String) -> (Int, Imported)? {
            guard let position = soleReader(value), let node = nodes[position], node.graphNode.typeName == type
            else { return nil }
            return (position, node)
        }
        func real(_ name: String) -> Tensor<Float>? {
            if case let .real(t)? = constants[name] { return t }
            return nil
        }
        // Reshape(x, [0, G, −1]) → InstanceNormalization(scale, bias: G values each).
        guard let first = nodes[index], first.graphNode.inputs.count == 2,
            case let .int64(_, shape)? = constants[first.graphNode.inputs[1]], shape.count == 3, shape[0] == 0,
            shape[1] > 0, shape[2] == -1, let folded = first.graphNode.outputs.first,
            let (normIndex, norm) = node(reading: folded, type: "InstanceNormalization"),
            norm.graphNode.inputs.count == 3, let s = real(norm.graphNode.inputs[1]),
            let b = real(norm.graphNode.inputs[2])
        else { return nil }
        let x = first.graphNode.inputs[0], groups = Int(shape[1])
        guard s.count == groups, b.count == groups, let normalised = norm.graphNode.outputs.first,
            // Reshape(·, Shape(x)): back to x's shape.
            let (unfoldIndex, unfold) = node(reading: normalised, type: "Reshape"), unfold.graphNode.inputs.count == 2,
            unfold.graphNode.inputs[0] == normalised,
            let shapeIndex = nodes.firstIndex(where: {
                $0?.graphNode.typeName == "Shape" && $0?.graphNode.outputs.first == unfold.graphNode.inputs[1]
            }), let shapeNode = nodes[shapeIndex], shapeNode.graphNode.inputs == [x],
            !shapeNode.source.has("start"), !shapeNode.source.has("end"),
            soleReader(unfold.graphNode.inputs[1]) == unfoldIndex, var output = unfold.graphNode.outputs.first
        else { return nil }
        var members = [index, normIndex, shapeIndex, unfoldIndex], last = unfold
        let epsilon = norm.source.float("epsilon", default: 1e-5)
        var scale = s.scalars, bias = b.scalars, perChannel = false
        // The affine part: Mul by γ, then Add β, each a per-channel constant [C, 1, 1] or [1, C, 1, 1].
        func perChannelConstant(of node: Imported, besides value: String) -> [Float]? {
            guard node.graphNode.inputs.count == 2, node.graphNode.inputs.contains(value),
                let other = node.graphNode.inputs.first(where: { $0 != value }), let t = real(other),
                t.shape == [t.count, 1, 1] || t.shape == [1, t.count, 1, 1], t.count % groups == 0
            else { return nil }
            return t.scalars
        }
        if let (mulIndex, mul) = node(reading: output, type: "Mul"),
            let gamma = perChannelConstant(of: mul, besides: output)
        {
            let perGroup = gamma.count / groups
            scale = gamma.indices.map { gamma[$0] * s.scalars[$0 / perGroup] }
            bias = gamma.indices.map { gamma[$0] * b.scalars[$0 / perGroup] }
            perChannel = true
            members.append(mulIndex)
            (output, last) = (mul.graphNode.outputs[0], mul)
            if let (addIndex, add) = node(reading: output, type: "Add"),
                let beta = perChannelConstant(of: add, besides: output), beta.count == gamma.count
            {
                bias = bias.indices.map { bias[$0] + beta[$0] }
                members.append(addIndex)
                (output, last) = (add.graphNode.outputs[0], add)
            }
        }
        let name = commonScope(members.sorted().compactMap { nodes[$0]?.graphNode.name })
        let (scaleName, biasName) = ("\(name)::fused-scale-\(index)", "\(name)::fused-bias-\(index)")
        guard constants[scaleName] == nil, constants[biasName] == nil else { return nil }
        constants[scaleName] = .real(try! Tensor(shape: [scale.count], scalars: scale))
        constants[biasName] = .real(try! Tensor(shape: [bias.count], scalars: bias))
        // GroupNormalization's scale is per channel from opset 21, per group before.
        let source = ONNXNode(
            index: first.source.index, name: name, opType: "GroupNormalization", inputs: [x, scaleName, biasName],
            outputs: last.graphNode.outputs,
            attributes: ["num_groups": .integer("num_groups", groups), "epsilon": .real("epsilon", epsilon)])
        let op = ONNXNodeOperator(node: source, opset: perChannel ? 21 : 18)
        return (members, fused(name, "GroupNormalization", op, source.inputs, last, first: first))
    }

    /// The fused node: named after the module, reading `inputs`, writing what `last` wrote.
    private static func fused(
        _ name: String, _ type: String, _ op: any GraphOperator, _ inputs: [String], _ last: Imported,
        first: Imported
    ) -> Imported {
        let label =
            "node \(first.source.index) '\(name)' (\(type), fused from nodes \(first.source.index)–"
            + "\(last.source.index))"
        return Imported(
            graphNode: GraphNode(
                index: last.graphNode.index, name: name, inputs: inputs, outputs: last.graphNode.outputs, op: op,
                typeName: type, label: label),
            source: last.source)
    }

    /// The module path the nodes share ("/1/n1" of "/1/n1/Reshape" and "/1/n1/Add"), or the last name when they
    /// share none.
    static func commonScope(_ names: [String]) -> String {
        let paths = names.map { $0.split(separator: "/", omittingEmptySubsequences: false).dropLast() }
        guard var common = paths.first else { return names.last ?? "" }
        for path in paths.dropFirst() {
            common = common.prefix(zip(common, path).prefix { $0 == $1 }.count)
        }
        let scope = common.joined(separator: "/")
        return scope.isEmpty || scope == "/" ? names.last ?? "" : scope
    }
}

extension Onnx_AttributeProto {
    /// An INT attribute.
    static func integer(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .int
        attribute.i = Int64(value)
        return attribute
    }

    /// A FLOAT attribute.
    static func real(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        var attribute = Onnx_AttributeProto()
        attribute.name = name
        attribute.type = .float
        attribute.f = value
        return attribute
    }
}
