import Foundation
import SpectraAnalysis
import SpectraCore
import SpectraIO
import SpectraReport
import SpectraTraining

/// The experiments' pages, and rebuilding any run folder's page (which may hold experiment results).
extension HTMLReport {
    /// The report of one or more experiments; `prefixes[i]` is where report i's files are inside `folder`.
    public static func experiments(
        _ reports: [ExperimentReport], folder: URL, prefixes: [String], command: String
    ) -> String {
        var body = "<h1>DecoderSpectra experiments</h1>"
        body += meta(command: command, version: DecoderSpectraVersion.current, extra: [])
        let all = reports.flatMap(\.rows)
        let counts = VerdictCounts(all)
        body += "<p>\(counts.summary); \(counts.unverdicted) rows are reported without a verdict.</p>"
        for (report, prefix) in zip(reports, prefixes) {
            body +=
                "<h2>\(HTML.escape(report.title))</h2><p class=\"meta\">\(HTML.escape(report.reference)); "
                + (report.imagesUsed.map { "\($0) images from \(HTML.escape(report.settings.data.description)), " }
                    ?? "")
                + "seed \(report.settings.seed)</p>"
            body += HTML.table(
                header: ["claim", "setting", "measured", "predicted", "holds?"],
                rows: report.rows.map { [$0.claim, $0.setting, $0.measured, $0.predicted, $0.verdictText] },
                rowClasses: report.rows.map { $0.holds.map { $0 ? "holds" : "fails" } ?? "" })
            for chart in report.charts { body += chart.svg }
            body += "<div class=\"figures\">"
            for figure in report.figures where !isChart(figure, report) {
                if let url = try? SafePath.resolve(prefix + figure, inside: folder, what: "figure"),
                    let image = HTML.embeddedImage(url, alt: figure)
                {
                    body += "<figure>\(image)<figcaption>\(HTML.escape(figure))</figcaption></figure>"
                }
            }
            body += "</div>"
        }
        return HTML.page(title: "DecoderSpectra experiments", body: body)
    }

    // MARK: Rebuilding

    /// Rebuilds `report.html` in a run folder from its summary.json, results.json, all-results.json or training.json.
    @discardableResult
    public static func rebuild(_ folder: URL) throws -> URL {
        let fm = FileManager.default
        let html: String
        func decode<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
            let url = folder.appendingPathComponent(name)
            do { return try JSONDecoder().decode(type, from: Data(contentsOf: url)) } catch {
                throw SpectraError.invalidFile(file: url.path, reason: "cannot read the run's results: \(error)")
            }
        }
        if fm.fileExists(atPath: folder.appendingPathComponent("summary.json").path) {
            html = analysis(try decode(AnalysisSummary.self, "summary.json"), folder: folder)
        } else if fm.fileExists(atPath: folder.appendingPathComponent("all-results.json").path) {
            let reports = try decode([ExperimentReport].self, "all-results.json")
            html = experiments(
                reports, folder: folder, prefixes: reports.map { $0.name + "/" },
                command: "decoder-spectra experiment all")
        } else if fm.fileExists(atPath: folder.appendingPathComponent("training.json").path) {
            html = training(try decode(TrainingLog.self, "training.json"), folder: folder)
        } else if fm.fileExists(atPath: folder.appendingPathComponent("results.json").path) {
            let report = try decode(ExperimentReport.self, "results.json")
            html = experiments(
                [report], folder: folder, prefixes: [""], command: "decoder-spectra experiment \(report.name)")
        } else {
            throw SpectraError.invalidFile(
                file: folder.path,
                reason: "no summary.json, results.json, all-results.json or training.json: not a run folder")
        }
        let url = folder.appendingPathComponent("report.html")
        try AtomicFile.write(html, to: url)
        return url
    }

    /// Curve figures are drawn as SVG from their data, so their PNG copies are not repeated.
    private static func isChart(_ figure: String, _ report: ExperimentReport) -> Bool {
        report.charts.contains { $0.figure == figure }
    }
}
