import DecoderSpectra
import Foundation
import Testing

/// The one model graph: chains and imported ONNX graphs run through the same executor and spectral tracer, in Float
/// and in Double.
@Suite(.tags(.unit)) struct GraphTests {
    static let onnxFixtures = ["dcgan", "upconv", "subpixel", "residual", "circular"]

    func fixture(_ name: String) throws -> (ModelGraph, Tensor<Float>) {
        let folder = ONNXTests.folder.appendingPathComponent(name)
        return (
            try ModelGraph.load(onnx: folder.appendingPathComponent("model.onnx")),
            try Tensor<Float>.readNpy(folder.appendingPathComponent("input.npy"))
        )
    }

    /// An ONNX graph traced in Double: the exact rules hold to 1e-10 (a Float computation anywhere on the path would
    /// leave errors near 1e-7), and every stage agrees with the Float trace to float32 rounding (1e-4 relative to the
    /// largest value, as the onnxruntime comparison).
    @Test(arguments: onnxFixtures)
    func onnxGraphsRunInFloatAndDouble(name: String) throws {
        let (graph, input) = try fixture(name)
        let single = try graph.trace(input)
        let double = try graph.trace(input.converted(to: Double.self))
        #expect(single.stages.count == double.stages.count && !double.stages.isEmpty)
        var exact = 0
        for (s, d) in zip(single.stages, double.stages) {
            #expect(s.name == d.name && s.verification.rule == d.verification.rule)
            let scale = d.output.scalars.map { abs($0) }.max() ?? 1
            let difference = zip(s.output.scalars, d.output.scalars).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(difference <= 1e-4 * max(1, scale), "\(name) \(d.name): \(difference)")
            if d.verification.rule == .exact {
                exact += 1
                #expect(
                    d.verification.relativeError! < SpectralRule.exactnessBound(for: Double.self),
                    "\(name) \(d.name) (\(d.type)): \(d.verification.relativeError!)")
            }
        }
        #expect(exact > 0, "\(name) has no exact stage")
    }

    /// Import folds what does not depend on the input: no node is left whose inputs are all constants, and no
    /// Constant node is left to run.
    @Test(arguments: onnxFixtures)
    func importFoldsConstantSubgraphs(name: String) throws {
        let folder = ONNXTests.folder.appendingPathComponent(name)
        let file = try ONNXModel.load(folder.appendingPathComponent("model.onnx"))
        let graph = try ModelGraph(onnx: file)
        #expect(!graph.nodes.contains { $0.typeName == "Constant" })
        let computed = Set(graph.nodes.flatMap(\.outputs)).union([graph.inputName])
        #expect(graph.nodes.allSatisfy { node in node.inputs.contains { computed.contains($0) } })
        // Every Conv/ConvTranspose of these exports has constant weights: each becomes a layer, or (circular padding,
        // recognised at run time) stays an ONNX node.
        for node in graph.nodes where node.typeName == "ConvTranspose" {
            #expect(node.op is LayerOperator, "\(name) \(node.name)")
        }
    }

    /// A chain as a graph computes exactly what the chain's own forward pass computes, and back again.
    @Test func chainGraphsMatchTheirSequential() throws {
        let model = try BuiltinModels.model(named: "e10-upconv-decoder")
        let graph = ModelGraph(chain: model)
        #expect(graph.nodes.map(\.name) == model.layers.map(\.name))
        let x = Tensor<Double>(shape: [2, model.inputChannels, 8, 8]) { Double(($0 * 7) % 13) / 13 - 0.5 }
        #expect(try graph.forward(x) == (try model.forward(x)))
        #expect(try graph.asSequential().layers.map(\.name) == model.layers.map(\.name))
        let head = try graph.truncated(after: model.layers[2].name)
        #expect(head.nodes.count == 3)
    }

    /// Frequency labels on real graphs: a 1×1 convolution without padding and a division by a constant are exact
    /// (they were labelled surrogate and unavailable), checked in Double to 1e-10; a constant divided by a map is not.
    @Test func oneByOneConvolutionAndDivisionByAConstantAreExact() throws {
        var builder = ONNXBuilder()
        builder.inputShape = [2, 2, 5, 6]
        builder.floats("w", shape: [3, 2, 1, 1], values: [0.5, -1, 2, 0.25, -0.75, 1.5])
        builder.floats("b", shape: [3], values: [0.1, -0.2, 0.3])
        builder.floats("c", shape: [1, 3, 1, 1], values: [2, -4, 0.5])
        builder.node("Conv", ["x", "w", "b"], ["p"], name: "pointwise")
        builder.node("Div", ["p", "c"], ["q"], name: "scaled")
        builder.node("Div", ["c", "q"], ["y"], name: "inverted")
        let graph = try ModelGraph.load(onnx: try builder.write(to: temporaryFolder()))
        let x = Tensor<Double>(shape: [2, 2, 5, 6]) { Double(($0 * 29) % 17) / 17 - 0.4 }
        let trace = try graph.trace(x)
        let rules = Dictionary(uniqueKeysWithValues: trace.stages.map { ($0.name, $0.verification) })
        for name in ["pointwise", "scaled"] {
            #expect(rules[name]?.rule == .exact, "\(name): \(rules[name]?.detail ?? "")")
            #expect((rules[name]?.relativeError ?? 1) < 1e-10, "\(name)")
        }
        #expect(rules["inverted"]?.rule == .unavailable)
        #expect(Conv2dRuleProbe.zeroPaddedOneByOne().isExact)
    }
}

extension GraphTests {
    /// torch's Pad node before an unpadded Conv (ReflectionPad2d, ReplicationPad2d, ZeroPad2d, circular F.pad) is
    /// analysed as one Conv2d with that padding: the circular one exact to 1e-10 in Double, the others surrogates
    /// with a measured error, all compared at the Conv's stage (the Pad's own stage has no rule: its size changes).
    @Test(arguments: [
        ("wrap", SpectralRule.Kind.exact), ("reflect", .surrogate), ("edge", .surrogate), ("constant", .surrogate),
    ])
    func padBeforeAnUnpaddedConvolutionIsOneConvolution(_ mode: String, _ expected: SpectralRule.Kind) throws {
        var builder = ONNXBuilder()
        builder.inputShape = [2, 2, 6, 6]
        builder.int64s("pads", shape: [8], values: [0, 0, 1, 1, 0, 0, 1, 1])
        builder.floats("w", shape: [3, 2, 3, 3], values: (0..<54).map { Float(($0 * 7) % 11) / 11 - 0.45 })
        builder.node("Pad", ["x", "pads"], ["padded"], [ONNXBuilder.attribute("mode", string: mode)], name: "pad")
        builder.node("Conv", ["padded", "w"], ["y"], name: "conv")
        let graph = try ModelGraph.load(onnx: try builder.write(to: temporaryFolder()))
        let trace = try graph.trace(Tensor<Double>(shape: [2, 2, 6, 6]) { Double(($0 * 31) % 19) / 19 - 0.5 })
        let conv = try #require(trace.stages.first { $0.name == "conv" })
        #expect(conv.verification.rule == expected, "\(mode): \(conv.verification.detail)")
        let error = try #require(conv.verification.relativeError)
        if expected == .exact {
            #expect(error < SpectralRule.exactnessBound(for: Double.self))
        } else {
            #expect(error > 1e-6 && error < 1)
        }
        #expect(trace.stages.first { $0.name == "pad" }?.verification.rule == .unavailable)
    }
}

extension GraphTests {
    /// InstanceNormalization and GroupNormalization (opset 18, per-group affine; opset 21, per-channel) are surrogates
    /// (the affine map depends on the input) whose prediction, an affine map per image and channel with the statistics
    /// of its input, matches to 1e-10 in Double.
    @Test(arguments: [("InstanceNormalization", 17), ("GroupNormalization", 18), ("GroupNormalization", 21)])
    func normalisationsAreExactAffineMaps(_ op: String, _ opset: Int) throws {
        var builder = ONNXBuilder()
        builder.opset = Int64(opset)
        builder.inputShape = [2, 4, 5, 6]
        let count = op == "GroupNormalization" && opset < 21 ? 2 : 4
        builder.floats("scale", shape: [Int64(count)], values: Array([1.5, -0.5, 2, 0.75].prefix(count)))
        builder.floats("bias", shape: [Int64(count)], values: Array([0.1, -0.3, 0.2, 0.4].prefix(count)))
        builder.node(
            op, ["x", "scale", "bias"], ["y"],
            op == "GroupNormalization" ? [ONNXBuilder.attribute("num_groups", int: 2)] : [],
            name: "norm")
        let graph = try ModelGraph.load(onnx: try builder.write(to: temporaryFolder()))
        let trace = try graph.trace(
            Tensor<Double>(shape: [2, 4, 5, 6]) { Double(($0 * 23) % 29) / 29 + Double($0 % 3) })
        let stage = try #require(trace.stages.first)
        #expect(
            stage.verification.rule == .surrogate && stage.verification.detail.contains("affine"), "\(op) \(opset)")
        #expect(try #require(stage.verification.relativeError) < 1e-10)
    }
}

extension GraphTests {
    /// LayerNormalization over [C, H, W] (axis 1) or [H, W] (axis 2) with a gain constant over the map is a per-image
    /// affine map (surrogate, prediction to 1e-10 in Double); with a gain that varies over the map, or along the last
    /// axis alone, it has no rule, and says why.
    @Test func layerNormalizationLabels() throws {
        func stage(axis: Int, spatialGain: Bool) throws -> LayerVerification {
            var builder = ONNXBuilder()
            builder.opset = 17
            builder.inputShape = [2, 3, 4, 5]
            let shape: [Int64] = axis == 1 ? [3, 4, 5] : axis == 2 ? [4, 5] : [5]
            let count = Int(shape.reduce(1, *))
            let gains = (0..<count).map { i -> Float in spatialGain ? Float(i % 7) / 7 + 0.5 : Float(i / 20) + 0.5 }
            builder.floats("scale", shape: shape, values: gains)
            builder.floats(
                "bias", shape: shape, values: (0..<count).map { i in spatialGain ? 0.2 : Float(i / 20) * 0.1 })
            builder.node(
                "LayerNormalization", ["x", "scale", "bias"], ["y"], [ONNXBuilder.attribute("axis", int: Int64(axis))],
                name: "ln")
            let graph = try ModelGraph.load(onnx: try builder.write(to: temporaryFolder()))
            return try #require(
                try graph.trace(Tensor<Double>(shape: [2, 3, 4, 5]) { Double(($0 * 17) % 31) / 31 + Double($0 % 4) })
                    .stages.first
            )
            .verification
        }
        let perImage = try stage(axis: 1, spatialGain: false)
        #expect(perImage.rule == .surrogate && perImage.detail.contains("[C, H, W]"))
        #expect(try #require(perImage.relativeError) < 1e-10)
        let spatial = try stage(axis: 1, spatialGain: true)
        #expect(spatial.rule == .unavailable && spatial.detail.contains("varies over the map"))
        let perChannel = try stage(axis: 2, spatialGain: false)
        #expect(perChannel.rule == .surrogate && perChannel.detail.contains("[H, W]"))
        #expect(try #require(perChannel.relativeError) < 1e-10)
        let rows = try stage(axis: -1, spatialGain: false)
        #expect(rows.rule == .unavailable && rows.detail.contains("last axis"))
    }
}

extension GraphTests {
    /// A dilated convolution is the convolution with the dilated kernel: after a circular (wrap) Pad it is exact, to
    /// 1e-10 in Double, as torch's dilated circular convolutions export.
    @Test func dilatedCircularConvolutionIsExact() throws {
        var builder = ONNXBuilder()
        builder.inputShape = [1, 2, 8, 8]
        builder.int64s("pads", shape: [8], values: [0, 0, 2, 2, 0, 0, 2, 2])
        builder.floats("w", shape: [3, 2, 3, 3], values: (0..<54).map { Float(($0 * 5) % 13) / 13 - 0.5 })
        builder.node("Pad", ["x", "pads"], ["padded"], [ONNXBuilder.attribute("mode", string: "wrap")], name: "pad")
        builder.node("Conv", ["padded", "w"], ["y"], [ONNXBuilder.attribute("dilations", ints: [2, 2])], name: "conv")
        let graph = try ModelGraph.load(onnx: try builder.write(to: temporaryFolder()))
        let conv = try #require(
            try graph.trace(Tensor<Double>(shape: [1, 2, 8, 8]) { Double(($0 * 13) % 23) / 23 }).stages.last)
        #expect(
            conv.verification.rule == .exact && (conv.verification.relativeError ?? 1) < 1e-10, "\(conv.verification)")
    }
}

extension GraphTests {
    /// A grouped ConvTranspose runs as one layer per group, and its rule is the per-group rule: exact for kernel =
    /// stride and no padding (§2.4), to 1e-10 in Double.
    @Test func groupedTransposedConvolutionHasThePerGroupRule() throws {
        var builder = ONNXBuilder()
        builder.inputShape = [2, 4, 3, 3]
        builder.floats("w", shape: [4, 3, 2, 2], values: (0..<48).map { Float(($0 * 7) % 13) / 13 - 0.5 })
        builder.node(
            "ConvTranspose", ["x", "w"], ["y"],
            [ONNXBuilder.attribute("group", int: 2), ONNXBuilder.attribute("strides", ints: [2, 2])],
            name: "up")
        let graph = try ModelGraph.load(onnx: try builder.write(to: temporaryFolder()))
        let stage = try #require(
            try graph.trace(Tensor<Double>(shape: [2, 4, 3, 3]) { Double(($0 * 11) % 7) / 7 }).stages.first)
        #expect(stage.output.shape == [2, 6, 6, 6])
        #expect(
            stage.verification.rule == .exact && (stage.verification.relativeError ?? 1) < 1e-10,
            "\(stage.verification)")
    }
}

/// A built Conv2d with a 1×1 kernel and zero padding mode, for its rule alone.
enum Conv2dRuleProbe {
    static func zeroPaddedOneByOne() -> SpectralRule {
        var generator = SeededGenerator(seed: 0)
        let conv = try! Conv2d(
            inChannels: 2, outChannels: 3, kernelSize: (1, 1), paddingMode: .zeros, generator: &generator)
        return conv.spectralRule(for: [1, 2, 8, 8])
    }
}

extension GraphTests {
    /// torch's shape arithmetic (Shape → Gather → Concat → Reshape in diffusers' attention) is recognised and computed
    /// once per input shape: the nodes are listed, and runs with another input size in between give the same values as
    /// fresh graphs (the cache is keyed by the input's shape and precision).
    @Test func shapeArithmeticIsComputedOncePerInputShape() throws {
        var builder = ONNXBuilder()
        builder.opset = 17
        builder.inputShape = [1, 2, -1, -1]
        builder.int64s("zero", shape: [1], values: [0])
        builder.int64s("minus1", shape: [1], values: [-1])
        builder.node("Shape", ["x"], ["shape"], [], name: "shape")
        builder.node("Gather", ["shape", "zero"], ["batch"], [ONNXBuilder.attribute("axis", int: 0)], name: "gather")
        builder.node("Concat", ["batch", "minus1"], ["flat"], [ONNXBuilder.attribute("axis", int: 0)], name: "concat")
        builder.node("Reshape", ["x", "flat"], ["rows"], [], name: "reshape")
        builder.node("Softmax", ["rows"], ["weights"], [ONNXBuilder.attribute("axis", int: 1)], name: "softmax")
        builder.node("Reshape", ["weights", "shape"], ["y"], [], name: "back")
        let url = try builder.write(to: temporaryFolder())
        let graph = try ModelGraph.load(onnx: url)
        #expect(graph.shapeSubgraph == ["shape", "gather", "concat"])
        let small = Tensor<Float>(shape: [1, 2, 3, 4]) { Float($0 % 5) },
            large = Tensor<Float>(shape: [1, 2, 6, 5]) { Float($0 % 7) }
        for x in [small, large, small, large] {
            let cached = try graph.forward(x), fresh = try ModelGraph.load(onnx: url).forward(x)
            #expect(cached == fresh && cached.shape == x.shape)
        }
        #expect(try graph.forward(small.converted(to: Double.self)).shape == small.shape)
    }
}
