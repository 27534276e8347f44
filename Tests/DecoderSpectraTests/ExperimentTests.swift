import DecoderSpectra
import Foundation
import Testing

/// Every experiment on a tiny setting (2 images, small maps, quick Monte Carlo): it runs, reports rows with numbers,
/// and the rows whose claim is exact by construction hold. Verdicts of statistical claims are not asserted: they are
/// measurements, and reporting "NO" honestly is part of the contract.
@Suite struct ExperimentTests {
    static func tinySettings() -> ExperimentSettings {
        var settings = ExperimentSettings()
        settings.images = 2
        settings.size = 16
        settings.quick = true
        return settings
    }

    @Test(arguments: Experiments.all.map(\.name))
    func experimentRunsOnATinySetting(name: String) throws {
        let report = try Experiments.run(Experiments.named(name)!, settings: Self.tinySettings(), folder: nil)
        #expect(!report.rows.isEmpty)
        for row in report.rows {
            #expect(!row.claim.isEmpty && !row.measured.isEmpty && !row.predicted.isEmpty)
        }
        #expect(!report.numbers.isEmpty)
    }

    /// Claims that are theorems of exact arithmetic must hold on any data.
    @Test func exactClaimsHold() throws {
        let settings = Self.tinySettings()
        let theory = try Experiments.run(Experiments.named("theory")!, settings: settings, folder: nil)
        for row in theory.rows where row.claim.hasPrefix("Thm 4.4") || row.claim.hasPrefix("§2.4") || row.claim.hasPrefix("Thm 3.2")
            || row.claim.hasPrefix("Eq. 17") {
            #expect(row.holds == true, "\(row.claim): \(row.measured)")
        }
        let upsampling = try Experiments.run(Experiments.named("upsampling")!, settings: settings, folder: nil)
        #expect(upsampling.rows[0].holds == true)
        let fitness = try Experiments.run(Experiments.named("fitness")!, settings: settings, folder: nil)
        #expect(fitness.rows[0].holds == true, "\(fitness.rows[0].measured)")
    }

    /// With an output folder: results.json and every listed figure exist; data can come from files.
    @Test func writesResultsAndFiguresFromFileData() throws {
        let images = temporaryFolder()
        for i in 0..<2 {
            let image = SyntheticImages.generate(.pinkNoise, count: 1, channels: 3, height: 20, width: 24, seed: UInt64(i))
            try image.writeNpy(images.appendingPathComponent("img\(i).npy"))
        }
        var settings = Self.tinySettings()
        settings.data = images.path
        let out = temporaryFolder().appendingPathComponent("kernel-size")
        let folder = try StagedDirectory(out, force: false)
        let report = try Experiments.run(Experiments.named("kernel-size")!, settings: settings, folder: folder)
        try folder.commit()
        let decoded = try JSONDecoder().decode(ExperimentReport.self, from: Data(contentsOf: out.appendingPathComponent("results.json")))
        #expect(decoded.rows.count == report.rows.count)
        for figure in report.figures { #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(figure).path)) }
    }

    @Test func unreadableDataIsAClearError() {
        var settings = Self.tinySettings()
        settings.data = "/nonexistent/dataset"
        #expect { _ = try Experiments.run(Experiments.named("padding")!, settings: settings, folder: nil) }
            throws: { "\($0)".contains("/nonexistent/dataset") }
    }
}

/// `experiment fitness|depth|upsampling --model M` on users' models, including ONNX files; other experiments refuse.
@Suite struct UserModelExperimentTests {
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
        #expect(report.rows.first?.holds == true, "\(report.rows.first?.measured ?? "")")
    }

    @Test func comparisonExperimentsRefuseAModel() {
        var settings = ExperimentTests.tinySettings()
        settings.model = "e8-k3"
        #expect { _ = try Experiments.run(Experiments.named("padding")!, settings: settings, folder: nil) }
            throws: { "\($0)".contains("does not take --model") }
    }
}
