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
}
