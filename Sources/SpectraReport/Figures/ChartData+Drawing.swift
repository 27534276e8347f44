import Foundation
import SpectraCore
import SpectraIO

/// Drawing a chart's data: PNG/SVG/PDF through Cairo, inline SVG for reports, CSV beside every figure.
extension ChartData {
    /// Writes `<base>.png`, `<base>.svg` and the data as `<base>.csv`.
    public func write(base: URL) throws {
        try drawing.write(base: base)
        try AtomicFile.write(Data(csv.utf8), to: base.appendingPathExtension("csv"))
    }

    /// The chart as a figure (PNG, SVG, PDF).
    public var drawing: Figure {
        let bands = Dictionary(
            uniqueKeysWithValues: series.indices.compactMap { i -> (Int, (lower: [Double], upper: [Double]))? in
                guard let lower = series[i].lower, let upper = series[i].upper else { return nil }
                return (i, (lower, upper))
            })
        return SpectrumFigure.curves(
            series.map { ($0.label, $0.x, $0.y) }, title: title, xLabel: xLabel, yLabel: yLabel,
            logY: logY, bands: bands)
    }

    /// The chart as inline SVG.
    public var svg: String {
        SVGChart.lines(
            series.map { SVGChart.Series(label: $0.label, x: $0.x, y: $0.y) }, title: title, xLabel: xLabel,
            yLabel: yLabel, logY: logY)
    }
}
