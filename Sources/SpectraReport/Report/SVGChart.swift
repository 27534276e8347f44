import Foundation
import RealModule
import SpectraCore

/// Line charts as inline SVG for the HTML report: axes with ticks, axis labels, a legend, log or linear y.
package enum SVGChart {
    package struct Series: Sendable {
        package var label: String
        package var x: [Double]
        package var y: [Double]
        package init(label: String, x: [Double], y: [Double]) {
            self.label = label
            self.x = x
            self.y = y
        }
    }

    /// The figures' series colours (tab10 up to 10 series, viridis by order beyond) as SVG hex.
    static func colour(_ index: Int, of count: Int) -> String {
        let c = SpectrumFigure.seriesColour(index, of: count)
        return String(format: "#%02x%02x%02x", Int(c.red * 255), Int(c.green * 255), Int(c.blue * 255))
    }

    /// `xNames`: labels for x = 1, 2, … (stage names on a depth axis), written at an angle; long lists are thinned.
    package static func lines(
        _ series: [Series], title: String, xLabel: String, yLabel: String, logY: Bool, xNames: [String]? = nil
    ) -> String {
        let names = xNames ?? []
        let nameHeight = names.isEmpty ? 0.0 : min(110, 6.0 * Double(names.map(\.count).max() ?? 0) * 0.75 + 10)
        let (width, height, left, right, top, bottom) = (
            640.0, 360.0 + nameHeight, 70.0, 170.0, 30.0, 45.0 + nameHeight
        )
        let plotW = width - left - right, plotH = height - top - bottom
        func ty(_ y: Double) -> Double? { !y.isFinite ? nil : logY ? (y > 0 ? Double.log10(y) : nil) : y }
        let xs = series.flatMap(\.x).filter(\.isFinite)
        let ys = series.flatMap { $0.y.compactMap(ty) }
        let xMin = xs.min() ?? 0, xMax = max(xs.max() ?? 1, (xs.min() ?? 0) + 1e-12)
        var yMin = ys.min() ?? 0, yMax = ys.max() ?? 1
        if yMax - yMin < 1e-12 {
            yMin -= 0.5
            yMax += 0.5
        }
        // Lines clear of the frame
        if !logY { (yMin, yMax) = (yMin - 0.04 * (yMax - yMin), yMax + 0.04 * (yMax - yMin)) }
        func px(_ x: Double) -> Double { left + (x - xMin) / (xMax - xMin) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (y - yMin) / (yMax - yMin) * plotH }
        var svg =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" "
            + "width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(HTML.escape(title))\">"
        svg += "<text x=\"\(left)\" y=\"18\" class=\"title\">\(HTML.escape(title))</text>"
        svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotW)\" height=\"\(plotH)\" fill=\"none\" stroke=\"#333\"/>"
        // Ticks at nice numbers (decades on a log axis), as in the PNG/SVG figures; stage names instead where given.
        let every = max(1, names.count / 40)
        for (k, name) in names.enumerated() where k % every == 0 {
            let x = px(Double(k + 1))
            let label = DisplayName.short(name, maxLength: 18)
            svg += "<line x1=\"\(x)\" y1=\"\(top + plotH)\" x2=\"\(x)\" y2=\"\(top + plotH + 4)\" stroke=\"#333\"/>"
            svg +=
                "<text transform=\"translate(\(x + 3) \(top + plotH + 8)) rotate(45)\" font-size=\"9\">\(HTML.escape(label))</text>"
        }
        for fx in names.isEmpty ? NiceTicks.linear(xMin, xMax) : [] {
            svg +=
                "<line x1=\"\(px(fx))\" y1=\"\(top + plotH)\" x2=\"\(px(fx))\" y2=\"\(top + plotH + 5)\" stroke=\"#333\"/>"
            svg +=
                "<text x=\"\(px(fx))\" y=\"\(top + plotH + 18)\" text-anchor=\"middle\">\(NiceTicks.label(fx))</text>"
        }
        let yTicks =
            logY
            ? NiceTicks.logarithmic(Double.pow(10, yMin), Double.pow(10, yMax)).map { Double.log10($0) }
            : NiceTicks.linear(yMin, yMax)
        for fy in yTicks {
            svg += "<line x1=\"\(left - 5)\" y1=\"\(py(fy))\" x2=\"\(left)\" y2=\"\(py(fy))\" stroke=\"#333\"/>"
            svg +=
                "<text x=\"\(left - 8)\" y=\"\(py(fy) + 4)\" text-anchor=\"end\">\(NiceTicks.label(logY ? Double.pow(10, fy) : fy))</text>"
        }
        svg +=
            "<text x=\"\(left + plotW / 2)\" y=\"\(height - 6)\" text-anchor=\"middle\">\(HTML.escape(xLabel))</text>"
        svg +=
            "<text transform=\"translate(14 \(top + plotH / 2)) rotate(-90)\" text-anchor=\"middle\">"
            + "\(HTML.escape(yLabel + (logY ? " (log)" : "")))</text>"
        // Hover: every point carries its values in a <title> (the browser's tooltip), on an invisible marker that shows
        // under the pointer; charts with very many points keep the lines only.
        let hover = series.reduce(0) { $0 + $1.x.count } <= 6000
        for (index, s) in series.enumerated() {
            let colour = Self.colour(index, of: series.count)
            let label = HTML.escape(s.label)
            let points = zip(s.x, s.y).compactMap { x, y in ty(y).map { String(format: "%.2f,%.2f", px(x), py($0)) } }
            svg += "<g class=\"series\" data-label=\"\(label)\">"
            if !points.isEmpty {
                svg +=
                    "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.6\" points=\"\(points.joined(separator: " "))\"/>"
            }
            if hover {
                for (k, (x, y)) in zip(s.x, s.y).enumerated() {
                    guard let yy = ty(y), x.isFinite else { continue }
                    let name = k < names.count && names.count == s.x.count ? names[k] : NiceTicks.label(x)
                    svg +=
                        String(
                            format: "<circle class=\"pt\" cx=\"%.2f\" cy=\"%.2f\" r=\"4\" fill=\"%@\">", px(x), py(yy),
                            colour)
                        + "<title>\(label): \(HTML.escape(xLabel)) \(HTML.escape(name)), \(HTML.escape(yLabel)) \(format(y))</title></circle>"
                }
            }
            svg += "</g>"
            let ly = top + 12 + Double(index) * 16
            svg +=
                "<line x1=\"\(left + plotW + 12)\" y1=\"\(ly - 4)\" x2=\"\(left + plotW + 32)\" y2=\"\(ly - 4)\" stroke=\"\(colour)\" stroke-width=\"3\"/>"
            svg += "<text x=\"\(left + plotW + 36)\" y=\"\(ly)\">\(HTML.escape(s.label))</text>"
        }
        return svg + "</svg>"
    }
}

/// Escaping and small builders for the report's HTML.
package enum HTML {
    package static func escape(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(ch)
            }
        }
        return out
    }

    /// An <img> with the PNG embedded as a data URI, so the report is one self-contained file. Only regular files
    /// that are PNGs (signature checked) and at most 64 MiB are embedded.
    package static func embeddedImage(_ url: URL, alt: String) -> String? {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
            attributes[.type] as? FileAttributeType == .typeRegular,
            let size = attributes[.size] as? Int, size <= 64 << 20,
            let data = try? Data(contentsOf: url), data.starts(with: signature)
        else { return nil }
        return "<img alt=\"\(escape(alt))\" src=\"data:image/png;base64,\(data.base64EncodedString())\"/>"
    }

    package static func table(header: [String], rows: [[String]], rowClasses: [String]? = nil) -> String {
        var html = "<table><thead><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for (i, row) in rows.enumerated() {
            let cls = rowClasses.map { " class=\"\($0[i])\"" } ?? ""
            html += "<tr\(cls)>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>"
        }
        return html + "</tbody></table>"
    }

    static let style = """
        body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
        h1{font-size:1.6em}h2{margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:4px}
        table{border-collapse:collapse;margin:8px 0;font-size:.9em}th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
        th{background:#f3f3f3}tr.holds td:last-child{background:#e3f6e3}tr.fails td:last-child{background:#fbe0e0;font-weight:bold}
        .figures{display:flex;flex-wrap:wrap;gap:12px}.figures figure{margin:0}.figures img{max-width:360px;border:1px solid #eee}
        figcaption{font-size:.8em;color:#555}.chart text{font-size:11px;fill:#222}.chart .title{font-size:13px;font-weight:bold}
        .chart .pt{opacity:0}.chart .pt:hover{opacity:1}.chart g.dim{opacity:.12}tr.picked td{background:#fff6cc}
        .picker{margin:8px 0;font-size:.95em}.picker select,.picker input{margin-left:6px}
        code,pre{background:#f6f6f6;padding:2px 4px}.meta{color:#555;font-size:.9em}
        """

    package static func page(title: String, body: String) -> String {
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>\(escape(title))</title>"
            + "<style>\(style)</style></head><body>\(body)</body></html>\n"
    }
}
