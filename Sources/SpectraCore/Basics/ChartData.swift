import Foundation

/// The series of one curve chart, with its labels (drawn as PNG by `SpectrumFigure.curves`, as SVG by `SVGChart`).
public struct ChartData: Codable, Sendable {
    /// One labelled curve: y over x, with an optional band (lower, upper) on the same x.
    public struct Series: Codable, Sendable {
        public var label: String
        public var x: [Double]
        /// Non-finite values (no measurement at that point) are written as JSON null.
        public var y: [Double]
        /// A band around the curve (e.g. the 10th and 90th percentiles across images), drawn translucent.
        public var lower: [Double]?, upper: [Double]?

        init(label: String, x: [Double], y: [Double], lower: [Double]? = nil, upper: [Double]? = nil) {
            self.label = label
            self.x = x
            self.y = y
            self.lower = lower
            self.upper = upper
        }

        enum CodingKeys: String, CodingKey { case label, x, y, lower, upper }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            label = try container.decode(String.self, forKey: .label)
            x = try container.decode([Double].self, forKey: .x)
            y = try container.decode([Double?].self, forKey: .y).map { $0 ?? .nan }
            lower = try container.decodeIfPresent([Double?].self, forKey: .lower)?.map { $0 ?? .nan }
            upper = try container.decodeIfPresent([Double?].self, forKey: .upper)?.map { $0 ?? .nan }
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(label, forKey: .label)
            try container.encode(x, forKey: .x)
            try container.encode(y.map { $0.isFinite ? $0 : nil }, forKey: .y)
            try container.encodeIfPresent(lower?.map { $0.isFinite ? $0 : nil }, forKey: .lower)
            try container.encodeIfPresent(upper?.map { $0.isFinite ? $0 : nil }, forKey: .upper)
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var logY: Bool
    public var series: [Series]
    /// The PNG copy of the chart in the run folder, when one was written.
    public var figure: String?

    public init(
        title: String, xLabel: String, yLabel: String, logY: Bool, series: [(label: String, x: [Double], y: [Double])]
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.logY = logY
        self.series = series.map { Series(label: $0.label, x: $0.x, y: $0.y) }
    }

    /// Adds a band (lower and upper curves on the same x) to series `index`.
    public func withBand(series index: Int, lower: [Double], upper: [Double]) -> ChartData {
        var copy = self
        copy.series[index].lower = lower
        copy.series[index].upper = upper
        return copy
    }

    /// The chart's data as CSV: one row per point, "series,x,y" (labels quoted; empty y where there is no value), and
    /// "lower,upper" columns when a series has a band.
    public var csv: String {
        func quoted(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        func number(_ v: Double?) -> String { v.map { $0.isFinite ? "\($0)" : "" } ?? "" }
        let banded = series.contains { $0.lower != nil }
        var lines = ["series,\(quoted(xLabel)),\(quoted(yLabel))" + (banded ? ",lower,upper" : "")]
        for s in series {
            for (i, (x, y)) in zip(s.x, s.y).enumerated() {
                let band = banded ? ",\(number(s.lower?[i])),\(number(s.upper?[i]))" : ""
                lines.append("\(quoted(s.label)),\(x),\(number(y))" + band)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
