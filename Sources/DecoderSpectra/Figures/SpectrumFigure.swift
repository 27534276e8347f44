import Foundation
import RealModule

/// Paper-style spectrum figures (docs/theory.md §7): the channel-averaged magnitude map, centred (low frequencies in the
/// middle), on a log10 colour scale with a colour bar and a title. For display only, the DC value is replaced by the
/// second-largest magnitude of the map, as the paper does; no computed metric ever uses this clamp.
public enum SpectrumFigure {
    /// The display form of a map: DC clamped to the second-largest value (display only, §7), log10.
    static func displayLogs(_ magnitudes: [Double]) -> [Double] {
        var display = magnitudes
        if display.count > 1 {
            let second = display.dropFirst().max() ?? display[0]
            display[0] = min(display[0], second)
        }
        return display.map { Double.log10(max($0, 1e-30)) }
    }

    /// A colour range (log10 units) shared by several maps, so that figures of one comparison use one scale:
    /// the largest displayed value down to the 1st percentile, at most 8 decades (exact zeros would otherwise
    /// stretch the scale to nothing).
    public static func sharedLogRange(_ maps: [[Double]]) -> (low: Double, high: Double) {
        let logs = maps.flatMap(displayLogs).sorted()
        guard let high = logs.last else { return (0, 1) }
        return (max(logs[logs.count / 100], high - 8), high)
    }

    /// Renders an un-shifted magnitude map (rows × columns) as a heatmap figure, on `logRange` when given.
    public static func heatmap(
        magnitudes: [Double], rows: Int, columns: Int, title: String, colormap: Colormap = .viridis,
        logRange: (low: Double, high: Double)? = nil
    ) -> Canvas {
        let logs = SpectrumStatistics.centred(displayLogs(magnitudes), rows: rows, columns: columns)
        let (low, high) = logRange ?? sharedLogRange([magnitudes])
        return drawMap(logs, rows: rows, columns: columns, title: title, colormap: colormap, low: low, high: high,
                       tick: { formatTick(Double.pow(10, $0)) }, footer: "LOW FREQ. AT CENTRE", barLabel: "|H| LOG")
    }

    /// A spatial map (e.g. a per-pixel error, Fig. 1(c.1)) on a linear colour scale, not centred, no DC clamp.
    public static func spatialHeatmap(_ values: [Double], rows: Int, columns: Int, title: String, colormap: Colormap = .magma) -> Canvas {
        let finite = values.filter(\.isFinite)
        let (low, high) = (finite.min() ?? 0, finite.max() ?? 1)
        return drawMap(values, rows: rows, columns: columns, title: title, colormap: colormap, low: low, high: high,
                       tick: formatTick, footer: "", barLabel: "LINEAR")
    }

    /// The largest map side drawn cell by cell; larger maps are shown block-averaged (display only).
    static let maximumDisplaySide = 512

    /// `values` (rows × columns) averaged over blocks so that neither side exceeds `maximumDisplaySide`.
    static func displayGrid(_ values: [Double], rows: Int, columns: Int) -> (values: [Double], rows: Int, columns: Int) {
        let blockR = (rows + maximumDisplaySide - 1) / maximumDisplaySide, blockC = (columns + maximumDisplaySide - 1) / maximumDisplaySide
        guard blockR > 1 || blockC > 1 else { return (values, rows, columns) }
        let (outR, outC) = ((rows + blockR - 1) / blockR, (columns + blockC - 1) / blockC)
        var sums = [Double](repeating: 0, count: outR * outC), counts = [Int](repeating: 0, count: outR * outC)
        for u in 0..<rows {
            for v in 0..<columns where values[u * columns + v].isFinite {
                sums[(u / blockR) * outC + v / blockC] += values[u * columns + v]
                counts[(u / blockR) * outC + v / blockC] += 1
            }
        }
        return (zip(sums, counts).map { $1 > 0 ? $0 / Double($1) : .nan }, outR, outC)
    }

    private static func drawMap(
        _ fullValues: [Double], rows fullRows: Int, columns fullColumns: Int, title: String, colormap: Colormap, low: Double, high: Double,
        tick: (Double) -> String, footer: String, barLabel: String
    ) -> Canvas {
        let (values, rows, columns) = displayGrid(fullValues, rows: fullRows, columns: fullColumns)
        let range = high > low ? high - low : 1
        let cell = max(1, 256 / max(rows, columns))
        let mapW = columns * cell, mapH = rows * cell
        let margin = 12, titleH = 24, barW = 16, labelW = 70
        // At least wide enough for a readable title; the map is drawn at the left.
        var canvas = Canvas(width: max(margin + mapW + 12 + barW + 6 + labelW, 200), height: titleH + mapH + margin + 14)
        canvas.text(title, x: margin, y: 8)
        for u in 0..<rows {
            for v in 0..<columns {
                let c = colormap.colour(at: (min(max(values[u * columns + v], low), high) - low) / range)
                canvas.fill(x: margin + v * cell, y: titleH + u * cell, width: cell, height: cell, colour: c)
            }
        }
        canvas.rectangle(x: margin - 1, y: titleH - 1, width: mapW + 2, height: mapH + 2, colour: Canvas.grey)
        canvas.text(footer, x: margin, y: titleH + mapH + 4, colour: Canvas.grey)
        // Colour bar with its top, middle and bottom values.
        let barX = margin + mapW + 12
        for y in 0..<mapH {
            canvas.fill(x: barX, y: titleH + y, width: barW, height: 1, colour: colormap.colour(at: 1 - Double(y) / Double(max(1, mapH - 1))))
        }
        canvas.rectangle(x: barX - 1, y: titleH - 1, width: barW + 2, height: mapH + 2, colour: Canvas.grey)
        for (fraction, value) in [(0.0, high), (0.5, (low + high) / 2), (1.0, low)] {
            let y = titleH + Int(fraction * Double(mapH - 1))
            canvas.line(barX + barW, y, barX + barW + 3, y, Canvas.black)
            canvas.text(tick(value), x: barX + barW + 6, y: max(0, y - 3))
        }
        canvas.text(barLabel, x: barX - 8, y: titleH + mapH + 4, colour: Canvas.grey)
        return canvas
    }

    /// Renders curves y(x) with axes, tick labels, axis labels and a legend; `logY` puts y on a log10 axis
    /// (radial spectra, SOM across depth), otherwise linear (similarities, p_low).
    public static func curves(
        _ curves: [(label: String, x: [Double], y: [Double])], title: String, xLabel: String, yLabel: String, logY: Bool = true
    ) -> Canvas {
        let (plotW, plotH, left, top) = (420, 260, 78, 28)
        var canvas = Canvas(width: left + plotW + 20, height: top + plotH + 40 + 12 * curves.count)
        canvas.text(title, x: 10, y: 8)
        func transform(_ y: Double) -> Double { logY ? Double.log10(max(y, 1e-300)) : y }
        func label(_ t: Double) -> String { formatTick(logY ? Double.pow(10, t) : t) }
        // Non-finite values (a stage without a measurement) and, on a log axis, non-positive ones are not drawn.
        func drawable(_ y: Double) -> Bool { y.isFinite && (!logY || y > 0) }
        let xs = curves.flatMap(\.x).filter(\.isFinite), ys = curves.flatMap(\.y).filter(drawable).map(transform)
        let xMin = xs.min() ?? 0, xMax = max(xs.max() ?? 1, (xs.min() ?? 0) + 1e-12)
        let yMin = ys.min() ?? 0, yMax = max(ys.max() ?? 1, (ys.min() ?? 0) + 1e-12)
        func px(_ x: Double) -> Int { left + Int((x - xMin) / (xMax - xMin) * Double(plotW - 1)) }
        func py(_ y: Double) -> Int { top + plotH - 1 - Int((transform(y) - yMin) / (yMax - yMin) * Double(plotH - 1)) }
        canvas.rectangle(x: left, y: top, width: plotW, height: plotH, colour: Canvas.black)
        for i in 0...4 {
            let fx = xMin + (xMax - xMin) * Double(i) / 4, fy = yMin + (yMax - yMin) * Double(i) / 4
            let x = px(fx), y = top + plotH - 1 - Int(Double(i) / 4 * Double(plotH - 1))
            canvas.line(x, top + plotH, x, top + plotH + 3, Canvas.black)
            canvas.text(formatTick(fx), x: x - 10, y: top + plotH + 6)
            canvas.line(left - 3, y, left, y, Canvas.black)
            canvas.text(label(fy), x: 4, y: y - 3)
        }
        canvas.text(xLabel, x: left + plotW / 2 - Canvas.textWidth(xLabel) / 2, y: top + plotH + 18)
        canvas.text(yLabel, x: 4, y: top - 12)
        for (index, curve) in curves.enumerated() {
            let colour = Colormap.viridis.colour(at: curves.count > 1 ? Double(index) / Double(curves.count - 1) * 0.85 : 0.3)
            let points = zip(curve.x, curve.y).filter { $0.0.isFinite && drawable($0.1) }
            for (a, b) in zip(points, points.dropFirst()) { canvas.line(px(a.0), py(a.1), px(b.0), py(b.1), colour) }
            let legendY = top + plotH + 30 + 12 * index
            canvas.fill(x: left, y: legendY + 2, width: 14, height: 3, colour: colour)
            canvas.text(curve.label, x: left + 20, y: legendY)
        }
        return canvas
    }

    /// A bar chart of labelled values (linear axis from 0), e.g. p_low per network.
    public static func bars(_ values: [(label: String, value: Double)], title: String, yLabel: String) -> Canvas {
        let (plotH, left, top, barW, gap) = (240, 78, 28, 44, 18)
        let plotW = max(200, values.count * (barW + gap) + gap)
        var canvas = Canvas(width: left + plotW + 20, height: top + plotH + 60)
        canvas.text(title, x: 10, y: 8)
        let values = values.map { ($0.label, $0.value.isFinite ? $0.value : 0) }
        let high = max(values.map(\.1).max() ?? 1, 1e-300) * 1.1
        canvas.rectangle(x: left, y: top, width: plotW, height: plotH, colour: Canvas.black)
        for i in 0...4 {
            let y = top + plotH - 1 - Int(Double(i) / 4 * Double(plotH - 1))
            canvas.line(left - 3, y, left, y, Canvas.black)
            canvas.text(formatTick(high * Double(i) / 4), x: 4, y: y - 3)
        }
        canvas.text(yLabel, x: 4, y: top - 12)
        for (index, bar) in values.enumerated() {
            let x = left + gap + index * (barW + gap)
            let h = Int(max(0, bar.1) / high * Double(plotH - 1))
            let colour = Colormap.viridis.colour(at: values.count > 1 ? Double(index) / Double(values.count - 1) * 0.85 : 0.3)
            canvas.fill(x: x, y: top + plotH - 1 - h, width: barW, height: h, colour: colour)
            canvas.text(formatTick(bar.1), x: x, y: top + plotH - 12 - h)
            canvas.text(bar.0, x: x, y: top + plotH + 6 + 10 * (index % 2))
        }
        return canvas
    }
}
