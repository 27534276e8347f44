import DecoderSpectra
import Foundation
import Testing

/// Every experiment on a tiny setting (2 images, small maps, quick Monte Carlo): it runs, reports rows with numbers,
/// and the rows whose claim is exact by construction hold. Verdicts of statistical claims are not asserted: they are
/// measurements, and reporting "NO" honestly is part of the contract.
@Suite(.tags(.unit)) struct ExperimentTests {
    static func tinySettings() -> ExperimentSettings {
        var settings = ExperimentSettings()
        settings.images = 2
        settings.size = 16
        settings.quick = true
        settings.draws = 2
        return settings
    }

    @Test(arguments: Experiments.all.map(\.name))
    func experimentRunsOnATinySetting(name: String) throws {
        let report = try Experiments.run(Experiments.named(name)!, settings: Self.tinySettings(), folder: nil)
        #expect(!report.rows.isEmpty)
        for row in report.rows {
            #expect(!row.claim.isEmpty && !row.measured.isEmpty && !row.predicted.isEmpty)
        }
        // Every row has an id, unique in the report and prefixed by the experiment's name (rows are selected by it).
        let ids = report.rows.compactMap(\.id)
        #expect(
            ids.count == report.rows.count && Set(ids).count == ids.count && ids.allSatisfy { $0.hasPrefix(name + ".") }
        )
        #expect(!report.numbers.isEmpty)
    }

    /// Implementation checks (identities of exact arithmetic, seeded Monte Carlo of products) must pass on any data;
    /// every experiment that has them labels at least one.
    @Test(arguments: ["theory", "upsampling", "fitness", "backward", "depth", "weight-mean"])
    func implementationChecksPass(name: String) throws {
        let report = try Experiments.run(Experiments.named(name)!, settings: Self.tinySettings(), folder: nil)
        let checks = report.rows.filter(\.isCheck)
        #expect(!checks.isEmpty)
        for row in checks { #expect(row.holds == true, "\(row.claim): \(row.measured)") }
    }

    /// Replicated rows name their deciding metric and carry an across-draw summary for each metric.
    @Test func comparisonRowsCarryTheirStatistics() throws {
        let report = try Experiments.run(Experiments.named("padding")!, settings: Self.tinySettings(), folder: nil)
        for row in report.rows {
            #expect(row.decidedBy?.hasPrefix(BandMetric.lowEnergy.rawValue) == true)
            let statistics = try #require(row.statistics)
            #expect(Set(statistics.keys) == Set(BandMetric.allCases.map(\.rawValue)))
            #expect(statistics.values.allSatisfy { $0.draws == 2 })
            #expect(row.holds == statistics[BandMetric.lowEnergy.rawValue]!.verdict.holds)
        }
    }

    /// With an output folder: results.json and every listed figure exist; data can come from files.
    @Test func writesResultsAndFiguresFromFileData() throws {
        let images = temporaryFolder()
        for i in 0..<2 {
            let image = SyntheticImages.generate(
                .pinkNoise, count: 1, channels: 3, height: 20, width: 24, seed: UInt64(i))
            try image.writeNpy(images.appendingPathComponent("img\(i).npy"))
        }
        var settings = Self.tinySettings()
        settings.data = .path(images.path)
        let out = temporaryFolder().appendingPathComponent("kernel-size")
        let folder = try StagedDirectory(out, force: false)
        let report = try Experiments.run(Experiments.named("kernel-size")!, settings: settings, folder: folder)
        try folder.commit()
        let decoded = try JSONDecoder().decode(
            ExperimentReport.self, from: Data(contentsOf: out.appendingPathComponent("results.json")))
        #expect(decoded.rows.count == report.rows.count)
        for figure in report.figures {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(figure).path))
            #expect(
                FileManager.default.fileExists(atPath: out.appendingPathComponent(figure.dropLast(4) + ".svg").path))
        }
        // Every chart has its data beside it as CSV: a header and one row per point.
        for chart in report.charts {
            let csv = try String(
                contentsOf: out.appendingPathComponent(chart.figure!.dropLast(4) + ".csv"), encoding: .utf8)
            let lines = csv.split(separator: "\n")
            #expect(lines.first?.hasPrefix("series,") == true)
            #expect(lines.count == 1 + chart.series.map(\.x.count).reduce(0, +))
        }
    }

    /// A mistyped experiment name gets the registered name within two edits, or none.
    @Test func mistypedExperimentNamesGetASuggestion() {
        let names = Experiments.all.map(\.name)
        #expect(NameSuggestion.closest(to: "paddin", among: names) == "padding")
        #expect(NameSuggestion.closest(to: "Kernel-Size", among: names) == "kernel-size")
        #expect(NameSuggestion.closest(to: "upsamp", among: names) == "upsampling")
        #expect(NameSuggestion.closest(to: "frequency", among: names) == nil)
    }

    @Test func unreadableDataIsAClearError() {
        var settings = Self.tinySettings()
        settings.data = .path("/nonexistent/dataset")
        #expect { _ = try Experiments.run(Experiments.named("padding")!, settings: settings, folder: nil) } throws: {
            "\($0)".contains("/nonexistent/dataset")
        }
    }
}

/// `experiment fitness|depth|upsampling --model M` on users' models, including ONNX files; other experiments refuse.
@Suite(.tags(.unit)) struct UserModelExperimentTests {
    @Test(arguments: ["fitness", "depth", "upsampling"])
    func singleNetworkExperimentsTakeAnOnnxModel(name: String) throws {
        var settings = ExperimentTests.tinySettings()
        settings.size = nil
        settings.model = fixturesURL.appendingPathComponent("onnx/dcgan/model.onnx").path
        let report = try Experiments.run(Experiments.named(name)!, settings: settings, folder: nil)
        #expect(!report.rows.isEmpty)
        // torch's generic graph name "main_graph" gives way to the file's name (model.onnx -> "model").
        #expect(report.rows.allSatisfy { !$0.setting.contains("main_graph") && $0.setting.contains("model") })
        _ = try JSONFormatting.encode(report)  // non-finite chart points encode as null
    }

    @Test func exactRulesHoldOnABuiltInModelGivenAsModel() throws {
        var settings = ExperimentTests.tinySettings()
        settings.model = "circular-upconv-decoder"
        settings.size = 6
        let report = try Experiments.run(Experiments.named("fitness")!, settings: settings, folder: nil)
        let exact = try #require(report.rows.first { $0.id == "fitness.exact-frequency-rules-hold" })
        #expect(exact.holds == true, "\(exact.measured)")
    }

    @Test func comparisonExperimentsRefuseAModel() {
        var settings = ExperimentTests.tinySettings()
        settings.model = "e8-k3"
        #expect { _ = try Experiments.run(Experiments.named("padding")!, settings: settings, folder: nil) } throws: {
            "\($0)".contains("does not take --model")
        }
    }
}

/// `experiment all --resume`: a finished experiment is kept beside the output and restored only for the same settings.
@Suite(.tags(.unit)) struct ExperimentCheckpointTests {
    @Test func restoresAFinishedExperimentWithTheSameSettingsOnly() throws {
        let root = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("run")
        let settings = ExperimentTests.tinySettings()
        let checkpoint = ExperimentCheckpoint(for: out)
        let report: ExperimentReport
        do {
            let folder = try StagedDirectory(out, force: false)
            report = try Experiments.run(
                Experiments.named("kernel-size")!, settings: settings, folder: folder, prefix: "kernel-size/")
            try checkpoint.save("kernel-size", from: folder.staging.appendingPathComponent("kernel-size"))
            // The run is killed here: the staging folder goes, the checkpoint stays.
        }
        let folder = try StagedDirectory(out, force: false)
        let target = folder.staging.appendingPathComponent("kernel-size")
        let restored = try #require(checkpoint.restore("kernel-size", settings: settings, into: target))
        #expect(restored.rows.map(\.measured) == report.rows.map(\.measured))
        for figure in report.figures {
            #expect(FileManager.default.fileExists(atPath: target.appendingPathComponent(figure).path))
        }
        var other = settings
        other.seed = 5
        #expect(checkpoint.restore("kernel-size", settings: other, into: target) == nil)
        #expect(
            checkpoint.restore("padding", settings: settings, into: folder.staging.appendingPathComponent("padding"))
                == nil)
        checkpoint.remove()
        #expect(!FileManager.default.fileExists(atPath: checkpoint.folder.path))
    }
}
