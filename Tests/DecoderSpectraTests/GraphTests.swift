import DecoderSpectra
import Foundation
import Testing

/// The one model graph: chains and imported ONNX graphs run through the same executor and spectral tracer, in Float
/// and in Double.
@Suite struct GraphTests {
    static let onnxFixtures = ["dcgan", "upconv", "subpixel", "residual", "circular"]

    func fixture(_ name: String) throws -> (ModelGraph, Tensor<Float>) {
        let folder = ONNXTests.folder.appendingPathComponent(name)
        return (try ModelGraph.load(onnx: folder.appendingPathComponent("model.onnx")),
                try Tensor<Float>.readNpy(folder.appendingPathComponent("input.npy")))
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
            if d.verification.rule == "exact" {
                exact += 1
                #expect(d.verification.relativeError! < 1e-10, "\(name) \(d.name) (\(d.type)): \(d.verification.relativeError!)")
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
        for node in graph.nodes where node.typeName == "ConvTranspose" { #expect(node.op is LayerOperator, "\(name) \(node.name)") }
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
            #expect(rules[name]?.rule == "exact", "\(name): \(rules[name]?.detail ?? "")")
            #expect((rules[name]?.relativeError ?? 1) < 1e-10, "\(name)")
        }
        #expect(rules["inverted"]?.rule == "unavailable")
        #expect(Conv2dRuleProbe.zeroPaddedOneByOne().isExact)
    }
}

/// A built Conv2d with a 1×1 kernel and zero padding mode, for its rule alone.
enum Conv2dRuleProbe {
    static func zeroPaddedOneByOne() -> SpectralRule {
        var generator = SeededGenerator(seed: 0)
        let conv = try! Conv2d(inChannels: 2, outChannels: 3, kernelSize: (1, 1), paddingMode: .zeros, generator: &generator)
        return conv.spectralRule(for: [1, 2, 8, 8])
    }
}
