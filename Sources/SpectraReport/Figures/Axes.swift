import RealModule
import SpectraCore

/// Tick positions at "nice numbers" (1, 2, 2.5, 5 × 10^k; Heckbert, Graphics Gems 1990) for linear axes and at
/// decades for log axes.
package enum NiceTicks {
    /// About `count` ticks covering [low, high] at a step of 1, 2, 2.5 or 5 × 10^k.
    package static func linear(_ low: Double, _ high: Double, count: Int = 5) -> [Double] {
        guard low.isFinite, high.isFinite, high > low else { return low.isFinite ? [low] : [] }
        let raw = (high - low) / Double(max(1, count - 1))
        let exponent = Double.log10(raw).rounded(.down)
        let magnitude = Double.pow(10, exponent)
        let mantissa = [1.0, 2, 2.5, 5, 10].first { $0 * magnitude >= raw } ?? 10
        let step = mantissa * magnitude
        // k · mantissa · 10^e computed as (k · mantissa) / 10^−e for e < 0, so that 0.6 prints as 0.6.
        func tick(_ k: Int) -> Double {
            exponent < 0 ? Double(k) * mantissa / Double.pow(10, -exponent) : Double(k) * step
        }
        let (first, last) = (Int((low / step - 1e-9).rounded(.up)), Int((high / step + 1e-9).rounded(.down)))
        guard first <= last else { return [] }
        return (first...last).map(tick)
    }

    /// Powers of ten within [low, high] (both > 0), thinned to at most `count`.
    package static func logarithmic(_ low: Double, _ high: Double, count: Int = 6) -> [Double] {
        guard low > 0, high > low else { return [] }
        let (a, b) = (Int(Double.log10(low).rounded(.up)), Int(Double.log10(high).rounded(.down)))
        guard a <= b else { return [] }
        let every = max(1, (b - a + count) / count)
        return stride(from: a, through: b, by: every).map { Double.pow(10, Double($0)) }
    }

    /// A tick label: 3 significant digits, exponent form outside [1e-3, 1e4).
    package static func label(_ value: Double) -> String {
        if value == 0 { return "0" }
        let a = abs(value)
        if a >= 1e-3 && a < 1e4 {
            let s = String(format: "%.3g", value)
            return s.contains("e") ? String(format: a >= 1 ? "%.0f" : "%.4f", value) : s
        }
        let exponent = Int(Double.log10(a).rounded(.down))
        let mantissa = value / Double.pow(10, Double(exponent))
        return abs(mantissa - 1) < 1e-9 ? "1e\(exponent)" : String(format: "%.2ge%d", mantissa, exponent)
    }
}

/// A rectangular plot area with its x and y ranges (linear or log10), frame, ticks, grid lines and labels.
package struct Axes {
    package var x: Double, y: Double, width: Double, height: Double
    package var xRange: (low: Double, high: Double)
    package var yRange: (low: Double, high: Double)
    package var logY = false

    /// Ranges may run either way (a reversed y range puts row 0 of an image at the top); an empty range widens to 1.
    package init(
        x: Double, y: Double, width: Double, height: Double, xRange: (Double, Double), yRange: (Double, Double),
        logY: Bool = false
    ) {
        (self.x, self.y, self.width, self.height) = (x, y, width, height)
        self.xRange = (xRange.0, xRange.1 != xRange.0 ? xRange.1 : xRange.0 + 1)
        self.logY = logY
        let (a, b) = logY ? (Double.log10(max(yRange.0, 1e-300)), Double.log10(max(yRange.1, 1e-300))) : yRange
        self.yRange = (a, b != a ? b : a + 1)
    }

    package func px(_ value: Double) -> Double { x + (value - xRange.low) / (xRange.high - xRange.low) * width }

    package func py(_ value: Double) -> Double {
        let v = logY ? Double.log10(max(value, 1e-300)) : value
        return y + height - (v - yRange.low) / (yRange.high - yRange.low) * height
    }

    package func contains(_ px: Double, _ py: Double) -> Bool {
        px >= x - 0.5 && px <= x + width + 0.5 && py >= y - 0.5 && py <= y + height + 0.5
    }

    /// Frame, light grid lines at the ticks, tick labels and the axis labels.
    package func draw(
        on figure: Figure, xLabel: String, yLabel: String, xTicks: [Double]? = nil, yTicks: [Double]? = nil,
        grid: Bool = true
    ) {
        let (xLow, xHigh) = (min(xRange.low, xRange.high), max(xRange.low, xRange.high))
        let (yLow, yHigh) = (min(yRange.low, yRange.high), max(yRange.low, yRange.high))
        let xs = xTicks ?? NiceTicks.linear(xLow, xHigh)
        let ys =
            yTicks
            ?? (logY
                ? NiceTicks.logarithmic(Double.pow(10, yLow), Double.pow(10, yHigh)) : NiceTicks.linear(yLow, yHigh))
        for t in xs where t >= xLow - 1e-12 && t <= xHigh + 1e-12 {
            if grid { figure.line([(px(t), y), (px(t), y + height)], colour: Figure.lightGrey, lineWidth: 0.5) }
            figure.line([(px(t), y + height), (px(t), y + height + 3)], colour: Figure.black, lineWidth: 0.8)
            figure.text(NiceTicks.label(t), x: px(t), y: y + height + 12, size: 8, anchor: .middle)
        }
        for t in ys {
            let yy = py(t)
            guard yy >= y - 0.5 && yy <= y + height + 0.5 else { continue }
            if grid { figure.line([(x, yy), (x + width, yy)], colour: Figure.lightGrey, lineWidth: 0.5) }
            figure.line([(x - 3, yy), (x, yy)], colour: Figure.black, lineWidth: 0.8)
            figure.text(NiceTicks.label(t), x: x - 5, y: yy + 3, size: 8, anchor: .end)
        }
        figure.strokeRectangle(x: x, y: y, width: width, height: height, colour: Figure.black)
        figure.text(xLabel, x: x + width / 2, y: y + height + 25, size: 9, anchor: .middle)
        figure.text(yLabel, x: x - 42, y: y + height / 2, size: 9, anchor: .middle, angle: -.pi / 2)
    }
}
