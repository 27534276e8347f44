import DecoderSpectra
import Foundation
import Testing

/// The command-line behaviours users rely on, through the real executable: exit statuses (0 ok, 1 failure, 2 usage),
/// errors on stderr, --json on stdout, no overwriting without --force, and no partial output after a failure.
@Suite(.serialized, .tags(.cli)) struct CLITests {
    func cli(_ arguments: [String]) throws -> ProcessResult { try runProcess(cliExecutable, arguments) }

    @Test func executableIsBuilt() {
        #expect(FileManager.default.isExecutableFile(atPath: cliExecutable.path), "missing \(cliExecutable.path)")
    }

    @Test func helpHasExamplesAndExitsZero() throws {
        for command in [[], ["demo"], ["analyze"], ["verify"], ["experiment"], ["report"], ["models"], ["bench"]] {
            let result = try cli(command + ["--help"])
            #expect(result.status == 0)
            #expect(result.stdout.contains("Examples"), "\(command)")
        }
    }

    @Test func usageErrorsExitTwo() throws {
        let unknown = try cli(["verify", "--model", "e8-k1", "--bogus"])
        #expect(unknown.status == 2 && unknown.stderr.contains("--bogus"))
        let invalid = try cli(["experiment", "no-such-experiment"])
        #expect(invalid.status == 2 && invalid.stderr.contains("unknown experiment"))
        let missing = try cli(["analyze", "--model", "e8-k1"])
        #expect(missing.status == 2 && missing.stderr.contains("--input"))
        let option = try cli(["analyze", "--modle", "e8-k1", "--input", "x.npy"])
        #expect(
            option.status == 2 && option.stderr.contains("unknown option '--modle' (did you mean '--model'?)"),
            "\(option.stderr)")
        let typo = try cli(["experiment", "paddin"])
        #expect(typo.status == 2 && typo.stderr.contains("did you mean 'padding'?"))
        let range = try cli(["demo", "--db-range", "0", "--out", temporaryFolder().appendingPathComponent("d").path])
        #expect(range.status == 2 && range.stderr.contains("--db-range"))
    }

    /// `compare A B`: a run against itself differs by exactly 0 dB everywhere; against another seed, p_low of each
    /// side equals its own summary.json, and every matched layer has a difference map (PNG and SVG).
    @Test func compareRuns() throws {
        let work = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let (a, b) = (work.appendingPathComponent("a"), work.appendingPathComponent("b"))
        #expect(try cli(["demo", "--images", "2", "-q", "--out", a.path]).status == 0)
        #expect(try cli(["demo", "--images", "2", "--seed", "5", "-q", "--out", b.path]).status == 0)
        let same = try cli([
            "compare", a.path, a.path, "--out", work.appendingPathComponent("same").path, "--json", "-q",
        ])
        #expect(same.status == 0)
        let identical = try JSONDecoder().decode(RunComparison.self, from: Data(same.stdout.utf8))
        #expect(!identical.layers.isEmpty && identical.unmatchedA.isEmpty)
        for layer in identical.layers {
            #expect(
                layer.radialDifferenceDB == 0 && layer.mapMaxAbsDB == 0 && layer.pLowA == layer.pLowB, "\(layer.name)")
        }
        let out = work.appendingPathComponent("ab")
        #expect(try cli(["compare", a.path, b.path, "--out", out.path, "-q"]).status == 0)
        let comparison = try JSONDecoder().decode(
            RunComparison.self, from: Data(contentsOf: out.appendingPathComponent("compare.json")))
        let summaryB = try JSONDecoder().decode(
            AnalysisSummary.self, from: Data(contentsOf: b.appendingPathComponent("summary.json")))
        #expect(comparison.layers.map(\.pLowB) == summaryB.layers.map(\.pLow))
        for layer in comparison.layers {
            let figure = try #require(layer.figure)
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(figure).path))
            #expect(
                FileManager.default.fileExists(atPath: out.appendingPathComponent(figure.dropLast(4) + ".svg").path))
        }
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("report.html").path))
        let empty = work.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let notARun = try cli(["compare", a.path, empty.path, "--out", work.appendingPathComponent("x").path])
        #expect(notARun.status == 1 && notARun.stderr.contains(empty.path), "\(notARun.stderr)")
        #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("x").path))
    }

    /// `compare` on two models analyses both on the same built-in images: each side's p_low is the one `demo` finds
    /// for that model alone; a dataset against a model compares the images with the model's output at its size.
    @Test func compareModelsAndADatasetDirectly() throws {
        let work = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let demo = work.appendingPathComponent("demo")
        #expect(
            try cli(["demo", "--model", "e10-upconv-decoder-zeros", "--images", "3", "-q", "--out", demo.path]).status
                == 0)
        let out = work.appendingPathComponent("models")
        let models = try cli([
            "compare", "e10-upconv-decoder", "e10-upconv-decoder-zeros", "--images", "3", "--out", out.path, "-q",
        ])
        #expect(models.status == 0, "\(models.stderr)")
        let comparison = try JSONDecoder().decode(
            RunComparison.self, from: Data(contentsOf: out.appendingPathComponent("compare.json")))
        let alone = try JSONDecoder().decode(
            AnalysisSummary.self, from: Data(contentsOf: demo.appendingPathComponent("summary.json")))
        #expect(comparison.a == "e10-upconv-decoder" && comparison.layers.count == alone.layers.count)
        // Equal up to the order of Float64 sums (the batches may be spread over the workers differently).
        for (compared, own) in zip(comparison.layers.map(\.pLowB), alone.layers.map(\.pLow)) {
            #expect(abs(compared - own) <= 1e-9 * own)
        }
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("a/summary.json").path))

        let images = work.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        for name in ["photo.jpg", "rgb8.png"] {
            try FileManager.default.copyItem(
                at: fixturesURL.appendingPathComponent("images/\(name)"), to: images.appendingPathComponent(name))
        }
        let dataOut = work.appendingPathComponent("data")
        #expect(
            try cli(["compare", images.path, "e10-upconv-decoder", "--images", "3", "--out", dataOut.path, "-q"]).status
                == 0)
        let data = try JSONDecoder().decode(
            RunComparison.self, from: Data(contentsOf: dataOut.appendingPathComponent("compare.json")))
        #expect(
            data.layers.count == 1 && data.layers[0].name == "images / conv_out" && data.layers[0].mapMaxAbsDB != nil)
        let dataSide = try JSONDecoder().decode(
            AnalysisSummary.self, from: Data(contentsOf: dataOut.appendingPathComponent("a/summary.json")))
        // Resized to the output
        #expect(dataSide.input.shape == [2, 3] + Array(alone.layers.last!.outputShape.suffix(2)))
    }

    /// Two checkpoints of `train` (a train folder or its checkpoint/): the same checkpoint both ways differs by 0 dB,
    /// two steps more of training by something.
    @Test func compareCheckpoints() throws {
        let work = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let (early, late) = (work.appendingPathComponent("early"), work.appendingPathComponent("late"))
        for (folder, steps) in [(early, "2"), (late, "4")] {
            #expect(
                try cli([
                    "train", "--model", "ae-small", "--steps", steps, "--images", "4", "--batch-size", "4", "--out",
                    folder.path, "-q",
                ]).status == 0)
        }
        func compare(_ a: String, _ b: String, _ name: String) throws -> RunComparison {
            let out = work.appendingPathComponent(name)
            let result = try cli(["compare", a, b, "--images", "2", "--out", out.path, "-q"])
            #expect(result.status == 0, "\(result.stderr)")
            return try JSONDecoder().decode(
                RunComparison.self, from: Data(contentsOf: out.appendingPathComponent("compare.json")))
        }
        let same = try compare(early.path, early.appendingPathComponent("checkpoint").path, "same")
        #expect(!same.layers.isEmpty && same.layers.allSatisfy { $0.mapMaxAbsDB == 0 && $0.pLowA == $0.pLowB })
        let trained = try compare(early.path, late.path, "trained")
        #expect(trained.layers.count == same.layers.count && trained.layers.contains { ($0.mapMaxAbsDB ?? 0) > 0 })
    }

    /// `train` writes report.html, the charts (PNG, SVG, CSV from the same numbers as training.json) and records the
    /// command and data source; `report` rebuilds the page from training.json.
    @Test func trainWritesAReport() throws {
        let out = temporaryFolder().appendingPathComponent("train")
        defer { try? FileManager.default.removeItem(at: out.deletingLastPathComponent()) }
        let result = try cli([
            "train", "--model", "ae-small", "--steps", "6", "--snapshot-every", "3", "--images", "8", "--batch-size",
            "4",
            "--out", out.path, "-q",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let log = try JSONDecoder().decode(
            TrainingLog.self, from: Data(contentsOf: out.appendingPathComponent("training.json")))
        #expect(log.commands?.first?.contains("--snapshot-every 3") == true && log.config.data == .builtIn(.deadLeaves))
        #expect(log.snapshots.map(\.step) == [0, 3, 6] && log.losses.count == 6)
        let csv = try String(contentsOf: out.appendingPathComponent("figures/band-errors.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 1 + 3 * 3)  // header + 3 bands × 3 snapshots
        let firstBand = csv.split(separator: "\n")[1].split(separator: ",")
        #expect(Double(firstBand.last!) == log.snapshots[0].bandErrors[0])
        for name in ["loss", "band-errors", "p-low"] {
            for ext in ["png", "svg", "csv"] {
                #expect(
                    FileManager.default.fileExists(atPath: out.appendingPathComponent("figures/\(name).\(ext)").path),
                    "\(name).\(ext)")
            }
        }
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("Reconstruction error per frequency band") && html.contains("data: dead-leaves"))
        #expect(html.components(separatedBy: "data:image/png;base64").count - 1 == 3)  // the three snapshots
        try FileManager.default.removeItem(at: out.appendingPathComponent("report.html"))
        #expect(try cli(["report", out.path, "-q"]).status == 0)
        #expect(try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8) == html)
    }

    /// Files skipped in a folder, pixel layouts converted and images resized are reported, one note each.
    @Test func skippedAndConvertedFilesAreReported() throws {
        let work = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let images = work.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        for name in ["rgb8.png", "gray8.png", "rgba8.png", "photo.jpg"] {
            try FileManager.default.copyItem(
                at: fixturesURL.appendingPathComponent("images/\(name)"), to: images.appendingPathComponent(name))
        }
        try Data("not an image".utf8).write(to: images.appendingPathComponent("notes.txt"))
        let result = try cli([
            "analyze", "--model", "e4-zeros", "--input", images.path, "--size", "16", "--out",
            work.appendingPathComponent("out").path,
        ])  // notes are on stderr unless --quiet
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stderr.contains("skipped 1 file that is not .png, .jpg, .npy or .bin: notes.txt"), "\(result.stderr)"
        )
        #expect(
            result.stderr.contains("converted 1 image grey → RGB")
                && result.stderr.contains("converted 1 image RGBA → RGB"))
        #expect(result.stderr.contains("resized 4 images from 6×9 to 16×16"))
    }

    /// `--size` takes 32 and 32x32 in every command (square-only commands refuse 32x16 with status 2); `analyze`
    /// takes --images as well as --limit.
    @Test func sizeAndImageCountHaveOneSpellingEverywhere() throws {
        let work = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let out = work.appendingPathComponent("t")
        #expect(
            try cli([
                "train", "--model", "ae-small", "--size", "16x16", "--steps", "1", "--images", "2", "--batch-size", "2",
                "--out", out.path, "-q",
            ]).status == 0)
        let log = try JSONDecoder().decode(
            TrainingLog.self, from: Data(contentsOf: out.appendingPathComponent("training.json")))
        #expect(log.config.size == 16)
        let oblong = try cli([
            "train", "--size", "32x16", "--steps", "1", "--out", work.appendingPathComponent("u").path,
        ])
        #expect(oblong.status == 2 && oblong.stderr.contains("--size"))
        let npy = work.appendingPathComponent("x.npy")
        try SyntheticImages.generate(.pinkNoise, count: 5, channels: 3, height: 8, width: 8, seed: 1).writeNpy(npy)
        let analysed = work.appendingPathComponent("a")
        #expect(
            try cli([
                "analyze", "--model", "e4-zeros", "--input", npy.path, "--images", "3", "--out", analysed.path, "-q",
            ]).status == 0)
        let summary = try JSONDecoder().decode(
            AnalysisSummary.self, from: Data(contentsOf: analysed.appendingPathComponent("summary.json")))
        #expect(summary.images == 3)
    }

    /// `--pdf` adds a PDF beside every PNG figure (and only with the flag).
    @Test func pdfFiguresOnRequest() throws {
        let work = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let (plain, withPDF) = (work.appendingPathComponent("plain"), work.appendingPathComponent("pdf"))
        #expect(try cli(["demo", "--images", "2", "-q", "--out", plain.path]).status == 0)
        #expect(try cli(["demo", "--images", "2", "-q", "--pdf", "--out", withPDF.path]).status == 0)
        func files(_ folder: URL, _ ext: String) throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("figures").path).filter {
                $0.hasSuffix("." + ext)
            }.sorted()
        }
        #expect(try files(plain, "pdf").isEmpty)
        let pngs = try files(withPDF, "png"), pdfs = try files(withPDF, "pdf")
        #expect(!pngs.isEmpty && pdfs == pngs.map { String($0.dropLast(3)) + "pdf" })
        let first = try Data(contentsOf: withPDF.appendingPathComponent("figures/" + pdfs[0]))
        #expect(first.starts(with: Array("%PDF-".utf8)))
    }

    /// One colour scale for every layer's map (and a fixed dB range): the figures are written and differ from the
    /// per-layer scale's.
    @Test func sharedColourScaleChangesTheMaps() throws {
        let work = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let (own, shared) = (work.appendingPathComponent("own"), work.appendingPathComponent("shared"))
        let common = ["demo", "--images", "2", "-q"]
        #expect(try cli(common + ["--out", own.path]).status == 0)
        #expect(try cli(common + ["--out", shared.path, "--shared-colour-scale", "--db-range", "80"]).status == 0)
        let name = "figures/01-up1.png"
        let a = try Data(contentsOf: own.appendingPathComponent(name)),
            b = try Data(contentsOf: shared.appendingPathComponent(name))
        #expect(!a.isEmpty && a != b)
        #expect(FileManager.default.fileExists(atPath: shared.appendingPathComponent("figures/01-up1.svg").path))
        // --layers keeps some kinds in the charts over depth (every layer is still analysed).
        let kept = work.appendingPathComponent("kept")
        #expect(try cli(common + ["--out", kept.path, "--layers", "conv"]).status == 0)
        let csv = try String(contentsOf: kept.appendingPathComponent("figures/radial-spectra.csv"), encoding: .utf8)
        let series = Set(csv.split(separator: "\n").dropFirst().map { String($0.split(separator: ",")[0]) })
        #expect(series == ["\"input\"", "\"conv1\"", "\"conv2\"", "\"conv3\"", "\"conv4\"", "\"conv_out\""])
        let summary = try JSONDecoder().decode(
            AnalysisSummary.self, from: Data(contentsOf: kept.appendingPathComponent("summary.json")))
        #expect(
            summary.layers.count == 17 && summary.chartedLayers.allSatisfy { $0.type == "Conv2d" }
                && summary.chartedLayers.count == 5)
    }

    @Test func failuresExitOneWithAClearMessage() throws {
        let result = try cli([
            "analyze", "--model", "e8-k1", "--input", "/no/such/file.npy", "--out",
            temporaryFolder().appendingPathComponent("r").path,
        ])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: ") && result.stderr.contains("/no/such/file.npy"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    /// A model or layer name that does not exist is a usage mistake (status 2, as an unknown option) with the close
    /// name suggested and the names the model has listed.
    @Test func unknownModelAndLayerNamesExitTwoWithASuggestion() throws {
        let model = try cli(["verify", "--model", "e8-k"])
        #expect(
            model.status == 2 && model.stderr.hasPrefix("error: unknown model 'e8-k'")
                && model.stderr.contains("did you mean 'e8-k1'?"))
        let layer = try cli(["verify", "--model", "e8-k1", "--until", "conv"])
        #expect(
            layer.status == 2 && layer.stderr.contains("no layer or node named 'conv' (did you mean 'conv1'?)"),
            "\(layer.stderr)")
        #expect(layer.stderr.contains("it has: conv1, relu1"))
    }

    /// Inputs of the wrong size for an ONNX model with a fixed input: the error names both shapes and says how to fix it.
    @Test func wrongInputSizeGetsAHint() throws {
        let work = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let input = work.appendingPathComponent("x.npy")
        try SyntheticImages.generate(.pinkNoise, count: 1, channels: 3, height: 20, width: 20, seed: 1).writeNpy(input)
        let model = fixturesURL.appendingPathComponent("real-decoders/cyclegan-resnet/model.onnx").path
        let result = try cli([
            "analyze", "--model", model, "--input", input.path, "--out", work.appendingPathComponent("o").path,
        ])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains("fixed shape [1, 3, 16, 16]") && result.stderr.contains("add --size 16x16"),
            "\(result.stderr)")
    }

    @Test func verifyJSONIsValidAndPasses() throws {
        let result = try cli([
            "verify", "--model", "circular-upconv-decoder", "--images", "2", "--precision", "double", "--json", "-q",
        ])
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(object?["passed"] as? Bool == true)
    }

    @Test func analyzeRefusesNonEmptyFolderAndLeavesNoPartialOutput() throws {
        let work = temporaryFolder()
        let out = work.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: out.appendingPathComponent("keep.txt"))
        let input = work.appendingPathComponent("x.npy")
        try SyntheticImages.generate(.pinkNoise, count: 1, channels: 3, height: 8, width: 8, seed: 1).writeNpy(input)
        let refused = try cli(["analyze", "--model", "e10-upconv-decoder", "--input", input.path, "--out", out.path])
        #expect(refused.status == 1 && refused.stderr.contains("--force"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["keep.txt"])

        var bad = Tensor<Float>(zeros: [1, 3, 8, 8])
        bad.scalars[3] = .infinity
        try bad.writeNpy(input)
        let fresh = work.appendingPathComponent("fresh")
        let failed = try cli(["analyze", "--model", "e10-upconv-decoder", "--input", input.path, "--out", fresh.path])
        #expect(failed.status == 1 && failed.stderr.contains("non-finite"))
        #expect(!FileManager.default.fileExists(atPath: fresh.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path).sorted() == ["out", "x.npy"])
    }

    @Test func analyzeWritesAReportAndReportRebuildsIt() throws {
        let work = temporaryFolder()
        let input = work.appendingPathComponent("x.npy")
        try SyntheticImages.generate(.deadLeaves, count: 2, channels: 3, height: 8, width: 8, seed: 2).writeNpy(input)
        let out = work.appendingPathComponent("run")
        let result = try cli([
            "analyze", "--model", "e10-upconv-decoder", "--input", input.path, "--out", out.path, "--json", "-q",
        ])
        #expect(result.status == 0)
        let summary = try JSONDecoder().decode(AnalysisSummary.self, from: Data(result.stdout.utf8))
        #expect(summary.layers.count == 17)
        let report = out.appendingPathComponent("report.html")
        let first = try String(contentsOf: report, encoding: .utf8)
        try FileManager.default.removeItem(at: report)
        let rebuilt = try cli(["report", out.path])
        #expect(rebuilt.status == 0)
        #expect(try String(contentsOf: report, encoding: .utf8) == first)
    }
}
