import Foundation
import SpectraAnalysis
import SpectraCore
import SpectraIO
import SpectraNetwork

/// `report.html`: one self-contained page (figures embedded as data URIs, charts as inline SVG, no network access)
/// per run of `demo`/`analyze` or `experiment`, rebuilt from the run's JSON and .npy files by `decoder-spectra report`.
public enum HTMLReport {
    // MARK: Analysis runs

    /// The report of a `demo`/`analyze` run whose files are in `folder`.
    public static func analysis(_ summary: AnalysisSummary, folder: URL) -> String {
        var body = "<h1>DecoderSpectra: \(HTML.escape(summary.model.name))</h1>"
        body += meta(
            command: summary.command, version: summary.tool.version,
            extra: [
                "precision: \(summary.precision)",
                "input: \(summary.input.source), shape \(describeShape(summary.input.shape))",
                "model: \(summary.model.description)",
            ])
        body +=
            "<h2>Layers</h2><p>Each layer's output spectrum against its frequency rule: <b>exact</b> rules must agree with "
            + "the DFT of the spatial output to rounding (≤ \(fmt(SpectralRule.exactnessBound(for: Float.self))) in float, "
            + "≤ \(fmt(SpectralRule.exactnessBound(for: Double.self))) in double); <b>surrogate</b> rules are "
            + "measured by sim(H*, H) (docs/theory.md §7). p_low is the energy share of Ω_low.</p>"
        let rows =
            [["0", "input", "", describeShape(summary.input.shape), fmt(summary.input.pLow), "", "", "", ""]]
            + summary.layers.map { l in
                [
                    String(l.index), l.name, l.type, describeShape(l.outputShape), fmt(l.pLow),
                    l.verification.rule.rawValue,
                    l.verification.relativeError.map(fmt) ?? "–", l.verification.similarity.map(fmt) ?? "–",
                    l.verification.detail,
                ]
            }
        body += HTML.table(
            header: ["#", "layer", "type", "output shape", "p_low", "rule", "rel. error", "sim", "rule detail"],
            rows: rows,
            rowClasses: ["layer-0"] + summary.layers.map { "layer-\($0.index)" })
        body += layerPicker(summary)
        // The charts over depth show the layers of the kinds asked for (`--layers`), at their positions in the network.
        let charted = summary.chartedLayers
        let x = charted.indices.map { Double($0 + 1) }
        body += "<h2>Charts</h2>"
        body += SVGChart.lines(
            [.init(label: "input", x: summary.input.radialSpectrum.frequency, y: summary.input.radialSpectrum.power)]
                + charted.map { .init(label: $0.name, x: $0.radialSpectrum.frequency, y: $0.radialSpectrum.power) },
            title: "Radially averaged power spectrum per layer", xLabel: "cycles per pixel of each layer",
            yLabel: "power per pixel, E|H|²/MN",
            logY: true)
        // Change of power across depth (Fig. 5 style) at three frequencies on one grid, cycles per output pixel: a
        // pattern of f cycles per output pixel is f · S_out / S_l cycles per pixel on a layer of side S_l (so upsampled
        // layers are compared at the same physical frequency). The three are 0.1, 0.5 and 1 × the smallest map's
        // Nyquist, so every layer has them; each curve is in dB relative to the first charted layer.
        let sides = charted.map { layerSide($0.outputShape) }
        if let outputSide = sides.last, let smallest = sides.filter({ $0 > 1 }).min() {
            let common = [0.1, 0.5, 1.0].map { $0 * 0.5 * Double(smallest) / Double(outputSide) }
            body += SVGChart.lines(
                common.map { radius in
                    let power = zip(charted, sides).map { layer, side in
                        side > 1
                            ? SpectrumStatistics.power(
                                atRadius: radius * Double(outputSide) / Double(side),
                                frequency: layer.radialSpectrum.frequency,
                                power: layer.radialSpectrum.power, excludingDC: true) : .nan
                    }
                    let reference = power.first { $0.isFinite && $0 > 0 } ?? .nan
                    return .init(
                        label: "\(fmt(radius)) cyc/output px", x: x,
                        y: power.map { $0 > 0 && reference > 0 ? 10 * log10($0 / reference) : .nan })
                }, title: "Change of power across depth at three frequencies (cycles per output pixel)",
                xLabel: "layer",
                yLabel: "dB relative to the first layer", logY: false, xNames: charted.map(\.name))
        }
        body += SVGChart.lines(
            [.init(label: "p_low", x: x, y: charted.map(\.pLow))],
            title: "Low-frequency ratio p_low per layer", xLabel: "layer", yLabel: "p_low", logY: false,
            xNames: charted.map(\.name))
        body += SVGChart.lines(
            [.init(label: "sim(H*, H)", x: x, y: charted.map { $0.verification.similarity ?? .nan })],
            title: "Similarity of propagated and real spectra", xLabel: "layer", yLabel: "sim", logY: false,
            xNames: charted.map(\.name))
        body +=
            "<h2>Spectra</h2><p>Channel- and batch-averaged magnitude, centred (low frequencies in the middle), on axes in "
            + "cycles/pixel, colour in dB of power below the map's maximum; the DC value is clamped to the second largest for "
            + "display only.</p><div class=\"figures\">"
        let figures =
            [(summary.input.figure, nil as String?, nil as String?, "input", 0)]
            + summary.layers.map { ($0.figure, $0.spectrumFile, $0.powerFile, "\($0.index) \($0.name)", $0.index) }
        for (figure, spectrum, power, caption, index) in figures {
            if let image = image(figure: figure, spectrum: spectrum, power: power, folder: folder, title: caption) {
                body +=
                    "<figure data-layer=\"\(index)\">\(image)<figcaption>\(HTML.escape(caption))</figcaption></figure>"
            }
        }
        body += "</div>"
        body += ChannelBrowser.section(summary, folder: folder)
        return HTML.page(
            title: "DecoderSpectra: \(summary.model.name)", body: body + "<script>\(layerPickerScript)</script>")
    }

    /// The page of `compare`: the per-layer table, the overlaid charts and the dB difference maps (files in `folder`).
    public static func comparison(_ c: RunComparison, folder: URL, command: String) -> String {
        var body = "<h1>DecoderSpectra: \(HTML.escape(c.modelA)) (A) against \(HTML.escape(c.modelB)) (B)</h1>"
        body += meta(command: command, version: DecoderSpectraVersion.current, extra: ["A: \(c.a)", "B: \(c.b)"])
        func cell(_ value: Double?) -> String { value.map(fmt) ?? "–" }
        body +=
            "<h2>Layers</h2><p>Matched by name, else by position. dB differences are 10 log10 of power B over A: radial is "
            + "the mean over the radial bins both have; map is over every frequency of the dataset-averaged power maps.</p>"
        body += HTML.table(
            header: ["layer", "# A", "# B", "p_low A", "p_low B", "radial dB", "map max |dB|", "map RMS dB"],
            rows: c.layers.map {
                [
                    $0.name, String($0.indexA), String($0.indexB), fmt($0.pLowA), fmt($0.pLowB),
                    cell($0.radialDifferenceDB), cell($0.mapMaxAbsDB), cell($0.mapRMSDB),
                ]
            })
        if !c.unmatchedA.isEmpty || !c.unmatchedB.isEmpty {
            body +=
                "<p>Unmatched: A \(HTML.escape(c.unmatchedA.joined(separator: ", "))); B \(HTML.escape(c.unmatchedB.joined(separator: ", ")))</p>"
        }
        body += "<h2>Figures</h2><div class=\"figures\">"
        for (file, caption) in [
            ("figures/radial-last-layer.png", "radial power, last layer"), ("figures/p-low.png", "p_low per layer"),
        ]
            + c.layers.compactMap({ l in l.figure.map { ($0, l.name) } })
        {
            if let image = HTML.embeddedImage(folder.appendingPathComponent(file), alt: caption) {
                body += "<figure>\(image)<figcaption>\(HTML.escape(caption))</figcaption></figure>"
            }
        }
        body += "</div>"
        return HTML.page(title: "DecoderSpectra: compare", body: body)
    }

    // MARK: Pieces

    /// A layer picker: choosing a layer highlights its table row, dims the other series of every chart and shows only
    /// its spectrum map (plain JavaScript in the page; no network access).
    private static func layerPicker(_ summary: AnalysisSummary) -> String {
        let options =
            [("all", "every layer", "")] + [("0", "input", "input")]
            + summary.layers.map { (String($0.index), "\($0.index) \($0.name)", $0.name) }
        return "<p class=\"picker\"><label>Show layer<select id=\"layer-picker\">"
            + options.map {
                "<option value=\"\($0.0)\" data-name=\"\(HTML.escape($0.2))\">\(HTML.escape($0.1))</option>"
            }.joined()
            + "</select></label> (hover a chart's line for its values)</p>"
    }

    static let layerPickerScript = """
        (function(){var p=document.getElementById('layer-picker');if(!p)return;p.addEventListener('change',function(){
        var v=p.value,n=p.options[p.selectedIndex].getAttribute('data-name');
        document.querySelectorAll('figure[data-layer]').forEach(function(f){f.style.display=(v==='all'||f.getAttribute('data-layer')===v)?'':'none';});
        document.querySelectorAll('tr.picked').forEach(function(r){r.classList.remove('picked');});
        if(v!=='all')document.querySelectorAll('tr.layer-'+v).forEach(function(r){r.classList.add('picked');});
        document.querySelectorAll('svg.chart').forEach(function(c){var g=c.querySelectorAll('g.series'),has=false;
        g.forEach(function(s){if(s.getAttribute('data-label')===n)has=true;});
        g.forEach(function(s){s.classList.toggle('dim',v!=='all'&&has&&s.getAttribute('data-label')!==n);});});});})();
        """

    package static func meta(command: String, version: String, extra: [String]) -> String {
        "<p class=\"meta\">"
            + (["decoder-spectra \(version)", "command: <code>\(HTML.escape(command))</code>"]
            + extra.map(HTML.escape)).joined(separator: "<br>") + "</p>"
    }

    /// The figure PNG, or, when it is missing, a heatmap redrawn from the layer's per-image spectra (mean magnitude)
    /// or else from its power map (root-mean-square magnitude, √E|H|²).
    private static func image(figure: String?, spectrum: String?, power: String?, folder: URL, title: String) -> String?
    {
        // Only files inside the run folder are embedded: summary.json is data, not a licence to read anywhere.
        if let figure, let url = try? SafePath.resolve(figure, inside: folder, what: "figure"),
            let image = HTML.embeddedImage(url, alt: title)
        {
            return image
        }
        func read(_ relative: String?) -> NpyArray? {
            guard let relative, let url = try? SafePath.resolve(relative, inside: folder, what: "spectrum") else {
                return nil
            }
            return try? NpyFile.read(url)
        }
        let map: (magnitudes: [Double], rows: Int, columns: Int)
        if let array = read(spectrum), case let .complex(values) = array.values, array.shape.count == 4 {
            let s = Spectrum<Double>(shape: array.shape, values: values)
            map = (SpectrumStatistics.meanMagnitudeMap(s), s.rows, s.columns)
        } else if let array = read(power), case let .real(values) = array.values, array.shape.count == 2,
            values.count == array.shape[0] * array.shape[1]
        {
            map = (values.map { max(0, $0).squareRoot() }, array.shape[0], array.shape[1])
        } else {
            return nil
        }
        guard
            let png = try? SpectrumFigure.heatmap(
                magnitudes: map.magnitudes, rows: map.rows, columns: map.columns, title: title
            ).pngData()
        else { return nil }
        return "<img alt=\"\(HTML.escape(title))\" src=\"data:image/png;base64,\(png.base64EncodedString())\"/>"
    }

    private static func fmt(_ value: Double) -> String { format(value) }

    /// The long side of a [B, C, M, N] output (1 for vectors).
    private static func layerSide(_ shape: [Int]) -> Int { shape.count == 4 ? max(shape[2], shape[3]) : 1 }

}
