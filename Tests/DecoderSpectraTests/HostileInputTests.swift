import DecoderSpectra
import Foundation
import SpectraIO
import Testing

/// One test per defect found by feeding the tool hostile and edge-case inputs (inputs a new user or an attacker
/// would try): each must give a clear error (or a correct result), never a crash, a hang, a read or write outside
/// the folder it belongs to, or partial output.
@Suite(.tags(.unit)) struct HostileInputTests {
    // MARK: 1. Hangs

    /// Titles wider than the figure (torch-style ONNX node names) used to build an inverted range that looped forever;
    /// they are shortened in the middle to fit.
    @Test func hangOnLongFigureTitles() {
        let title =
            "/decoder/up_blocks.1/resnets.2/conv_shortcut/Conv/with/a/very/long/name/indeed/"
            + String(repeating: "x", count: 300)
        let figure = SpectrumFigure.heatmap(
            magnitudes: [Double](repeating: 1, count: 16), rows: 4, columns: 4, title: title)
        #expect(figure.width >= 200 && figure.width < 1000)
        let fitted = figure.fitting(title, width: 120)
        #expect(figure.textWidth(fitted) <= 120 && fitted.hasPrefix("/decoder") && fitted.contains("…"))
        figure.fill(x: 2, y: 2, width: -5, height: 3, colour: Figure.black)  // negative width: nothing drawn, no trap
    }

    /// 16×1 and 100000×1 maps: drawn, with the long side block-averaged to at most 512 cells.
    @Test func hangOnExtremeAspectRatios() throws {
        for (rows, columns) in [(16, 1), (100_000, 1), (1, 3000)] {
            let figure = SpectrumFigure.heatmap(
                magnitudes: (0..<(rows * columns)).map { Double($0 % 7) + 1 }, rows: rows, columns: columns,
                title: "MAP \(rows)X\(columns)")
            #expect(figure.height <= 400 && figure.width <= 1000, "\(rows)x\(columns)")
            #expect(try !figure.pngData().isEmpty)
        }
    }

    /// MaxPool2d with kernel_size 2^62 in a model JSON used to loop over 2^124 window positions.
    @Test func hangOnHugeMaxPoolKernel() throws {
        #expect { _ = try MaxPool2d(kernelSize: 1 << 62) } throws: { "\($0)".contains("must be between 1 and") }
        let pool = try MaxPool2d(kernelSize: 64)
        #expect { _ = try pool.outputShape(for: [1, 1, 8, 8]) } throws: { "\($0)".contains("at least the kernel size") }
    }

    /// A 5000-node graph loads and runs (producer map and constant set are built once, not per node).
    @Test func hangOnLargeGraphs() throws {
        var builder = ONNXBuilder()
        var previous = "x"
        for i in 0..<5000 {
            let next = i == 4999 ? "y" : "r\(i)"
            builder.node("Relu", [previous], [next])
            previous = next
        }
        let url = try builder.write(to: temporaryFolder())
        let model = try ModelGraph.load(onnx: url)
        #expect(model.nodes.count == 5000)
        let values = try model.run(Tensor<Float>(shape: [1, 1, 4, 4]) { Float($0) - 8 })
        guard case let .real(y)? = values["y"] else {
            Issue.record("no output")
            return
        }
        #expect(y.scalars == (0..<16).map { max(0, Float($0) - 8) })
    }

    // MARK: 2. External data outside the model's folder

    @Test func externalDataOutsideTheModelFolderIsRefused() throws {
        let root = temporaryFolder()
        let modelFolder = root.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: modelFolder, withIntermediateDirectories: true)
        let secret = root.appendingPathComponent("secret.bin")
        try Data(repeating: 0, count: 64).write(to: secret)
        try FileManager.default.createSymbolicLink(
            at: modelFolder.appendingPathComponent("link.bin"), withDestinationURL: secret)
        try Data(repeating: 0, count: 64).write(to: modelFolder.appendingPathComponent("inside.bin"))
        for (location, expected) in [
            ("../secret.bin", "'..'"), (secret.path, "absolute"), ("link.bin", "symbolic link"),
            ("../../../../../../etc/passwd", "'..'"),
        ] {
            var builder = ONNXBuilder()
            builder.external("w", shape: [16], location: location)
            builder.node("Relu", ["x"], ["y"])
            let url = try builder.write(to: modelFolder)
            #expect { _ = try ModelGraph.load(onnx: url) } throws: { error in
                let text = "\(error)"
                return text.contains(expected) && !text.contains("64 bytes") && !text.contains("passwd (")
            }
        }
        var builder = ONNXBuilder()
        builder.external("w", shape: [16], location: "inside.bin")
        builder.node("Relu", ["x"], ["y"])
        _ = try ModelGraph.load(onnx: try builder.write(to: modelFolder))  // inside the folder: read
    }

    /// Offsets and lengths near 2^63 used to overflow (SIGILL).
    @Test func crashOnExternalDataOffsetOverflow() throws {
        let folder = temporaryFolder()
        try Data(repeating: 0, count: 64).write(to: folder.appendingPathComponent("w.bin"))
        for (offset, length) in [
            ("9223372036854775807", "64"), ("8", "9223372036854775807"), ("-1", nil), ("0", "-5"), ("nonsense", nil),
        ] {
            var builder = ONNXBuilder()
            builder.external("w", shape: [16], location: "w.bin", offset: offset, length: length)
            builder.node("Relu", ["x"], ["y"])
            #expect(throws: SpectraError.self) { _ = try ModelGraph.load(onnx: try builder.write(to: folder)) }
        }
    }

    // MARK: 3. Names from models never become paths outside the folder

    @Test func trainNamesStayInsideTheOutputFolder() throws {
        let root = temporaryFolder()
        let out = root.appendingPathComponent("a/b/out")
        var model = try BuiltinModels.model(named: "e8-k3")
        model.name = "../../../escaped-model"
        model.layers[0].name = "../../up/../conv"
        let url = try ModelFile.save(model, to: out)
        #expect(url.deletingLastPathComponent().standardizedFileURL.path == out.standardizedFileURL.path)
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("escaped-model.json").path))
        let reloaded = try ModelFile.load(url)
        #expect(reloaded.layers[0].layer.parameters[0].tensor == model.layers[0].layer.parameters[0].tensor)
        // A model named sub/dir-model can resume its own checkpoint.
        model.name = "sub/dir-model"
        let checkpointFolder = root.appendingPathComponent("checkpoint")
        let state = Checkpoint(
            step: 0, config: TrainingConfig(steps: 1, batchSize: 1, optimizer: .adam, learningRate: 1e-3),
            losses: [], sgd: nil, adam: Adam(learningRate: 1e-3), modelFile: "")
        try Checkpoint.write(state, model: model, to: checkpointFolder)
        #expect(try Checkpoint.read(checkpointFolder).1.name == "sub/dir-model")
        #expect(
            SafePath.fileName("..") == "%2E." && SafePath.fileName("a/b") == "a%2Fb" && SafePath.fileName("") == "_")
        #expect(SafePath.fileName(String(repeating: "n", count: 1000)).utf8.count <= SafePath.maximumStemLength)
    }

    /// A model JSON whose 'weights' points out of its folder is refused.
    @Test func modelWeightsOutsideTheModelFolderAreRefused() throws {
        let folder = temporaryFolder().appendingPathComponent("models")
        let url = try ModelFile.save(try BuiltinModels.model(named: "e8-k3"), to: folder)
        var json = try String(contentsOf: url, encoding: .utf8)
        json = json.replacingOccurrences(of: "\"weights\" : \"e8-k3.weights\"", with: "\"weights\" : \"../../etc\"")
        try json.write(to: url, atomically: true, encoding: .utf8)
        #expect { _ = try ModelFile.load(url) } throws: { "\($0)".contains("'..'") }
    }

    // MARK: 4. report DIR embeds only files of the run folder

    @Test func reportEmbedsOnlyFilesInsideTheRunFolder() throws {
        let root = temporaryFolder()
        let run = root.appendingPathComponent("run")
        let outside = root.appendingPathComponent("outside.png")
        let secret = try PNGImage.encodeRGB([UInt8](repeating: 7, count: 12), width: 2, height: 2)
        try secret.write(to: outside)
        let summary = AnalysisSummary(
            command: "x", precision: "float", seed: 0,
            model: .init(name: "m", description: "", inputChannels: 1, layerCount: 0),
            input: .init(
                source: "s", files: nil, shape: [1, 1, 2, 2], pLow: 1,
                radialSpectrum: .init(frequency: [0], power: [1]), figure: "../outside.png"),
            layers: [])
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try JSONFormatting.encode(summary).write(to: run.appendingPathComponent("summary.json"))
        let html = try String(contentsOf: try HTMLReport.rebuild(run), encoding: .utf8)
        #expect(!html.contains(secret.base64EncodedString()))
    }

    // MARK: 5. Crashes by signal become errors

    /// Each graph used to abort, trap or fault; now each load-and-run throws an error naming the node.
    @Test(arguments: HostileGraph.allCases)
    func crashOnHostileGraphs(_ graph: HostileGraph) throws {
        let url = try graph.builder.write(to: temporaryFolder())
        do {
            let model = try ModelGraph.load(onnx: url)
            let shape = (model.declaredInputShape ?? []).map { $0 ?? 1 }
            let values = try model.run(Tensor<Float>(zeros: shape))
            #expect(graph.runs, "\(graph) should have been refused")
            if graph == .shapeStartBeyondRank, case let .int64(shape, _)? = values["y"] { #expect(shape == [0]) }
        } catch let error as SpectraError {
            #expect(!graph.runs, "\(graph): \(error)")
            #expect("\(error)".contains(graph.expected), "\(graph): \(error)")
        }
    }

    @Test func crashOnHugeUpsampleScaleInModelJSON() throws {
        let spec = """
            {"format": "decoder-spectra-model", "version": 1, "name": "u", "input": {"channels": 1, "height": 4, "width": 4},
             "layers": [{"type": "Upsample", "name": "up", "scale_factor": 4611686018427387904}]}
            """
        let url = temporaryFolder().appendingPathComponent("u.json")
        try spec.write(to: url, atomically: true, encoding: .utf8)
        #expect { _ = try ModelFile.load(url) } throws: { "\($0)".contains("scale_factor") }
    }

    @Test func crashOnTransferOfAHugeGrid() throws {
        let model = try ModelGraph.load("e8-k3")
        #expect {
            _ = try TransferExport.matrices(model: model, layer: "conv1", rows: 4096, columns: 4096, anchor: .pytorch)
        } throws: { "\($0)".contains("would hold more than") }
    }

    /// train on a model whose output is not the input's shape used to index out of range.
    @Test func crashOnTrainingANonAutoencoder() throws {
        let model = try BuiltinModels.model(named: "e10-upconv-decoder")
        let data = SyntheticImages.generate(
            .deadLeaves, count: 2, channels: model.inputChannels, height: 4, width: 4, seed: 0)
        #expect {
            _ = try Trainer(
                model: model, data: data,
                config: TrainingConfig(steps: 1, batchSize: 1, optimizer: .adam, learningRate: 1e-3))
        } throws: { "\($0)".contains("reconstructs its input") }
    }

    // MARK: 6. Silent wrong results

    /// Overflowing inputs give NaN/Inf outputs: the first such layer is named.
    @Test func silentNonFiniteOutputsAreNamed() throws {
        let model = try ModelGraph.load("e8-k3")
        let input = Tensor<Float>(shape: [1, 3, 8, 8]) { _ in 3e38 }
        let trace = try model.trace(input)
        #expect(trace.firstNonFiniteStage?.index == 0)
        #expect(trace.nonFiniteWarning?.contains("layer 1 'conv1' (Conv2d)") == true)
        let fine = try model.trace(Tensor<Float>(shape: [1, 3, 8, 8]) { Float($0 % 5) })
        #expect(fine.nonFiniteWarning == nil)
    }

    /// The count of non-finite values (a bit-pattern count in C) against `isFinite`, value by value: NaN (quiet and
    /// signalling, either sign), ±inf, and the finite extremes (largest, smallest normal and subnormal, −0).
    @Test func nonFiniteValuesAreCountedExactly() throws {
        func check<S: TensorScalar & BinaryFloatingPoint>(_ type: S.Type) throws {
            let special: [S] = [
                .nan, -.nan, .signalingNaN, .infinity, -.infinity, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                .leastNormalMagnitude, .leastNonzeroMagnitude, -0.0, 0, 1, -3.5,
            ]
            var generator = SeededGenerator(seed: 31)
            let values = (0..<1000).map { _ in special[Int(generator.next() % UInt64(special.count))] }
            let tensor = try Tensor<S>(shape: [1, 1, 1, values.count], scalars: values)
            #expect(tensor.nonFiniteCount == values.filter { !$0.isFinite }.count)
            #expect(try Tensor<S>(shape: [1, 1, 1, 0], scalars: []).nonFiniteCount == 0)
        }
        try check(Float.self)
        try check(Double.self)
    }

    /// A repeated key in a .npy header used to be matched by substring (the first 'shape' won).
    @Test func silentDuplicateNpyHeaderKeysAreRefused() throws {
        func npy(_ dictionary: String) -> Data {
            var text = dictionary
            text += String(repeating: " ", count: 117 - text.count) + "\n"
            return Data(
                [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(text.utf8.count), 0] + Array(text.utf8)
                    + [UInt8](repeating: 0, count: 64))
        }
        #expect {
            _ = try NpyFile.parse(
                npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'shape': (4,), }"), file: "d.npy")
        } throws: { "\($0)".contains("appears twice") }
        #expect {
            _ = try NpyFile.parse(
                npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}"), file: "d.npy")
        } throws: { "\($0)".contains("unexpected key") }
        #expect { _ = try NpyFile.parse(npy("{'descr': '<f4', 'shape': (2,), }"), file: "d.npy") } throws: {
            "\($0)".contains("fortran_order")
        }
        let ok = try NpyFile.parse(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"), file: "ok.npy")
        #expect(ok.shape == [2, 3])
        let scalar = try NpyFile.parse(
            npy("{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": ()}"), file: "s.npy")
        #expect(scalar.shape == [])
    }

    /// Images whose declared size would decode to more than the image cap are refused before decoding.
    @Test func silentHugeImagesAreRefusedBeforeDecoding() throws {
        let url = URL(fileURLWithPath: "/tmp/huge.png")
        #expect { try ImageTensor.checkSize(width: 20000, height: 20000, channels: 3, url: url) } throws: {
            "\($0)".contains("larger than")
        }
        try ImageTensor.checkSize(width: 4096, height: 2160, channels: 3, url: url)
        #expect {
            _ = try InputLoader.load(fixturesURL.appendingPathComponent("images").path, channels: 3, limit: 0)
        } throws: { "\($0)".contains("at least 1") }
    }

    // MARK: 7. Output folders

    @Test func outputFolderIsReplacedAtomicallyAndNothingIsLeftBehind() throws {
        let parent = temporaryFolder()
        let out = parent.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data("old".utf8).write(to: out.appendingPathComponent("old.txt"))
        // A staging folder of a killed run (SIGKILL) is removed by the next run on the same output.
        try FileManager.default.createDirectory(
            at: parent.appendingPathComponent(".out.partial-999999"), withIntermediateDirectories: true)
        let staged = try StagedDirectory(out, force: true)
        try Data("new".utf8).write(to: staged.url("new.txt"))
        // Untouched until commit
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("old.txt").path))
        try staged.commit()
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["new.txt"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path) == ["out"])
        // A failed run (no commit) leaves the old output and nothing else.
        do {
            let failed = try StagedDirectory(out, force: true)
            try Data("x".utf8).write(to: failed.url("x.txt"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path) == ["out"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["new.txt"])
    }

    @Test func outputFolderIsLockedAgainstConcurrentRuns() throws {
        let out = temporaryFolder().appendingPathComponent("out")
        let lock = try OutputLock(for: out)
        #expect { _ = try StagedDirectory(out, force: true) } throws: {
            "\($0)".contains("another run (pid \(getpid()))")
        }
        let cli = try runProcess(cliExecutable, ["demo", "--images", "1", "--out", out.path, "-q"])
        #expect(cli.status == 1 && cli.stderr.contains("another run"), "\(cli.stderr)")
        lock.release()
        _ = try StagedDirectory(out, force: true)  // free again once released
    }

    @Test func interruptedRunsLeaveNoStagingFolder() throws {
        let parent = temporaryFolder()
        let out = parent.appendingPathComponent("out")
        let process = Process()
        process.executableURL = cliExecutable
        process.arguments = ["demo", "--images", "64", "--precision", "double", "--out", out.path, "-q"]
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Wait until the run has made its staging folder, then interrupt it.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, process.isRunning,
            !((try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []).contains(where: {
                $0.contains(".partial-")
            })
        {
            usleep(20_000)
        }
        process.terminate()  // SIGTERM
        process.waitUntilExit()
        if process.terminationReason == .uncaughtSignal || process.terminationStatus == 143 {
            #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path).isEmpty)
        } else {
            #expect(process.terminationStatus == 0)  // finished before the signal arrived: complete output only
            #expect(try FileManager.default.contentsOfDirectory(atPath: parent.path) == ["out"])
        }
    }

    @Test func stagingPathsNeverReachErrorMessages() throws {
        let out = temporaryFolder().appendingPathComponent("out")
        let staged = try StagedDirectory(out, force: false)
        let message = TemporaryPaths.shared.publicMessage(
            "file '\(staged.staging.path)/spectra/01-conv.npy': no space left")
        #expect(message == "file '\(out.path)/spectra/01-conv.npy': no space left")
    }

    @Test func modelExportRefusesToOverwriteWithoutForce() throws {
        let folder = temporaryFolder()
        let first = try runProcess(cliExecutable, ["models", "--export", "e8-k3", "--out", folder.path, "-q"])
        #expect(first.status == 0, "\(first.stderr)")
        let second = try runProcess(cliExecutable, ["models", "--export", "e8-k3", "--out", folder.path, "-q"])
        #expect(second.status == 1 && second.stderr.contains("--force"))
        let forced = try runProcess(
            cliExecutable, ["models", "--export", "e8-k3", "--out", folder.path, "--force", "-q"])
        #expect(forced.status == 0, "\(forced.stderr)")
    }

    // MARK: 8. Resume uses the checkpoint's data

    @Test func resumeContinuesOnTheRecordedData() throws {
        let root = temporaryFolder()
        let common = [
            "--model", "ae-small", "--data", "pink-noise", "--images", "8", "--batch-size", "4", "--seed", "3", "-q",
            "--snapshot-every", "100", "--checkpoint-every", "2",
        ]
        let straight = try runProcess(
            cliExecutable, ["train"] + common + ["--steps", "4", "--out", root.appendingPathComponent("a").path])
        #expect(straight.status == 0, "\(straight.stderr)")
        let half = try runProcess(
            cliExecutable, ["train"] + common + ["--steps", "2", "--out", root.appendingPathComponent("b").path])
        #expect(half.status == 0, "\(half.stderr)")
        let resumed = try runProcess(
            cliExecutable, ["train", "--resume", "--steps", "4", "-q", "--out", root.appendingPathComponent("b").path])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        func losses(_ name: String) throws -> [Double] {
            let url = root.appendingPathComponent(name).appendingPathComponent("checkpoint/checkpoint.json")
            return try JSONDecoder().decode(Checkpoint.self, from: Data(contentsOf: url)).losses
        }
        #expect(try losses("a") == losses("b"))
        let conflicting = try runProcess(
            cliExecutable,
            [
                "train", "--resume", "--steps", "6", "--data", "dead-leaves", "-q",
                "--out", root.appendingPathComponent("b").path,
            ])
        #expect(
            conflicting.status == 2 && conflicting.stderr.contains("--data dead-leaves (checkpoint: pink-noise)"),
            "\(conflicting.stderr)")
    }

    /// A failed new training run leaves no folder behind.
    @Test func failedTrainingLeavesNothing() throws {
        let out = temporaryFolder().appendingPathComponent("t")
        let result = try runProcess(
            cliExecutable, ["train", "--model", "e10-upconv-decoder", "--steps", "1", "--out", out.path, "-q"])
        #expect(result.status == 1 && result.stderr.contains("reconstructs its input"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }

    // MARK: 9. Usage errors exit 2

    @Test(arguments: [
        ["analyze", "--model", "e8-k3", "--input", "x.npy", "--size", "0x0"],
        ["analyze", "--model", "e8-k3", "--input", "x.npy", "--size", "64x"],
        ["analyze", "--model", "e8-k3", "--input", "x.npy", "--size", "8x8x8"],
        ["analyze", "--model", "e8-k3", "--input", "x.npy", "--limit", "0"],
        ["verify", "--model", "e8-k3", "--images", "0"],
        ["demo", "--images", "0"],
        ["train", "--steps", "1", "--images", "0"],
        ["demo", "--max-elements", "5"],
    ])
    func usageErrorsExitWithStatus2(_ arguments: [String]) throws {
        let result = try runProcess(cliExecutable, arguments)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
    }

    /// `--size N` means N×N in `analyze`, as `experiment` and `train` take it.
    @Test func analyzeTakesASquareSizeAsOneNumber() throws {
        let out = temporaryFolder().appendingPathComponent("a")
        let photo = fixturesURL.appendingPathComponent("images/photo.jpg").path
        let result = try runProcess(
            cliExecutable,
            [
                "analyze", "--model", "e8-k3", "--input", photo, "--size", "8", "--out", out.path,
                "--json", "-q",
            ])
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try JSONDecoder().decode(AnalysisSummary.self, from: Data(result.stdout.utf8))
        #expect(summary.layers.first?.outputShape.suffix(2) == [8, 8], "\(summary.layers.first?.outputShape ?? [])")
    }
}

/// Graphs that crashed the importer or executor (allocation aborts, division by zero, traps, faults).
enum HostileGraph: String, CaseIterable, CustomTestStringConvertible {
    case broadcastToFourBillion, resizeBy4096, pad100000, convTransposeStride2pow40, convStrideZeroSame, convOneStride,
        depthToSpaceBlock2pow32, shapeStartBeyondRank, declaredInputTooLarge, castOfInfinity, int64DivisionOverflow

    var testDescription: String { rawValue }

    /// Whether the graph is valid and must run (the others must be refused).
    var runs: Bool { self == .shapeStartBeyondRank || self == .int64DivisionOverflow }

    /// A fragment the error must contain.
    var expected: String {
        switch self {
        case .broadcastToFourBillion, .resizeBy4096: return "more than"
        case .pad100000: return "between 0 and"
        case .convTransposeStride2pow40, .convStrideZeroSame: return "strides"
        case .convOneStride: return "must have 2 values"
        case .depthToSpaceBlock2pow32: return "blocksize"
        case .declaredInputTooLarge: return "declared input shape"
        case .castOfInfinity: return "cannot be used as an integer"
        case .shapeStartBeyondRank, .int64DivisionOverflow: return ""
        }
    }

    var builder: ONNXBuilder {
        var b = ONNXBuilder()
        switch self {
        case .broadcastToFourBillion:
            b.floats("a", shape: [65536, 1], values: [Float](repeating: 1, count: 65536))
            b.floats("c", shape: [1, 65536], values: [Float](repeating: 1, count: 65536))
            b.node("Add", ["a", "c"], ["s"])
            b.node("Relu", ["x"], ["y"])
        case .resizeBy4096:
            b.inputShape = [1, 1, 8, 8]
            b.floats("scales", shape: [4], values: [1, 1, 4096, 4096])
            b.node(
                "Resize", ["x", "", "scales"], ["y"],
                [
                    ONNXBuilder.attribute("mode", string: "nearest"),
                    ONNXBuilder.attribute("coordinate_transformation_mode", string: "asymmetric"),
                    ONNXBuilder.attribute("nearest_mode", string: "floor"),
                ])
        case .pad100000:
            b.int64s("pads", shape: [8], values: [0, 0, 100_000, 100_000, 0, 0, 100_000, 100_000])
            b.node("Pad", ["x", "pads"], ["y"])
        case .convTransposeStride2pow40:
            b.floats("w", shape: [1, 1, 2, 2], values: [1, 1, 1, 1])
            b.node("ConvTranspose", ["x", "w"], ["y"], [ONNXBuilder.attribute("strides", ints: [1 << 40, 1 << 40])])
        case .convStrideZeroSame:
            b.floats("w", shape: [1, 1, 3, 3], values: [Float](repeating: 1, count: 9))
            b.node(
                "Conv", ["x", "w"], ["y"],
                [
                    ONNXBuilder.attribute("strides", ints: [0, 0]),
                    ONNXBuilder.attribute("auto_pad", string: "SAME_UPPER"),
                ])
        case .convOneStride:
            b.floats("w", shape: [1, 1, 3, 3], values: [Float](repeating: 1, count: 9))
            b.node("Conv", ["x", "w"], ["y"], [ONNXBuilder.attribute("strides", ints: [2])])
        case .depthToSpaceBlock2pow32:
            b.node("DepthToSpace", ["x"], ["y"], [ONNXBuilder.attribute("blocksize", int: 1 << 32)])
        case .shapeStartBeyondRank:
            b.node("Shape", ["x"], ["y"], [ONNXBuilder.attribute("start", int: 10)])
        case .declaredInputTooLarge:
            b.inputShape = [1, 3, 32768, 32768]
            b.node("Relu", ["x"], ["y"])
        case .castOfInfinity:
            b.floats("big", shape: [1], values: [1e30])
            b.node("Cast", ["big"], ["y"], [ONNXBuilder.attribute("to", int: 7)])
        case .int64DivisionOverflow:
            b.int64s("p", shape: [1], values: [Int64.min])
            b.int64s("q", shape: [1], values: [-1])
            b.node("Div", ["p", "q"], ["y"])
        }
        return b
    }
}
