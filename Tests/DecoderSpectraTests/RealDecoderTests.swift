import ComplexModule
import DecoderSpectra
import Foundation
import Testing

/// The corpus of real decoder architectures (scripts/make_real_decoders.py: diffusers models and faithful copies,
/// exported by torch.onnx.export): each is imported, run and analysed; its output agrees with onnxruntime's to
/// 1e-4 relative L2 (float32 with other summation orders), and every analysed stage's spectrum is the FFT of the
/// stage's output, recomputed here by a naive DFT on one channel.
@Suite(.tags(.conformance)) struct RealDecoderTests {
    static let folder = fixturesURL.appendingPathComponent("real-decoders")
    static let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()

    /// At least 21 decoders, some exported by the dynamo exporter (opset 18: DFT in LaMa's Fourier units, antialiased
    /// Resize in the pyramid decoder).
    @Test func theCorpusIsThere() throws {
        #expect(Self.names.count >= 21)
        let dynamo = Self.names.filter {
            (try? String(contentsOf: Self.folder.appendingPathComponent("\($0)/source.txt"), encoding: .utf8))?
                .contains("dynamo exporter") == true
        }
        #expect(dynamo.count >= 5)
        // diffusers' attention reshapes by the input's shape: that arithmetic is recognised (computed once per shape);
        // node by node, GroupNorm's Reshape(Shape(x)) too, which the default import fuses into GroupNormalization.
        let vae = Self.folder.appendingPathComponent("sd-vae-decoder/model.onnx")
        let (fusedShape, exportedShape) = (
            try ModelGraph.load(onnx: vae).shapeSubgraph.count,
            try ModelGraph.load(onnx: vae, fusingModules: false).shapeSubgraph.count
        )
        #expect(exportedShape >= 15 && fusedShape >= 1 && fusedShape < exportedShape, "\(fusedShape), \(exportedShape)")
        for name in ["lama-ffc-decoder", "pyramid-decoder"] {
            let graph = try ModelGraph.load(onnx: Self.folder.appendingPathComponent("\(name)/model.onnx"))
            #expect(graph.nodes.contains { $0.typeName == (name == "lama-ffc-decoder" ? "DFT" : "Resize") }, "\(name)")
        }
    }

    @Test(arguments: names)
    func runsAndMatchesOnnxRuntime(name: String) throws {
        let folder = Self.folder.appendingPathComponent(name)
        let graph = try ModelGraph.load(onnx: folder.appendingPathComponent("model.onnx"))
        let input = try Tensor<Float>.readNpy(folder.appendingPathComponent("input.npy"))
        let expected = try Tensor<Float>.readNpy(folder.appendingPathComponent("output.npy"))
        var stages = 0
        let output = try graph.forward(input)
        #expect(output.shape == expected.shape, "\(name)")
        var difference = 0.0, norm = 0.0
        for (a, b) in zip(output.scalars, expected.scalars) {
            difference += (Double(a) - Double(b)) * (Double(a) - Double(b))
            norm += Double(b) * Double(b)
        }
        #expect(
            (difference / max(norm, 1e-30)).squareRoot() < 1e-4,
            "\(name): relative L2 \((difference / max(norm, 1e-30)).squareRoot())")
        _ = try graph.forEachStage(input) { _, stage in
            stages += 1
            let plane = stage.output.height * stage.output.width
            let first =
                (try? Tensor<Double>(
                    shape: [1, 1, stage.output.height, stage.output.width],
                    scalars: stage.output.scalars[0..<plane].map(Double.init)))!
            let direct = Reference.dft(first)
            let fast = Array(stage.spectrum.values[0..<plane])
            let scale = direct.map { $0.length }.max() ?? 1
            let worst =
                zip(direct, fast).map { ($0 - Complex(Double($1.real), Double($1.imaginary))).length }.max() ?? 0
            #expect(worst <= 1e-5 * max(scale, 1), "\(name) \(stage.name)")
        }
        #expect(stages > 0, "\(name) has no analysed stage")
    }
}
