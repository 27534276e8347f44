import DecoderSpectra
import Foundation
import Testing

/// report.html: content, self-containedness, rebuilding from .npy, and rendering in a real browser.
@Suite(.tags(.unit)) struct ReportTests {
    /// A small analysis run written to a fresh folder.
    func analysisRun() throws -> URL {
        let model = try BuiltinModels.model(named: "circular-upconv-decoder")
        let x = SyntheticImages.generate(.deadLeaves, count: 2, channels: 3, height: 6, width: 6, seed: 4)
        let out = temporaryFolder().appendingPathComponent("run")
        let folder = try StagedDirectory(out, force: false)
        _ = try AnalysisWriter(options: .init()).write(
            try ModelGraph(chain: model).trace(x), source: "test",
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

    /// A streamed analysis with per-channel maps written to a fresh folder.
    func perChannelRun() throws -> URL {
        let batches = try InputBatches(
            .synthetic(.deadLeaves, count: 3, channels: 3, height: 8, width: 8, seed: 1), channels: 3, batchSize: 2)
        let analysis = try StreamingAnalysis.run(
            try ModelGraph.load("e10-upconv-decoder"), batches: batches, precision: Float.self,
            perChannel: true)
        let out = temporaryFolder().appendingPathComponent("run")
        let folder = try StagedDirectory(out, force: false)
        _ = try AnalysisWriter(options: .init()).write(
            analysis, source: "test", files: nil, precision: "float", into: folder)
        try folder.commit()
        return out
    }

    /// Per-channel maps: their mean over channels is the layer's power map; the report gets a channel browser, a
    /// layer picker and a tooltip (<title>) with the values of every chart point.
    @Test func perChannelMapsAndTheInteractiveReport() throws {
        let run = try perChannelRun()
        let summary = try JSONDecoder().decode(
            AnalysisSummary.self, from: Data(contentsOf: run.appendingPathComponent("summary.json")))
        for layer in summary.layers {
            let channels = try NpyFile.read(run.appendingPathComponent(try #require(layer.channelPowerFile)))
            let power = try NpyFile.read(run.appendingPathComponent(try #require(layer.powerFile)))
            #expect(channels.shape == Array(layer.outputShape.dropFirst()))
            let (c, plane) = (channels.shape[0], channels.shape[1] * channels.shape[2])
            let values = try channels.realValues(file: "channels"), mean = try power.realValues(file: "power")
            for f in 0..<plane {
                let average = (0..<c).reduce(0.0) { $0 + values[$1 * plane + f] } / Double(c)
                #expect(abs(average - mean[f]) <= 1e-12 * max(mean[f], 1e-300), "\(layer.name) [\(f)]")
            }
        }
        let html = try String(contentsOf: run.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(
            html.contains("id=\"layer-picker\"") && html.contains("id=\"channel-layer\"")
                && html.contains("var channelLayers=["))
        // The tooltip of up1's first point holds its DC power per pixel (printed with 4 significant digits).
        let prefix = "<title>up1: cycles per pixel of each layer 0, power per pixel, E|H|²/MN "
        let tooltip = try #require(html.range(of: prefix))
        let printed = Double(html[tooltip.upperBound...].prefix { $0 != "<" }) ?? .nan
        let dc = summary.layers[0].radialSpectrum.power[0]
        #expect(abs(printed - dc) <= 1e-3 * dc, "\(printed) vs \(dc)")
    }

    @Test func htmlEscaping() {
        #expect(HTML.escape("<a href=\"x\">&</a>") == "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;")
    }

    /// The page loads in headless Chromium without console errors, and its charts and figures are in the DOM.
    @Test(
        .tags(.browser),
        .enabled(
            if: chromiumExecutable != nil,
            "Chromium is not installed: skipping the browser check of report.html (make test installs it where apt can)"
        ))
    func reportRendersInChromium() throws {
        let run = try analysisRun()
        let page = run.appendingPathComponent("report.html").absoluteString
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0"]
        let dom = try runProcess(
            URL(fileURLWithPath: "/usr/bin/timeout"), ["120", chromiumExecutable!.path] + flags + ["--dump-dom", page])
        #expect(dom.status == 0)
        #expect(count("<svg", in: dom.stdout) == 4 && dom.stdout.contains("<table"))
        let consoleErrors = dom.stderr.split(separator: "\n").filter {
            $0.contains("CONSOLE") || $0.contains("Uncaught")
        }
        #expect(consoleErrors.isEmpty, "\(consoleErrors)")
        let shot = run.appendingPathComponent("shot.png")
        let screenshot = try runProcess(
            URL(fileURLWithPath: "/usr/bin/timeout"),
            ["120", chromiumExecutable!.path] + flags + ["--window-size=1000,1400", "--screenshot=\(shot.path)", page])
        #expect(screenshot.status == 0)
        let image = try PNGImage.read(shot)
        #expect(image.width == 1000 && Set(image.scalars).count > 20)  // rendered content, not a blank page
    }

    /// The layer picker and the channel browser work in a real browser: a script picks layer 6 and channel 3 of the
    /// fifth layer (up2) as a user would (change and input events); the DOM then shows the row highlighted, only that
    /// layer's map, the other chart series dimmed, and the channel's caption; no console errors.
    @Test(
        .tags(.browser),
        .enabled(
            if: chromiumExecutable != nil,
            "Chromium is not installed: skipping the browser check of the report's controls"))
    func reportControlsWorkInChromium() throws {
        let run = try perChannelRun()
        let html = try String(contentsOf: run.appendingPathComponent("report.html"), encoding: .utf8)
        let actions = """
            <script>var p=document.getElementById('layer-picker');p.value='6';p.dispatchEvent(new Event('change'));
            var s=document.getElementById('channel-layer');s.value='4';s.dispatchEvent(new Event('change'));
            var r=document.getElementById('channel-index');r.value='3';r.dispatchEvent(new Event('input'));</script></body>
            """
        let page = run.appendingPathComponent("clicked.html")
        try html.replacingOccurrences(of: "</body>", with: actions).write(to: page, atomically: true, encoding: .utf8)
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0"]
        let dom = try runProcess(
            URL(fileURLWithPath: "/usr/bin/timeout"),
            ["120", chromiumExecutable!.path] + flags + ["--dump-dom", page.absoluteString])
        #expect(dom.status == 0)
        #expect(dom.stdout.contains("<tr class=\"layer-6 picked\">"))
        #expect(count("style=\"display: none;\"", in: dom.stdout) == 17)  // every map but layer 6's (input + 17 layers)
        #expect(dom.stdout.contains("<g class=\"series dim\""))
        #expect(dom.stdout.contains("channel 3 of 32, share of the layer's power"))  // up2: 32 channels
        let consoleErrors = dom.stderr.split(separator: "\n").filter {
            $0.contains("CONSOLE") || $0.contains("Uncaught")
        }
        #expect(consoleErrors.isEmpty, "\(consoleErrors)")
    }
}
