import DecoderSpectra
import Foundation
import Testing

/// ONNX import against onnxruntime on models exported by torch.onnx.export (scripts/make_onnx_fixtures.py): every
/// intermediate tensor agrees to 1e-4 (relative to max(1, |value|); float32 with other summation orders, ~1e-6).
@Suite(.tags(.conformance)) struct ONNXTests {
    static let folder = fixturesURL.appendingPathComponent("onnx")

    struct Manifest: Decodable { let outputs: [String: String] }

    /// Imported node by node, every value onnxruntime recorded is computed and agrees; with the module patterns fused
    /// (the default import), every value the fused graph still has agrees, its outputs included.
    func check(_ modelURL: URL, reference: URL) throws {
        let input = try Tensor<Float>.readNpy(reference.appendingPathComponent("input.npy"))
        let manifest = try JSONDecoder().decode(
            Manifest.self, from: Data(contentsOf: reference.appendingPathComponent("manifest.json")))
        #expect(manifest.outputs.count > 3)
        for fusing in [false, true] {
            let model = try ModelGraph.load(onnx: modelURL, fusingModules: fusing)
            let values = try model.run(input)
            #expect(model.nodes.allSatisfy { $0.outputs.allSatisfy { values[$0] != nil } })
            for (name, file) in manifest.outputs where !fusing || values[name] != nil || model.outputs.contains(name) {
                let expected = try Tensor<Float>.readNpy(reference.appendingPathComponent(file))
                guard case let .real(actual)? = values[name] else {
                    Issue.record("\(name): not computed as a float tensor (fusing \(fusing))")
                    continue
                }
                #expect(actual.shape == expected.shape, "\(name)")
                #expect(maxRelativeDifference(actual.scalars, expected.scalars) < 1e-4, "\(name) (fusing \(fusing))")
            }
        }
    }

    /// torch exports GroupNorm as Reshape → InstanceNormalization → Reshape → Mul → Add and SiLU as Sigmoid → Mul; the
    /// import folds each back into one node named after the module, with the same outputs as the exported nodes, and
    /// the tracer analyses one stage per module. Node by node, the same values are stages too, with the same spectra.
    @Test func moduleFusionKeepsTheValuesAndNamesTheModules() throws {
        let folder = Self.folder.appendingPathComponent("residual")
        let url = folder.appendingPathComponent("model.onnx")
        let (fused, unfused) = (try ModelGraph.load(onnx: url), try ModelGraph.load(onnx: url, fusingModules: false))
        let fusedTypes = fused.nodes.map(\.typeName), exported = unfused.nodes.map(\.typeName)
        #expect(exported.contains("InstanceNormalization") && exported.contains("Sigmoid"))
        #expect(!fusedTypes.contains("InstanceNormalization") && !fusedTypes.contains("Sigmoid"))
        #expect(fused.nodes.contains { $0.name == "/norm1" && $0.typeName == "GroupNormalization" })
        #expect(fused.nodes.filter { $0.typeName == "SiLU" }.count == exported.filter { $0 == "Sigmoid" }.count)
        let input = try Tensor<Double>.readNpy(folder.appendingPathComponent("input.npy"))
        let (a, b) = (try fused.trace(input), try unfused.trace(input))
        #expect(a.stages.count < b.stages.count)
        let outputOf = { (graph: ModelGraph, name: String) in graph.nodes.first { $0.name == name }!.outputs[0] }
        var unfusedStages: [String: TracedStage<Double>] = [:]
        for stage in b.stages { unfusedStages[outputOf(unfused, stage.name)] = stage }
        for stage in a.stages {
            let twin = try #require(unfusedStages[outputOf(fused, stage.name)], "\(stage.name)")
            #expect(maxRelativeDifference(stage.output.scalars, twin.output.scalars) < 1e-12, "\(stage.name)")
            if stage.type == "SiLU" { #expect(stage.verification.rule == .surrogate) }  // its Mul had no rule
        }
        for (index, node) in fused.nodes.enumerated() { #expect(node.index == index) }
    }

    /// ops17 and ops20 are hand-built graphs of the element-wise, variadic, reduction, Softmax, pooling, comparison,
    /// Where, Expand, Tile, Range, Split and ConstantOfShape operators (opset 17: reduction axes as attributes; opset
    /// 20: as inputs, with Mish and both Gelu forms).
    @Test(arguments: ["dcgan", "upconv", "subpixel", "residual", "circular", "ops17", "ops20"])
    func matchesOnnxRuntime(name: String) throws {
        let reference = Self.folder.appendingPathComponent(name)
        try check(reference.appendingPathComponent("model.onnx"), reference: reference)
    }

    /// The committed Swift code for the ONNX schema was generated from proto/onnx_subset.proto as it is now, by the
    /// protoc-gen-swift version that Package.swift asks of the runtime (scripts/generate-onnx-proto.sh records both in
    /// the file's header), so the schema, the generator and the runtime cannot drift apart unnoticed.
    @Test func generatedSchemaCodeIsFresh() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let generated = try String(
            contentsOf: root.appendingPathComponent("Sources/SpectraONNX/Generated/onnx_subset.pb.swift"),
            encoding: .utf8
        )
        let header = try #require(
            generated.split(separator: "\n").first { $0.hasPrefix("// Generated from proto/onnx_subset.proto") })
        let digest = try runProcess(
            URL(fileURLWithPath: "/usr/bin/sha256sum"), [root.appendingPathComponent("proto/onnx_subset.proto").path])
        #expect(digest.status == 0 && header.contains("(sha256 \(digest.stdout.prefix(64)))"), "\(header)")
        let package = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let pin = try #require(package.range(of: "swift-protobuf\", from: \""))
        let version = package[pin.upperBound...].prefix { $0 != "\"" }
        #expect(header.hasSuffix("by protoc-gen-swift \(version)."), "\(header) vs Package.swift \(version)")
    }

    @Test func externalDataIsRead() throws {
        let reference = Self.folder.appendingPathComponent("dcgan")
        try check(reference.appendingPathComponent("external/model.onnx"), reference: reference)
    }

    /// The analysis trace: exact rules hold to float rounding where they apply, and every stage is a feature map.
    @Test func traceChecksExactRules() throws {
        for name in ["dcgan", "upconv", "subpixel", "residual"] {
            let reference = Self.folder.appendingPathComponent(name)
            let model = try ModelGraph.load(onnx: reference.appendingPathComponent("model.onnx"))
            let trace = try model.trace(try Tensor<Float>.readNpy(reference.appendingPathComponent("input.npy")))
            #expect(!trace.stages.isEmpty)
            for stage in trace.stages where stage.verification.rule == .exact {
                #expect(
                    stage.verification.relativeError! < SpectralRule.exactnessBound(for: Float.self),
                    "\(name) \(stage.name) (\(stage.type))")
            }
            #expect(trace.stages.allSatisfy { $0.output.rank == 4 })
        }
        let subpixel = try ModelGraph.load(onnx: Self.folder.appendingPathComponent("subpixel/model.onnx"))
        let trace = try subpixel.trace(
            try Tensor<Float>.readNpy(Self.folder.appendingPathComponent("subpixel/input.npy")))
        #expect(trace.stages.contains { $0.type == "DepthToSpace" && $0.verification.rule == .exact })
        // torch's circular padding (Slice/Concat wrap, then an unpadded Conv) is recognised: exact, chained end to end.
        let circular = try ModelGraph.load(onnx: Self.folder.appendingPathComponent("circular/model.onnx"))
        let circularTrace = try circular.trace(
            try Tensor<Float>.readNpy(Self.folder.appendingPathComponent("circular/input.npy")))
        let convs = circularTrace.stages.filter { $0.type == "Conv" }
        #expect(
            convs.count == 2
                && convs.allSatisfy {
                    $0.verification.rule == .exact
                        && $0.verification.relativeError! < SpectralRule.exactnessBound(for: Float.self)
                })
        // A grouped (depthwise-style) convolution gets the per-group rule: block-diagonal T.
        let residual = try ModelGraph.load(onnx: Self.folder.appendingPathComponent("residual/model.onnx"))
        let residualTrace = try residual.trace(
            try Tensor<Float>.readNpy(Self.folder.appendingPathComponent("residual/input.npy")))
        let grouped = residualTrace.stages.first { $0.name == "/depthwise/Conv" }!
        #expect(grouped.verification.rule == .surrogate && grouped.verification.similarity! > 0.5)
    }

    @Test func unknownOperatorNamesTheNodeAndUntilStopsBeforeIt() throws {
        let model = try ModelGraph.load(onnx: Self.folder.appendingPathComponent("unknown-op.onnx"))
        let input = Tensor<Float>(shape: [1, 1, 4, 4]) { Float($0) - 8 }
        #expect { _ = try model.run(input) } throws: { error in
            let text = "\(error)"
            return text.contains("node 1 'mystery' (FancyOp)") && text.contains("unsupported operator")
        }
        let values = try model.run(input, until: "first_relu")
        #expect(try model.nodeIndex(named: "first_relu") == 0)
        #expect(values["r"] != nil && !model.nodes[1].outputs.contains { values[$0] != nil })
        #expect { _ = try model.run(input, until: "no-such-node") } throws: {
            "\($0)".contains("no layer or node named")
        }
    }

    @Test func wrongInputShapeIsNamed() throws {
        let model = try ModelGraph.load(onnx: Self.folder.appendingPathComponent("upconv/model.onnx"))
        #expect { _ = try model.run(Tensor<Float>(zeros: [1, 3, 4, 4])) } throws: { "\($0)".contains("input 'input'") }
    }

    @Test(arguments: [Data(), Data("not a model at all".utf8), Data([0x08, 0x07, 0x12, 0xFF, 0xFF, 0xFF])])
    func brokenFilesGiveClearErrors(bytes: Data) throws {
        let url = temporaryFolder().appendingPathComponent("broken.onnx")
        try bytes.write(to: url)
        #expect { _ = try ModelGraph.load(onnx: url) } throws: { "\($0)".contains(url.path) }
    }

    /// Truncations and random byte flips of a real model never crash the loader (each load returns or throws).
    @Test func corruptedModelsNeverCrash() throws {
        let original = try [UInt8](Data(contentsOf: Self.folder.appendingPathComponent("subpixel/model.onnx")))
        var generator = SeededGenerator(seed: 99)
        let folder = temporaryFolder()
        for trial in 0..<150 {
            var bytes = original
            if trial % 3 == 0 {
                bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count))))
            } else {
                for _ in 0..<(1 + trial % 10) {
                    bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
                }
            }
            let url = folder.appendingPathComponent("fuzz-\(trial).onnx")
            try Data(bytes).write(to: url)
            if let model = try? ModelGraph.load(onnx: url) {
                _ = try? model.run(try Tensor<Float>.readNpy(Self.folder.appendingPathComponent("subpixel/input.npy")))
            }
        }
    }

    /// `--model file.onnx` through the command line: analyze writes the report, verify passes.
    @Test func commandLineTakesOnnxFiles() throws {
        let reference = Self.folder.appendingPathComponent("subpixel")
        let out = temporaryFolder().appendingPathComponent("run")
        let analyze = try runProcess(
            cliExecutable,
            [
                "analyze", "--model", reference.appendingPathComponent("model.onnx").path,
                "--input", reference.appendingPathComponent("input.npy").path, "--out", out.path, "-q",
            ])
        #expect(analyze.status == 0, "\(analyze.stderr)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("report.html").path))
        let verify = try runProcess(
            cliExecutable,
            [
                "verify", "--model", reference.appendingPathComponent("model.onnx").path,
                "--input", reference.appendingPathComponent("input.npy").path,
            ])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("DepthToSpace"))
        let residual = Self.folder.appendingPathComponent("residual")
        let latent = try runProcess(
            cliExecutable,
            [
                "verify", "--model", residual.appendingPathComponent("model.onnx").path,
                "--input", residual.appendingPathComponent("input.npy").path, "--json", "-q",
            ])
        #expect(latent.status == 0, "\(latent.stderr)")
        #expect(latent.stdout.contains("\"/norm1\"") && latent.stdout.contains("\"passed\" : true"))
        let exported = try runProcess(
            cliExecutable,
            [
                "verify", "--model", residual.appendingPathComponent("model.onnx").path, "--no-fusion",
                "--input", residual.appendingPathComponent("input.npy").path, "--json", "-q",
            ])
        #expect(exported.status == 0 && exported.stdout.contains("/norm1/Mul"), "\(exported.stderr)")
    }
}

/// `transfer`: T(u,v) of a layer as complex64 [M, N, D, C].
@Suite(.tags(.conformance)) struct TransferExportTests {
    @Test func builtInLayerMatchesTheDirectSum() throws {
        let model = try ModelGraph.load("e8-k3")
        guard let sequential = model.chain, let conv = sequential.layers[0].layer as? Conv2d else {
            Issue.record("e8-k3 should be sequential")
            return
        }
        for anchor in TransferExport.Anchor.allCases {
            let t = try TransferExport.matrices(model: model, layer: "conv1", rows: 8, columns: 6, anchor: anchor)
            let dims: [Int] = [t.rows, t.columns, t.outputs, t.inputs]
            #expect(dims == [8, 6, 16, 3])
            let p = anchor == .pytorch ? 1 : 0
            for (u, v) in [(0, 0), (3, 2), (7, 5)] {
                let block = Array(t.matrix(u: u, v: v))
                let direct = Reference.transfer(
                    weight: conv.weight, d: 5, c: 2, u: u, v: v, anchor: (p, p), rows: 8, columns: 6)
                #expect((block[5 * 3 + 2] - direct).length < 1e-12)
            }
        }
        let url = temporaryFolder().appendingPathComponent("T.npy")
        try TransferExport.write(
            try TransferExport.matrices(model: model, layer: "conv1", rows: 8, columns: 6, anchor: .pytorch), to: url)
        #expect(try NpyFile.read(url).shape == [8, 6, 16, 3])
    }

    @Test func onnxNodesAndErrors() throws {
        let model = try ModelGraph.load(ONNXTests.folder.appendingPathComponent("dcgan/model.onnx").path)
        #expect(model.chain == nil)
        let name = model.nodes.first { $0.typeName == "ConvTranspose" }!.name
        let t = try TransferExport.matrices(model: model, layer: name, rows: 4, columns: 4, anchor: .pytorch)
        let dims: [Int] = [t.outputs, t.inputs]
        #expect(dims == [32, 16])
        #expect {
            _ = try TransferExport.matrices(
                model: model, layer: model.nodes.first { $0.typeName == "Relu" }!.name, rows: 4, columns: 4,
                anchor: .paper)
        } throws: { "\($0)".contains("T(u,v) exists for Conv2d") }
        #expect {
            _ = try TransferExport.matrices(
                model: try ModelGraph.load("e8-k3"), layer: "relu1", rows: 4, columns: 4, anchor: .paper)
        } throws: { "\($0)".contains("ReLU") }
    }
}
