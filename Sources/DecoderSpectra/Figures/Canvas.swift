import Foundation

/// An 8-bit RGB raster with the few drawing operations figures need: rectangles, lines, text, and PNG output.
public struct Canvas {
    public let width: Int, height: Int
    public private(set) var pixels: [UInt8]

    public typealias Colour = (UInt8, UInt8, UInt8)
    public static let white: Colour = (255, 255, 255), black: Colour = (0, 0, 0), grey: Colour = (150, 150, 150)

    public init(width: Int, height: Int, background: Colour = Canvas.white) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        fill(x: 0, y: 0, width: width, height: height, colour: background)
    }

    public mutating func set(_ x: Int, _ y: Int, _ colour: Colour) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = (y * width + x) * 3
        pixels[i] = colour.0
        pixels[i + 1] = colour.1
        pixels[i + 2] = colour.2
    }

    /// Fills the part of the rectangle that lies on the canvas (nothing when it lies outside or is empty).
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, colour: Colour) {
        let (x0, y0) = (max(0, x), max(0, y))
        let (x1, y1) = (min(width, x.addingReportingOverflow(max(0, w)).partialValue), min(height, y.addingReportingOverflow(max(0, h)).partialValue))
        guard x0 < x1, y0 < y1 else { return }
        for yy in y0..<y1 { for xx in x0..<x1 { set(xx, yy, colour) } }
    }

    public mutating func rectangle(x: Int, y: Int, width w: Int, height h: Int, colour: Colour) {
        line(x, y, x + w - 1, y, colour)
        line(x, y + h - 1, x + w - 1, y + h - 1, colour)
        line(x, y, x, y + h - 1, colour)
        line(x + w - 1, y, x + w - 1, y + h - 1, colour)
    }

    /// Bresenham's line.
    public mutating func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ colour: Colour) {
        var (x, y) = (x0, y0)
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var error = dx + dy
        while true {
            set(x, y, colour)
            if x == x1 && y == y1 { break }
            let e2 = 2 * error
            if e2 >= dy { error += dy; x += sx }
            if e2 <= dx { error += dx; y += sy }
        }
    }

    /// Width in pixels of `text` at `scale`.
    public static func textWidth(_ text: String, scale: Int = 1) -> Int { text.count * (BitmapFont.width + 1) * scale }

    /// `text`, shortened in the middle with "..." so that it is at most `width` pixels wide at `scale` (long ONNX
    /// node names keep their start and their end, e.g. "/decoder/up_bl.../conv_shortcut/Conv").
    public static func fitting(_ text: String, width: Int, scale: Int = 1) -> String {
        let perCharacter = (BitmapFont.width + 1) * max(1, scale)
        let capacity = max(0, width / perCharacter)
        guard text.count > capacity else { return text }
        guard capacity > 5 else { return String(text.prefix(capacity)) }
        let keep = capacity - 3
        return String(text.prefix(keep - keep / 2)) + "..." + String(text.suffix(keep / 2))
    }

    /// Draws text with its top-left corner at (x, y); what would fall off the right edge is elided (`fitting`).
    public mutating func text(_ text: String, x: Int, y: Int, scale: Int = 1, colour: Colour = Canvas.black) {
        var cursor = x
        for character in Canvas.fitting(text, width: width - max(0, x), scale: scale) {
            let rows = BitmapFont.glyph(character)
            for (r, bits) in rows.enumerated() {
                for c in 0..<BitmapFont.width where bits & (1 << (BitmapFont.width - 1 - c)) != 0 {
                    fill(x: cursor + c * scale, y: y + r * scale, width: scale, height: scale, colour: colour)
                }
            }
            cursor += (BitmapFont.width + 1) * scale
        }
    }

    /// Writes the canvas as a PNG file (atomically).
    public func writePNG(to url: URL) throws {
        try PNGImage.writeRGB(pixels, width: width, height: height, to: url)
    }
}

/// Short tick labels: 3 significant digits, scientific notation outside [1e-2, 1e4).
func formatTick(_ value: Double) -> String {
    if value == 0 { return "0" }
    let magnitude = abs(value)
    if magnitude >= 1e-2 && magnitude < 1e4 { return String(format: magnitude >= 100 ? "%.0f" : "%.3g", value) }
    return String(format: "%.2e", value)
}
