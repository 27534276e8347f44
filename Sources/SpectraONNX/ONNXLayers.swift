import SpectraCore
import SpectraNetwork

/// ONNX nodes that are DecoderSpectra layers: built from the node's attributes and constant inputs, they run with the
/// layer's forward pass and bring the layer's frequency rule (docs/theory.md §2) to the graph.
enum ONNXLayers {
    /// The layer for `node`, or nil when the op is computed directly by `ONNXOperators`. `values` finds the node's
    /// parameters (float32, as stored) and the shapes of its inputs.
    static func layer(for node: ONNXNode, values: ONNXLookup, opset: Int) throws -> (any Layer)? {
        func constant(_ i: Int) throws -> Tensor<Float>? {
            guard i < node.inputs.count, !node.inputs[i].isEmpty else { return nil }
            guard case let .real(t)? = values.value(node.inputs[i]) else {
                throw node.error("input \(i) '\(node.inputs[i])' must be a float tensor")
            }
            return t
        }
        var generator = SeededGenerator(seed: 0)  // placeholder weights, replaced below
        switch node.opType {
        case "Conv":
            guard let weight = try values.convolutionWeight(node) else {
                throw node.error("needs a 4D weight (only 2D convolutions are supported)")
            }
            guard try node.int("group", default: 1) == 1 else { return nil }
            guard
                let (padding, _) = try symmetricPads(
                    node, kernel: (weight.shape[2], weight.shape[3]), input: try inputSize(node, values))
            else {
                return nil
            }
            let stride = try node.pair("strides", default: 1)
            var conv = try Conv2d(
                inChannels: weight.shape[1], outChannels: weight.shape[0],
                kernelSize: (weight.shape[2], weight.shape[3]),
                stride: stride, padding: padding, bias: node.inputs.count > 2 && !node.inputs[2].isEmpty,
                generator: &generator)
            try set(&conv, weight: weight, bias: try constant(2), node: node)
            return conv
        case "ConvTranspose":
            guard let weight = try constant(1), weight.rank == 4 else {
                throw node.error("needs a 4D weight (only 2D is supported)")
            }
            // One layer per group (ONNXGroupedConvolution)
            guard try node.int("group", default: 1) == 1 else { return nil }
            let shape = values.shape(node.inputs[0])
            return try transposedLayer(
                node, weight: weight, bias: try constant(2),
                inputSize: shape.flatMap { $0.count == 4 ? ($0[2], $0[3]) : nil })
        case "BatchNormalization":
            guard let scale = try constant(1), let bias = try constant(2), let mean = try constant(3),
                let variance = try constant(4)
            else {
                throw node.error("needs scale, B, mean and var inputs")
            }
            var bn = try BatchNorm2d(numFeatures: scale.count, eps: Double(node.float("epsilon", default: 1e-5)))
            for (name, t) in [("weight", scale), ("bias", bias), ("running_mean", mean), ("running_var", variance)] {
                do { try bn.setParameter(name, try t.reshaped([scale.count])) } catch { throw node.error("\(error)") }
            }
            return bn
        case "Relu": return Activation.relu
        case "Tanh": return Activation.tanh
        case "Sigmoid": return Activation.sigmoid
        case "LeakyRelu": return Activation.leakyReLU(negativeSlope: Double(node.float("alpha", default: 0.01)))
        case "Resize", "Upsample":
            // An Upsample layer (and its exact rule) where the configuration is one; any other resize is computed by
            // `ONNXOperators.resize` and has no frequency rule.
            return try? upsampling(node, values: values, opset: opset)
        default:
            return nil
        }
    }

    /// The ConvTranspose2d of a ConvTranspose node (or of one group of it) with the node's strides, pads and
    /// output_padding; weight [C_in, C_out, kH, kW].
    static func transposedLayer(
        _ node: ONNXNode, weight: Tensor<Float>, bias: Tensor<Float>?, inputSize: (Int, Int)? = nil
    ) throws -> ConvTranspose2d {
        try requireUnitDilations(node)
        let stride = try node.pair("strides", default: 1)
        var outputPadding = try node.pair("output_padding", default: 0, allowZero: true)
        var pads = node.ints("pads") ?? [0, 0, 0, 0]
        let autoPad = node.string("auto_pad", default: "NOTSET")
        if node.has("output_shape") || autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER" {
            // The specification's padding for a requested output size (SAME: input × stride):
            // total = stride·(in − 1) + output_padding + kernel − out, split begin ≥ end unless SAME_UPPER. PyTorch's
            // form has begin = end = p and the difference as output_padding (so end ≤ begin < end + stride).
            guard let size = inputSize else { throw node.error("needs the input's size for output_shape or auto_pad") }
            let requested =
                node.ints("output_shape").map { Array($0.suffix(2)) } ?? [size.0 * stride.0, size.1 * stride.1]
            guard requested.count == 2 else { throw node.error("output_shape must end with H and W") }
            var begin: [Int] = [], end: [Int] = []
            for (i, (n, s, k, op)) in [
                (size.0, stride.0, weight.shape[2], outputPadding.0),
                (size.1, stride.1, weight.shape[3], outputPadding.1),
            ].enumerated() {
                let total = s * (n - 1) + op + k - requested[i]
                guard total >= 0 else {
                    throw node.error("output_shape \(requested) is larger than this ConvTranspose can produce")
                }
                let upper = autoPad == "SAME_UPPER"
                begin.append(upper ? total / 2 : total - total / 2)
                end.append(upper ? total - total / 2 : total / 2)
            }
            guard zip(begin, end).allSatisfy({ $0 >= $1 }) else {
                throw node.error("output_shape with more padding at the end is not supported")
            }
            pads = [begin[0], begin[1], begin[0], begin[1]]
            outputPadding = (outputPadding.0 + begin[0] - end[0], outputPadding.1 + begin[1] - end[1])
        }
        guard pads.count == 4, pads[0] == pads[2], pads[1] == pads[3] else {
            throw node.error("asymmetric pads \(pads) are not supported")
        }
        try ResourceLimits.checkHyperparameters(pads, name: "pads", layer: node.label, positive: false)
        var generator = SeededGenerator(seed: 0)  // placeholder weights, replaced below
        var layer = try ConvTranspose2d(
            inChannels: weight.shape[0], outChannels: weight.shape[1], kernelSize: (weight.shape[2], weight.shape[3]),
            stride: stride, padding: (pads[0], pads[1]), outputPadding: outputPadding, bias: bias != nil,
            generator: &generator)
        try set(&layer, weight: weight, bias: bias, node: node)
        return layer
    }

    private static func set<L: Layer>(
        _ layer: inout L, weight: Tensor<Float>, bias: Tensor<Float>?, node: ONNXNode
    ) throws {
        do {
            try layer.setParameter("weight", weight)
            if let bias { try layer.setParameter("bias", bias) }
        } catch let error as SpectraError {
            throw node.error("\(error)")
        }
    }

    private static func requireUnitDilations(_ node: ONNXNode) throws {
        if let d = node.ints("dilations"), d.contains(where: { $0 != 1 }) {
            throw node.error("dilations \(d) are not supported")
        }
    }

    private static func inputSize(_ node: ONNXNode, _ values: ONNXLookup) throws -> (Int, Int) {
        guard let shape = values.shape(node.inputs[0]), shape.count == 4 else {
            throw node.error("needs a 4D NCHW input")
        }
        return (shape[2], shape[3])
    }

    /// Symmetric (top = bottom, left = right) padding from `pads` or `auto_pad`, or nil when asymmetric.
    static func symmetricPads(_ node: ONNXNode, kernel: (Int, Int), input: (Int, Int)) throws -> ((Int, Int), [Int])? {
        let pads = try explicitPads(node, kernel: kernel, input: input)
        return pads[0] == pads[2] && pads[1] == pads[3] ? ((pads[0], pads[1]), pads) : nil
    }

    /// [top, left, bottom, right] from `pads` or `auto_pad` (SAME_UPPER puts the extra pixel at the end).
    static func explicitPads(_ node: ONNXNode, kernel: (Int, Int), input: (Int, Int)) throws -> [Int] {
        let autoPad = node.string("auto_pad", default: "NOTSET")
        let (strideH, strideW) = try node.pair("strides", default: 1)
        let stride = [strideH, strideW]
        switch autoPad {
        case "NOTSET":
            let pads = node.ints("pads") ?? [0, 0, 0, 0]
            guard pads.count == 4 else { throw node.error("pads \(pads) must be 4 non-negative values") }
            try ResourceLimits.checkHyperparameters(pads, name: "pads", layer: node.label, positive: false)
            return pads
        case "VALID": return [0, 0, 0, 0]
        case "SAME_UPPER", "SAME_LOWER":
            func total(_ size: Int, _ k: Int, _ s: Int) -> Int { max(((size + s - 1) / s - 1) * s + k - size, 0) }
            let (th, tw) = (total(input.0, kernel.0, stride[0]), total(input.1, kernel.1, stride[1]))
            let upper = autoPad == "SAME_UPPER"
            return [
                upper ? th / 2 : th - th / 2, upper ? tw / 2 : tw - tw / 2, upper ? th - th / 2 : th / 2,
                upper ? tw - tw / 2 : tw / 2,
            ]
        default:
            throw node.error("auto_pad '\(autoPad)' is not supported")
        }
    }

    /// Resize (opset 11+) and Upsample (opset 7–9) with integer scales on H and W, as `Upsample`.
    private static func upsampling(_ node: ONNXNode, values: ONNXLookup, opset: Int) throws -> any Layer {
        guard let shape = values.shape(node.inputs[0]), shape.count == 4 else {
            throw node.error("needs a 4D NCHW input")
        }
        var scales: [Float]?
        func floats(_ i: Int) -> [Float]? {
            guard i < node.inputs.count, !node.inputs[i].isEmpty, case let .real(t)? = values.value(node.inputs[i]),
                t.count > 0
            else { return nil }
            return t.scalars
        }
        if node.opType == "Upsample" {
            scales = node.attributes["scales"].map { $0.floats } ?? floats(1)
        } else {
            scales = floats(2)
            if scales == nil, node.inputs.count > 3, case let .int64(_, sizes)? = values.value(node.inputs[3]),
                sizes.count == 4
            {
                scales = zip(sizes, shape).map { Float($0) / Float($1) }
            }
        }
        guard let s = scales, s.count == 4, s[0] == 1, s[1] == 1, s[2] == s[3], s[2] >= 1, s[2] == s[2].rounded(),
            s[2] <= Float(ResourceLimits.maximumHyperparameter)
        else {
            throw node.error(
                "only equal integer scales on H and W are supported, got \(scales.map { "\($0)" } ?? "none")")
        }
        let factor = Int(s[2])
        let mode = node.string("mode", default: "nearest")
        let transform = node.string("coordinate_transformation_mode", default: "half_pixel")
        switch (mode, node.opType) {
        case ("nearest", "Upsample"):
            return try Upsample(scaleFactor: factor, mode: .nearest)
        case ("nearest", _):
            // With an integer factor, floor((i + 0.5)/r − 0.5) rounded as torch does equals i / r for "asymmetric"+"floor";
            // other nearest variants select other pixels.
            let nearestMode = node.string("nearest_mode", default: "round_prefer_floor")
            guard transform == "asymmetric" && (nearestMode == "floor" || factor == 1) else {
                throw node.error(
                    "nearest Resize with coordinate_transformation_mode '\(transform)' and nearest_mode '\(nearestMode)' "
                        + "is not supported (torch exports 'asymmetric' + 'floor')")
            }
            return try Upsample(scaleFactor: factor, mode: .nearest)
        case ("linear", "Resize"):
            switch transform {
            case "half_pixel", "pytorch_half_pixel": return try Upsample(scaleFactor: factor, mode: .bilinear)
            case "align_corners": return try Upsample(scaleFactor: factor, mode: .bilinear, alignCorners: true)
            default:
                throw node.error("linear Resize with coordinate_transformation_mode '\(transform)' is not supported")
            }
        default:
            throw node.error("mode '\(mode)' is not supported (nearest, and linear for Resize)")
        }
    }
}

/// How `ONNXLayers` finds what a node reads: values in float32 (parameters as stored, shapes and sizes) and the
/// shapes of feature maps, without converting the maps themselves.
struct ONNXLookup {
    let value: (String) -> ONNXValue?
    let shape: (String) -> [Int]?

    /// Lookup in a run: the graph's constants, then the run's values (converted when the run is in Double).
    init<S: TensorScalar>(_ context: GraphContext<S>) {
        value = { name in context.graph.constants[name] ?? context.values[name]?.converted(to: Float.self) }
        shape = { name in context.graph.constants[name]?.shape ?? context.values[name]?.shape }
    }

    init(value: @escaping (String) -> ONNXValue?, shape: @escaping (String) -> [Int]?) {
        self.value = value
        self.shape = shape
    }
}

extension ONNXLookup {
    /// The weight of a Conv node with its `dilations` applied as zeros between the taps (a dilated convolution is the
    /// convolution with the dilated kernel, so it runs as one and gets the same frequency rule), or nil when the
    /// weight is not a 4D float tensor.
    func convolutionWeight(_ node: ONNXNode) throws -> Tensor<Float>? {
        guard node.inputs.count > 1, case let .real(weight)? = value(node.inputs[1]), weight.rank == 4 else {
            return nil
        }
        let (dh, dw) = try node.pair("dilations", default: 1)
        guard node.opType == "Conv", (dh, dw) != (1, 1) else { return weight }
        let (kh, kw) = ((weight.shape[2] - 1) * dh + 1, (weight.shape[3] - 1) * dw + 1)
        try ResourceLimits.checkHyperparameters([kh, kw], name: "dilated kernel_shape", layer: node.label)
        let shape = [weight.shape[0], weight.shape[1], kh, kw]
        try ResourceLimits.checkAllocation(shape, layer: node.label, what: "its dilated kernel")
        var dilated = Tensor<Float>(zeros: shape)
        for o in 0..<shape[0] {
            for i in 0..<shape[1] {
                for t in 0..<weight.shape[2] {
                    for s in 0..<weight.shape[3] { dilated[o, i, t * dh, s * dw] = weight[o, i, t, s] }
                }
            }
        }
        return dilated
    }
}
