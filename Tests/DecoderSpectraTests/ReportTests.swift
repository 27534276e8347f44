import DecoderSpectra
import Foundation
import Testing

/// report.html: content, self-containedness, rebuilding from .npy, and rendering in a real browser.
@Suite struct ReportTests {
    /// A small analysis run written to a fresh folder.
    func analysisRun() throws -> URL {
        let model = try BuiltinModels.model(named: "circular-upconv-decoder")
        let x = SyntheticImages.generate(.deadLeaves, count: 2, channels: 3, height: 6, width: 6, seed: 4)
        let out = temporaryFolder().appendingPathComponent("run")
        let folder = try StagedDirectory(out, force: false)
        _ = try AnalysisWriter(options: .init()).write(try FrequencyVerifier.trace(model, input: x).analysisTrace(model: model), source: "test",
                                                        files: nil, into: folder)
        try folder.commit()
        return out
    }

    func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    @Test func analysisReportHasTableChartsAndEmbeddedFigures() throws {
        let run = try analysisRun()
        let html = try String(contentsOf: run.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(count("<svg", in: html) == 4)
        #expect(count("data:image/png;base64,", in: html) == 1 + 7)  // input + 7 layers
        #expect(html.contains("<td>conv1</td>") && html.contains("exact"))
        // Self-contained: no external resources (only the SVG namespace URI appears).
        #expect(count("http", in: html) == count("http://www.w3.org/2000/svg", in: html))
        #expect(!html.contains("src=\"figures/"))
    }

    /// Without the PNG figures, the report redraws the spectra from the .npy files.
    @Test func rebuildRedrawsMissingFiguresFromSpectra() throws {
        let run = try analysisRun()
        try FileManager.default.removeItem(at: run.appendingPathComponent("figures"))
        let html = try String(contentsOf: try HTMLReport.rebuild(run), encoding: .utf8)
        #expect(count("data:image/png;base64,", in: html) == 7)  // the input has no .npy spectrum
    }

    @Test func rebuildNeedsARunFolder() {
        #expect { _ = try HTMLReport.rebuild(temporaryFolder()) } throws: { "\($0)".contains("not a run folder") }
    }

    @Test func experimentReportShowsVerdicts() throws {
        var settings = ExperimentSettings()
        settings.images = 2
        settings.size = 16
        let report = try Experiments.run(Experiments.named("kernel-size")!, settings: settings, folder: nil)
        let html = HTMLReport.experiments([report], folder: temporaryFolder(), prefixes: [""], command: "test")
        #expect(count("<tr class=\"holds\">", in: html) + count("<tr class=\"fails\">", in: html) == report.rows.count)
        #expect(count("<svg", in: html) == report.charts.count)
    }

    @Test func htmlEscaping() {
        #expect(HTML.escape("<a href=\"x\">&</a>") == "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;")
    }

    /// The page loads in headless Chromium without console errors, and its charts and figures are in the DOM.
    @Test(.enabled(if: chromiumExecutable != nil,
                   "Chromium is not installed: skipping the browser check of report.html (make test installs it where apt can)"))
    func reportRendersInChromium() throws {
        let run = try analysisRun()
        let page = run.appendingPathComponent("report.html").absoluteString
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0"]
        let dom = try runProcess(URL(fileURLWithPath: "/usr/bin/timeout"), ["120", chromiumExecutable!.path] + flags + ["--dump-dom", page])
        #expect(dom.status == 0)
        #expect(count("<svg", in: dom.stdout) == 4 && dom.stdout.contains("<table"))
        let consoleErrors = dom.stderr.split(separator: "\n").filter { $0.contains("CONSOLE") || $0.contains("Uncaught") }
        #expect(consoleErrors.isEmpty, "\(consoleErrors)")
        let shot = run.appendingPathComponent("shot.png")
        let screenshot = try runProcess(URL(fileURLWithPath: "/usr/bin/timeout"),
                                        ["120", chromiumExecutable!.path] + flags + ["--window-size=1000,1400", "--screenshot=\(shot.path)", page])
        #expect(screenshot.status == 0)
        let image = try PNGImage.read(shot)
        #expect(image.width == 1000 && Set(image.scalars).count > 20)  // rendered content, not a blank page
    }
}
