import SpectraCore
import SpectraNetwork

/// Convolutions that are not one Conv2d: groups (one Conv2d per group on its slice of channels) and asymmetric
/// padding (explicit zero padding, then an unpadded Conv2d).
extension ONNXNodeOperator {
    /// Conv with groups or asymmetric padding: explicit zero padding, then one Conv2d per group.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    func groupedOrPaddedConvolution<S: TensorScalar>(
        _ inputs: [TensorValue<S>?], context: GraphContext<S>
    ) throws -> Tensor<S> {
        guard case let .real(x)? = inputs[0], x.rank == 4, let weight = try ONNXLookup(context).convolutionWeight(node)
        else {
            throw node.error("needs a 4D input and a 4D weight")
        }
        let groups = try node.int("group", default: 1)
        let pads = try ONNXLayers.explicitPads(
            node, kernel: (weight.shape[2], weight.shape[3]), input: (x.height, x.width))
        guard groups > 0, x.channels % groups == 0, weight.shape[0] % groups == 0,
            weight.shape[1] * groups == x.channels
        else {
            throw node.error(
                "group \(groups) does not fit input channels \(x.channels) and weight \(describeShape(weight.shape))")
        }
        try ResourceLimits.checkAllocation(
            [x.batch, x.channels, x.height + pads[0] + pads[2], x.width + pads[1] + pads[3]],
            layer: node.label, what: "its padded input")
        let rows = paddedIndexMap(size: x.height, before: pads[0], after: pads[2], mode: .zeros)
        let cols = paddedIndexMap(size: x.width, before: pads[1], after: pads[3], mode: .zeros)
        var padded = Tensor<S>(zeros: [x.batch, x.channels, rows.count, cols.count])
        for p in 0..<(x.batch * x.channels) {
            for (r, sr) in rows.enumerated() where sr >= 0 {
                for (q, sq) in cols.enumerated() where sq >= 0 {
                    padded.scalars[(p * rows.count + r) * cols.count + q] =
                        x.scalars[(p * x.height + sr) * x.width + sq]
                }
            }
        }
        let inPer = x.channels / groups, outPer = weight.shape[0] / groups
        let layers = try groupLayers(ONNXLookup(context), padding: (0, 0))
        var outputs: [Tensor<S>] = []
        for (g, conv) in layers.enumerated() {
            let plane: Int = rows.count * cols.count
            var groupScalars: [S] = []
            for b in 0..<x.batch {
                let start: Int = (b * x.channels + g * inPer) * plane
                groupScalars += padded.scalars[start..<(start + inPer * plane)]
            }
            let slice = try Tensor(shape: [x.batch, inPer, rows.count, cols.count], scalars: groupScalars)
            outputs.append(try conv.forward(slice))
        }
        guard let first = outputs.first else { throw node.error("no groups") }
        let plane: Int = first.height * first.width
        var y = Tensor<S>(zeros: [x.batch, weight.shape[0], first.height, first.width])
        for (g, out) in outputs.enumerated() {
            for b in 0..<x.batch {
                let target: Int = (b * weight.shape[0] + g * outPer) * plane
                y.scalars.replaceSubrange(
                    target..<(target + outPer * plane),
                    with: out.scalars[(b * outPer * plane)..<((b + 1) * outPer * plane)])
            }
        }
        return y
    }

    /// The bias of a Conv or ConvTranspose node (its optional third input), when it has one.
    private func optionalBias(_ values: ONNXLookup) -> Tensor<Float>? {
        guard node.inputs.count > 2, !node.inputs[2].isEmpty, case let .real(b)? = values.value(node.inputs[2]) else {
            return nil
        }
        return b
    }

    /// One Conv2d per group of a grouped ONNX Conv (weights and biases sliced), with the given padding.
    func groupLayers(_ values: ONNXLookup, padding: (Int, Int)) throws -> [Conv2d] {
        guard let weight = try values.convolutionWeight(node) else { throw node.error("needs a 4D weight") }
        let groups = try node.int("group", default: 1)
        guard groups > 0, weight.shape[0] % groups == 0 else {
            throw node.error("group \(groups) does not divide \(weight.shape[0]) kernels")
        }
        let bias = optionalBias(values)
        let (inPer, outPer) = (weight.shape[1], weight.shape[0] / groups)
        let stride = try node.pair("strides", default: 1)
        let per = inPer * weight.shape[2] * weight.shape[3]
        var generator = SeededGenerator(seed: 0)
        return try (0..<groups).map { g in
            var conv = try Conv2d(
                inChannels: inPer, outChannels: outPer, kernelSize: (weight.shape[2], weight.shape[3]),
                stride: stride, padding: padding, bias: bias != nil, generator: &generator)
            try conv.setParameter(
                "weight",
                try Tensor(
                    shape: [outPer, inPer, weight.shape[2], weight.shape[3]],
                    scalars: Array(weight.scalars[(g * outPer * per)..<((g + 1) * outPer * per)])))
            if let bias {
                try conv.setParameter(
                    "bias", try Tensor(shape: [outPer], scalars: Array(bias.scalars[(g * outPer)..<((g + 1) * outPer)]))
                )
            }
            return conv
        }
    }

    /// One ConvTranspose2d per group of a grouped ConvTranspose: input channels g·C/G ..< (g+1)·C/G with weight rows
    /// of the same range ([C_in, C_out/G, kH, kW]) give output channels g·D/G ..< (g+1)·D/G.
    func transposedGroupLayers(_ values: ONNXLookup) throws -> [ConvTranspose2d] {
        let inputShape = values.shape(node.inputs[0])
        let inputSize = inputShape.flatMap { $0.count == 4 ? ($0[2], $0[3]) : nil }
        guard case let .real(weight)? = values.value(node.inputs[1]), weight.rank == 4 else {
            throw node.error("needs a 4D weight")
        }
        let groups = try node.int("group", default: 1)
        guard groups > 0, weight.shape[0] % groups == 0 else {
            throw node.error("group \(groups) does not divide \(weight.shape[0]) input channels")
        }
        let bias = optionalBias(values)
        let (inPer, outPer) = (weight.shape[0] / groups, weight.shape[1])
        let per = inPer * outPer * weight.shape[2] * weight.shape[3]
        return try (0..<groups).map { g in
            let slice = try Tensor(
                shape: [inPer, outPer, weight.shape[2], weight.shape[3]],
                scalars: Array(weight.scalars[(g * per)..<((g + 1) * per)]))
            let groupBias = try bias.map {
                try Tensor(shape: [outPer], scalars: Array($0.scalars[(g * outPer)..<((g + 1) * outPer)]))
            }
            return try ONNXLayers.transposedLayer(node, weight: slice, bias: groupBias, inputSize: inputSize)
        }
    }

    /// A grouped ConvTranspose: each group's layer on its slice of channels, outputs joined along the channels.
    func groupedTransposedConvolution<S: TensorScalar>(
        _ inputs: [TensorValue<S>?], context: GraphContext<S>
    ) throws -> Tensor<S> {
        guard case let .real(x)? = inputs[0], x.rank == 4 else { throw node.error("needs a 4D input") }
        let layers = try transposedGroupLayers(ONNXLookup(context))
        guard x.channels == layers.count * layers[0].inChannels else {
            throw node.error(
                "input channels \(x.channels) do not match \(layers.count) groups of \(layers[0].inChannels)")
        }
        let parts = try layers.enumerated().map { g, layer -> Tensor<S> in
            try ResourceLimits.checkAllocation(
                try layer.outputShape(for: [x.batch, layer.inChannels, x.height, x.width]), layer: node.label)
            return try layer.forward(x.channelSlice((g * layer.inChannels)..<((g + 1) * layer.inChannels)))
        }
        return Tensor.concatenatingChannels(parts)
    }
}

extension Tensor {
    /// Channels `range` of every image (rank-4 tensors).
    func channelSlice(_ range: Range<Int>) -> Tensor {
        let plane = height * width
        var values: [Scalar] = []
        values.reserveCapacity(batch * range.count * plane)
        for b in 0..<batch {
            values += scalars[((b * channels + range.lowerBound) * plane)..<((b * channels + range.upperBound) * plane)]
        }
        return try! Tensor(shape: [batch, range.count, height, width], scalars: values)
    }

    /// Rank-4 tensors with the same batch and size, joined along the channel axis.
    static func concatenatingChannels(_ parts: [Tensor]) -> Tensor {
        var shape = parts[0].shape
        shape[1] = parts.reduce(0) { $0 + $1.channels }
        var values: [Scalar] = []
        for b in 0..<shape[0] {
            for p in parts {
                values += p.scalars[(b * p.channels * p.height * p.width)..<((b + 1) * p.channels * p.height * p.width)]
            }
        }
        return try! Tensor(shape: shape, scalars: values)
    }
}
