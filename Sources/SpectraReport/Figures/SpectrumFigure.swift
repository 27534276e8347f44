import Foundation
import RealModule
import SpectraCore

/// Paper-style figures (docs/theory.md §7) drawn with Cairo: spectrum maps centred (low frequencies in the middle) on
/// frequency axes in cycles/pixel with a colour bar in dB, spatial maps, curves and bars. For display only, the DC
/// value of a spectrum map is replaced by the second-largest magnitude of the map, as the paper does; no computed
/// metric ever uses this clamp.
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

    /// A colour range (log10 of magnitude) shared by several maps, so that figures of one comparison use one scale:
    /// the largest displayed value down to the 1st percentile, at most 8 decades (160 dB; exact zeros, as nearest
    /// upsampling puts on its grid, would otherwise stretch the scale to nothing).
    public static func sharedLogRange(_ maps: [[Double]]) -> (low: Double, high: Double) {
        let logs = maps.flatMap(displayLogs).sorted()
        guard let high = logs.last else { return (0, 1) }
        return (max(logs[logs.count / 100], high - 8), high)
    }

    /// The largest map side drawn cell by cell; larger maps are shown block-averaged (display only).
    static let maximumDisplaySide = 512

    /// The block sizes and the displayed size of a rows × columns map.
    static func displaySize(rows: Int, columns: Int) -> (rows: Int, columns: Int, blockRows: Int, blockColumns: Int) {
        let blockR = (rows + maximumDisplaySide - 1) / maximumDisplaySide,
            blockC = (columns + maximumDisplaySide - 1) / maximumDisplaySide
        return ((rows + blockR - 1) / max(blockR, 1), (columns + blockC - 1) / max(blockC, 1), blockR, blockC)
    }

    /// `values` (rows × columns) averaged over blocks so that neither side exceeds `maximumDisplaySide`.
    static func displayGrid(_ values: [Double], rows: Int, columns: Int) -> (values: [Double], rows: Int, columns: Int)
    {
        let (outR, outC, blockR, blockC) = displaySize(rows: rows, columns: columns)
        guard blockR > 1 || blockC > 1 else { return (values, rows, columns) }
        var sums = [Double](repeating: 0, count: outR * outC), counts = [Int](repeating: 0, count: outR * outC)
        for u in 0..<rows {
            for v in 0..<columns where values[u * columns + v].isFinite {
                sums[(u / blockR) * outC + v / blockC] += values[u * columns + v]
                counts[(u / blockR) * outC + v / blockC] += 1
            }
        }
        return (zip(sums, counts).map { $1 > 0 ? $0 / Double($1) : .nan }, outR, outC)
    }

    /// An un-shifted magnitude map (rows × columns) as a centred spectrum map: axes in cycles/pixel, colour in dB of
    /// power relative to `logRange.high` (20 log10 |H|/max), clipped at `logRange.low`. `repeatGrid`: the map size
    /// before upsampling, whose multiples (Theorem 4.4) are marked with circles.
    package static func heatmap(
        magnitudes: [Double], rows: Int, columns: Int, title: String, colormap: Colormap = .viridis,
        logRange: (low: Double, high: Double)? = nil, repeatGrid: (rows: Int, columns: Int)? = nil
    ) -> Figure {
        let (low, high) = logRange ?? sharedLogRange([magnitudes])
        let figure = frequencyMap(
            displayLogs(magnitudes).map { 20 * ($0 - high) }, rows: rows, columns: columns, title: title,
            colormap: colormap, colourRange: (20 * (low - high), 0), barLabel: "power (dB re max)")
        if let grid = repeatGrid, grid.rows > 0, grid.columns > 0, grid.rows < rows || grid.columns < columns {
            let axes = figure.axes
            for u in stride(from: 0, to: rows, by: grid.rows) {
                for v in stride(from: 0, to: columns, by: grid.columns) where u != 0 || v != 0 {
                    let fu = Double(SpectrumStatistics.signedFrequency(u, size: rows)) / Double(rows)
                    let fv = Double(SpectrumStatistics.signedFrequency(v, size: columns)) / Double(columns)
                    figure.figure.circle(
                        x: axes.px(fv), y: axes.py(fu), radius: 4, colour: Figure.white, lineWidth: 0.9)
                }
            }
        }
        return figure.figure
    }

    /// A signed map of dB differences (un-shifted, rows × columns), centred on cycles/pixel axes, on a diverging scale
    /// symmetric about 0 (±`limit` dB; default: the largest |difference|).
    public static func differenceMap(
        decibels: [Double], rows: Int, columns: Int, title: String, limit: Double? = nil
    ) -> Figure {
        let largest = limit ?? max(decibels.filter(\.isFinite).map(abs).max() ?? 1, 1e-6)
        return frequencyMap(
            decibels, rows: rows, columns: columns, title: title, colormap: .balance, colourRange: (-largest, largest),
            barLabel: "B − A (dB)"
        ).figure
    }

    /// An un-shifted frequency-domain map drawn centred on cycles/pixel axes, rows bottom-up so that the vertical
    /// frequency grows upward as the horizontal one grows rightward.
    private static func frequencyMap(
        _ values: [Double], rows: Int, columns: Int, title: String, colormap: Colormap,
        colourRange: (low: Double, high: Double),
        barLabel: String
    ) -> (figure: Figure, axes: Axes) {
        let centred = SpectrumStatistics.centred(values, rows: rows, columns: columns)
        let flipped = (0..<rows).reversed().flatMap { r in centred[(r * columns)..<((r + 1) * columns)] }
        return drawMap(
            flipped, rows: rows, columns: columns, title: title, colormap: colormap, colourRange: colourRange,
            xRange: frequencyRange(columns), yRange: frequencyRange(rows),
            xLabel: "horizontal frequency (cycles/pixel)",
            yLabel: "vertical frequency (cycles/pixel)", barLabel: barLabel)
    }

    /// A spatial map (e.g. a per-pixel error, Fig. 1(c.1)) on a linear colour scale, image orientation, no DC clamp.
    package static func spatialHeatmap(
        _ values: [Double], rows: Int, columns: Int, title: String, colormap: Colormap = .magma
    ) -> Figure {
        let finite = values.filter(\.isFinite)
        let (low, high) = (finite.min() ?? 0, finite.max() ?? 1)
        return drawMap(
            values, rows: rows, columns: columns, title: title, colormap: colormap, colourRange: (low, high),
            xRange: (0, Double(columns)), yRange: (Double(rows), 0), xLabel: "column (pixels)", yLabel: "row (pixels)",
            barLabel: "value"
        ).figure
    }

    /// Where a spectrum map of rows × columns is drawn in its figure (the axes of `heatmap`).
    package static func mapAxes(rows: Int, columns: Int) -> Axes {
        let shown = displaySize(rows: rows, columns: columns)
        let frame = mapFrame(rows: shown.rows, columns: shown.columns)
        return Axes(
            x: frame.x, y: frame.y, width: frame.width, height: frame.height, xRange: frequencyRange(columns),
            yRange: frequencyRange(rows))
    }

    /// Cell edges in signed cycles/pixel: centred index j stands for (j − ⌊N/2⌋)/N.
    static func frequencyRange(_ n: Int) -> (Double, Double) {
        ((-Double(n / 2) - 0.5) / Double(n), (Double(n - 1 - n / 2) + 0.5) / Double(n))
    }

    /// The map rectangle for a displayed grid of rows × columns: 220 pt on the long side.
    static func mapFrame(rows: Int, columns: Int) -> (x: Double, y: Double, width: Double, height: Double) {
        let side = 220.0
        let aspect = Double(rows) / Double(max(columns, 1))
        let (w, h) = aspect >= 1 ? (max(side / aspect, 24), side) : (side, max(side * aspect, 24))
        return (58, 30, w, h)
    }

    private static func drawMap(
        _ fullValues: [Double], rows fullRows: Int, columns fullColumns: Int, title: String, colormap: Colormap,
        colourRange: (low: Double, high: Double), xRange: (Double, Double), yRange: (Double, Double), xLabel: String,
        yLabel: String,
        barLabel: String
    ) -> (figure: Figure, axes: Axes) {
        let (values, rows, columns) = displayGrid(fullValues, rows: fullRows, columns: fullColumns)
        let frame = mapFrame(rows: rows, columns: columns)
        let (mapW, mapH, left, top, barW) = (frame.width, frame.height, frame.x, frame.y, 10.0)
        let figure = Figure(width: left + mapW + 22 + barW + 74, height: top + mapH + 40)
        figure.text(
            figure.fitting(title, width: figure.width - 16, size: 10, bold: true), x: 8, y: 16, size: 10, bold: true)
        let span = colourRange.high > colourRange.low ? colourRange.high - colourRange.low : 1
        let colours = values.map {
            colormap.colour(
                at: (min(max($0.isFinite ? $0 : colourRange.low, colourRange.low), colourRange.high)
                    - colourRange.low) / span)
        }
        figure.raster(colours.map(Self.unit), rows: rows, columns: columns, x: left, y: top, width: mapW, height: mapH)
        let axes = Axes(x: left, y: top, width: mapW, height: mapH, xRange: xRange, yRange: yRange)
        let xTicks = xRange.1 <= 1 ? [-0.5, -0.25, 0, 0.25, 0.5] : nil
        axes.draw(on: figure, xLabel: xLabel, yLabel: yLabel, xTicks: xTicks, yTicks: xTicks, grid: false)
        // Colour bar with nice ticks.
        let barX = left + mapW + 16
        let gradient = (0..<128).map { Self.unit(colormap.colour(at: 1 - Double($0) / 127)) }
        figure.raster(gradient, rows: 128, columns: 1, x: barX, y: top, width: barW, height: mapH)
        figure.strokeRectangle(x: barX, y: top, width: barW, height: mapH, colour: Figure.black, lineWidth: 0.6)
        for t in NiceTicks.linear(colourRange.low, colourRange.high, count: 5) {
            let y = top + mapH - (t - colourRange.low) / span * mapH
            figure.line([(barX + barW, y), (barX + barW + 3, y)], colour: Figure.black, lineWidth: 0.6)
            figure.text(NiceTicks.label(t), x: barX + barW + 5, y: y + 3, size: 8)
        }
        figure.text(barLabel, x: barX + barW + 52, y: top + mapH / 2, size: 8, anchor: .middle, angle: .pi / 2)
        return (figure, axes)
    }

    static func unit(_ c: (UInt8, UInt8, UInt8)) -> Figure.Colour {
        (Double(c.0) / 255, Double(c.1) / 255, Double(c.2) / 255)
    }

    /// The colour of series `index` of `count`: a qualitative palette (matplotlib's tab10) up to 10 series, the
    /// viridis ramp by order beyond (depth views of many layers).
    public static func seriesColour(_ index: Int, of count: Int) -> Figure.Colour {
        let tab10: [Figure.Colour] = [
            (0.122, 0.467, 0.706), (1.0, 0.498, 0.055), (0.173, 0.627, 0.173), (0.839, 0.153, 0.157),
            (0.580, 0.404, 0.741), (0.549, 0.337, 0.294), (0.890, 0.467, 0.761), (0.498, 0.498, 0.498),
            (0.737, 0.741, 0.133), (0.090, 0.745, 0.812),
        ]
        if count <= tab10.count { return tab10[index % tab10.count] }
        return unit(Colormap.viridis.colour(at: Double(index) / Double(max(1, count - 1)) * 0.9))
    }

    /// Curves y(x) with axes, nice ticks, axis labels and a legend; `logY` puts y on a log10 axis (radial spectra,
    /// SOM across depth). Beyond 10 series the colour runs along viridis and the legend names the first and last.
    public static func curves(
        _ curves: [(label: String, x: [Double], y: [Double])], title: String, xLabel: String, yLabel: String,
        logY: Bool = true,
        bands: [Int: (lower: [Double], upper: [Double])] = [:]
    ) -> Figure {
        // Non-finite values (a stage without a measurement) and, on a log axis, non-positive ones are not drawn.
        func drawable(_ y: Double) -> Bool { y.isFinite && (!logY || y > 0) }
        let xs = curves.flatMap(\.x).filter(\.isFinite)
        let ys = (curves.flatMap(\.y) + bands.values.flatMap { $0.lower + $0.upper }).filter(drawable)
        let many = curves.count > 10
        let legend = many ? [curves.first, curves.last].compactMap { $0 }.map(\.label) : curves.map(\.label)
        let legendWidth = min(200, max(many ? 90 : 0, (legend.map { Double($0.count) * 5.2 }.max() ?? 0) + 28))
        let (left, top, plotW, plotH) = (62.0, 30.0, 360.0, 230.0)
        let figure = Figure(width: left + plotW + 14 + legendWidth, height: top + plotH + 42)
        figure.text(
            figure.fitting(title, width: figure.width - 16, size: 10, bold: true), x: 8, y: 16, size: 10, bold: true)
        var yLow = ys.min() ?? 0, yHigh = ys.max() ?? 1
        if !logY {
            let pad = (yHigh - yLow) * 0.05
            (yLow, yHigh) = (yLow - pad, yHigh + pad)
        } else if yHigh <= yLow {
            (yLow, yHigh) = (yLow / 10, yHigh * 10)
        }
        let axes = Axes(
            x: left, y: top, width: plotW, height: plotH, xRange: (xs.min() ?? 0, xs.max() ?? 1), yRange: (yLow, yHigh),
            logY: logY)
        axes.draw(on: figure, xLabel: xLabel, yLabel: yLabel)
        for (index, band) in bands.sorted(by: { $0.key < $1.key }) where index < curves.count {
            let x = curves[index].x
            let keep = x.indices.filter { x[$0].isFinite && drawable(band.lower[$0]) && drawable(band.upper[$0]) }
            let outline =
                keep.map { (axes.px(x[$0]), axes.py(band.upper[$0])) }
                + keep.reversed().map { (axes.px(x[$0]), axes.py(band.lower[$0])) }
            figure.polygon(outline, colour: seriesColour(index, of: curves.count), opacity: 0.18)
        }
        for (index, curve) in curves.enumerated() {
            let points = zip(curve.x, curve.y).filter { $0.0.isFinite && drawable($0.1) }.map {
                (axes.px($0.0), axes.py($0.1))
            }
            figure.line(points, colour: seriesColour(index, of: curves.count), lineWidth: many ? 0.9 : 1.4)
        }
        // Legend to the right of the plot.
        let entries: [(String, Figure.Colour)] =
            many
            ? [
                (legend[0], seriesColour(0, of: curves.count)),
                (legend[1], seriesColour(curves.count - 1, of: curves.count)),
            ]
            : curves.indices.map { (curves[$0].label, seriesColour($0, of: curves.count)) }
        for (k, entry) in entries.enumerated() {
            let y = top + 8 + Double(k) * 13
            figure.line([(left + plotW + 10, y - 3), (left + plotW + 24, y - 3)], colour: entry.1, lineWidth: 2)
            figure.text(figure.fitting(entry.0, width: legendWidth - 30, size: 8), x: left + plotW + 28, y: y, size: 8)
        }
        if many {
            figure.text(
                "(\(curves.count) series;", x: left + plotW + 10, y: top + 8 + 2 * 13, size: 7, colour: Figure.grey)
            figure.text("colour by order)", x: left + plotW + 10, y: top + 8 + 3 * 13, size: 7, colour: Figure.grey)
        }
        return figure
    }

    /// A bar chart of labelled values (linear axis from 0), e.g. p_low per network.
    public static func bars(_ values: [(label: String, value: Double)], title: String, yLabel: String) -> Figure {
        let values = values.map { ($0.label, $0.value.isFinite ? $0.value : 0) }
        let (left, top, plotH, barW, gap) = (62.0, 30.0, 220.0, 40.0, 18.0)
        let plotW = max(200, Double(values.count) * (barW + gap) + gap)
        let figure = Figure(width: left + plotW + 16, height: top + plotH + 46)
        figure.text(
            figure.fitting(title, width: figure.width - 16, size: 10, bold: true), x: 8, y: 16, size: 10, bold: true)
        let high = max(values.map(\.1).max() ?? 1, 1e-300) * 1.1
        let axes = Axes(x: left, y: top, width: plotW, height: plotH, xRange: (0, plotW), yRange: (0, high))
        axes.draw(on: figure, xLabel: "", yLabel: yLabel, xTicks: [])
        for (index, bar) in values.enumerated() {
            let x = left + gap + Double(index) * (barW + gap)
            let y = axes.py(max(0, bar.1))
            figure.fill(x: x, y: y, width: barW, height: top + plotH - y, colour: seriesColour(index, of: values.count))
            figure.text(NiceTicks.label(bar.1), x: x + barW / 2, y: y - 3, size: 7, anchor: .middle)
            figure.text(
                figure.fitting(bar.0, width: barW + gap - 2, size: 8), x: x + barW / 2, y: top + plotH + 12, size: 8,
                anchor: .middle)
        }
        return figure
    }
}
