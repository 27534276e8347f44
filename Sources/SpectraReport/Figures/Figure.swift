import CCairo
import Foundation
import SpectraIO

/// A figure drawn with Cairo: recorded once as vector operations, then written as PNG (at `pngScale` pixels per
/// point), SVG or PDF. Text is DejaVu Sans through fontconfig, anti-aliased; sizes are in points.
public final class Figure {
    public typealias Colour = (red: Double, green: Double, blue: Double)

    public static let black: Colour = (0, 0, 0)
    public static let grey: Colour = (0.45, 0.45, 0.45)
    public static let lightGrey: Colour = (0.88, 0.88, 0.88)
    public static let white: Colour = (1, 1, 1)

    public enum Anchor { case start, middle, end }

    public let width: Double
    public let height: Double
    /// Pixels per point of the PNG copy (2: crisp on screens and in papers).
    public var pngScale = 2.0
    private let surface: OpaquePointer
    let context: OpaquePointer

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
        var extents = cairo_rectangle_t(x: 0, y: 0, width: width, height: height)
        surface = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &extents)
        context = cairo_create(surface)
        fill(x: 0, y: 0, width: width, height: height, colour: Self.white)
    }

    deinit {
        cairo_destroy(context)
        cairo_surface_destroy(surface)
    }

    // MARK: Drawing

    public func fill(x: Double, y: Double, width: Double, height: Double, colour: Colour) {
        guard width > 0, height > 0 else { return }
        setColour(colour)
        cairo_rectangle(context, x, y, width, height)
        cairo_fill(context)
    }

    public func strokeRectangle(
        x: Double, y: Double, width: Double, height: Double, colour: Colour, lineWidth: Double = 0.8
    ) {
        setColour(colour)
        cairo_set_line_width(context, lineWidth)
        cairo_rectangle(context, x, y, width, height)
        cairo_stroke(context)
    }

    public func line(_ points: [(Double, Double)], colour: Colour, lineWidth: Double = 1.2, dashed: Bool = false) {
        guard points.count > 1 else { return }
        setColour(colour)
        cairo_set_line_width(context, lineWidth)
        cairo_set_line_join(context, CAIRO_LINE_JOIN_ROUND)
        if dashed {
            var pattern: [Double] = [4, 3]
            cairo_set_dash(context, &pattern, 2, 0)
        }
        cairo_move_to(context, points[0].0, points[0].1)
        for p in points.dropFirst() { cairo_line_to(context, p.0, p.1) }
        cairo_stroke(context)
        cairo_set_dash(context, nil, 0, 0)
    }

    /// A filled polygon, `opacity` < 1 for translucent bands (e.g. the spread across images under a median curve).
    public func polygon(_ points: [(Double, Double)], colour: Colour, opacity: Double = 1) {
        guard points.count > 2 else { return }
        cairo_set_source_rgba(context, colour.red, colour.green, colour.blue, opacity)
        cairo_move_to(context, points[0].0, points[0].1)
        for p in points.dropFirst() { cairo_line_to(context, p.0, p.1) }
        cairo_close_path(context)
        cairo_fill(context)
    }

    public func circle(x: Double, y: Double, radius: Double, colour: Colour, lineWidth: Double = 1) {
        setColour(colour)
        cairo_set_line_width(context, lineWidth)
        cairo_new_sub_path(context)
        cairo_arc(context, x, y, radius, 0, 2 * .pi)
        cairo_stroke(context)
    }

    /// Text with its baseline at y, anchored at x; `angle` in radians (−π/2 for a vertical axis label).
    public func text(
        _ string: String, x: Double, y: Double, size: Double = 9, anchor: Anchor = .start, bold: Bool = false,
        colour: Colour = Figure.black, angle: Double = 0
    ) {
        setFont(size: size, bold: bold)
        let advance = textWidth(string, size: size, bold: bold)
        cairo_save(context)
        cairo_translate(context, x, y)
        cairo_rotate(context, angle)
        let offset = anchor == .start ? 0 : anchor == .middle ? -advance / 2 : -advance
        setColour(colour)
        cairo_move_to(context, offset, 0)
        cairo_show_text(context, string)
        cairo_restore(context)
    }

    /// The advance width of `string` in points.
    public func textWidth(_ string: String, size: Double = 9, bold: Bool = false) -> Double {
        setFont(size: size, bold: bold)
        var extents = cairo_text_extents_t()
        cairo_text_extents(context, string, &extents)
        return extents.x_advance
    }

    /// `string` shortened with "…" in the middle until it fits `width` (long ONNX node names in titles).
    public func fitting(_ string: String, width: Double, size: Double = 9, bold: Bool = false) -> String {
        guard textWidth(string, size: size, bold: bold) > width, string.count > 3 else { return string }
        var keep = string.count - 1
        while keep > 2 {
            let head = string.prefix((keep + 1) / 2), tail = string.suffix(keep / 2)
            let candidate = String(head) + "…" + String(tail)
            if textWidth(candidate, size: size, bold: bold) <= width { return candidate }
            keep -= 1
        }
        return String(string.prefix(1)) + "…"
    }

    /// A raster of `columns` × `rows` RGB cells drawn into the rectangle without smoothing (maps, images).
    public func raster(
        _ colours: [Colour], rows: Int, columns: Int, x: Double, y: Double, width: Double, height: Double
    ) {
        guard rows > 0, columns > 0, colours.count == rows * columns else { return }
        let image = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(columns), Int32(rows))!
        defer { cairo_surface_destroy(image) }
        cairo_surface_flush(image)
        let stride = Int(cairo_image_surface_get_stride(image))
        let data = cairo_image_surface_get_data(image)!
        for r in 0..<rows {
            let row = data.advanced(by: r * stride).withMemoryRebound(to: UInt32.self, capacity: columns) { $0 }
            for c in 0..<columns {
                let colour = colours[r * columns + c]
                func byte(_ v: Double) -> UInt32 { UInt32((min(1, max(0, v.isFinite ? v : 0)) * 255).rounded()) }
                row[c] = 0xFF00_0000 | byte(colour.red) << 16 | byte(colour.green) << 8 | byte(colour.blue)
            }
        }
        cairo_surface_mark_dirty(image)
        cairo_save(context)
        cairo_rectangle(context, x, y, width, height)
        cairo_clip(context)
        cairo_translate(context, x, y)
        cairo_scale(context, width / Double(columns), height / Double(rows))
        cairo_set_source_surface(context, image, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(context), CAIRO_FILTER_NEAREST)
        cairo_paint(context)
        cairo_restore(context)
    }

    private func setColour(_ colour: Colour) { cairo_set_source_rgb(context, colour.red, colour.green, colour.blue) }

    private func setFont(size: Double, bold: Bool) {
        cairo_select_font_face(
            context, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(context, size)
    }

    // MARK: Output

    /// The figure as PNG bytes, `pngScale` pixels per point: rendered by Cairo, encoded by libpng without row filters
    /// at zlib level 3 (`PNGImage.encodeRGB(fast:)`; Cairo's own writer took two thirds of the time spent on figures).
    public func pngData() throws -> Data {
        let (w, h) = (Int((width * pngScale).rounded()), Int((height * pngScale).rounded()))
        let image = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(w), Int32(h))!
        defer { cairo_surface_destroy(image) }
        replay(onto: image, scale: pngScale)
        // ARGB32 is premultiplied, one native-endian UInt32 per pixel: composited over white, c + (255 − alpha), so a
        // pixel that is not opaque (none is: figures start with a white fill) still comes out as it is shown.
        let stride = Int(cairo_image_surface_get_stride(image))
        let source = UnsafeRawPointer(cairo_image_surface_get_data(image)!)
        var rgb = [UInt8](repeating: 0, count: w * h * 3)
        rgb.withUnsafeMutableBufferPointer { out in
            for y in 0..<h {
                let row = source + y * stride
                for x in 0..<w {
                    let pixel = row.load(fromByteOffset: 4 * x, as: UInt32.self)
                    let white = 255 &- UInt8(truncatingIfNeeded: pixel >> 24)
                    let target = (y * w + x) * 3
                    out[target] = UInt8(truncatingIfNeeded: pixel >> 16) &+ white
                    out[target + 1] = UInt8(truncatingIfNeeded: pixel >> 8) &+ white
                    out[target + 2] = UInt8(truncatingIfNeeded: pixel) &+ white
                }
            }
        }
        return try PNGImage.encodeRGB(rgb, width: w, height: h, fast: true)
    }

    /// The figure as SVG (vector; maps embedded as images).
    public func svgData() -> Data { vectorData { cairo_svg_surface_create_for_stream($0, $1, $2, $3) } }

    /// The figure as a one-page PDF.
    public func pdfData() -> Data { vectorData { cairo_pdf_surface_create_for_stream($0, $1, $2, $3) } }

    /// Replays the figure onto a streaming vector surface made by `create` (write function, closure, width, height).
    private func vectorData(
        _ create: (cairo_write_func_t, UnsafeMutableRawPointer, Double, Double) -> OpaquePointer?
    ) -> Data {
        let sink = ByteSink()
        let target = create(ByteSink.write, Unmanaged.passUnretained(sink).toOpaque(), width, height)!
        replay(onto: target, scale: 1)
        cairo_surface_finish(target)
        cairo_surface_destroy(target)
        return sink.data
    }

    public func writePNG(to url: URL) throws { try AtomicFile.write(try pngData(), to: url) }
    public func writeSVG(to url: URL) throws { try AtomicFile.write(svgData(), to: url) }
    public func writePDF(to url: URL) throws { try AtomicFile.write(pdfData(), to: url) }

    /// Writes `<base>.png` and `<base>.svg` beside each other, and `<base>.pdf` when asked (`pdf`, or a caller's
    /// `FigureFormats.$pdf.withValue(true) { … }` around the code that writes figures: the CLI's `--pdf`).
    public func write(base: URL, pdf: Bool = false) throws {
        try writePNG(to: base.appendingPathExtension("png"))
        try writeSVG(to: base.appendingPathExtension("svg"))
        if pdf || FigureFormats.pdf { try writePDF(to: base.appendingPathExtension("pdf")) }
    }

    private func replay(onto target: OpaquePointer, scale: Double) {
        cairo_surface_flush(surface)
        let cr = cairo_create(target)!
        cairo_scale(cr, scale, scale)
        cairo_set_source_surface(cr, surface, 0, 0)
        cairo_paint(cr)
        cairo_destroy(cr)
        cairo_surface_flush(target)
    }
}

/// Which vector formats figures are written in besides PNG and SVG, for the code run inside
/// `FigureFormats.$pdf.withValue(true) { … }` (a task-local value: scoped to that call, not a global setting).
public enum FigureFormats {
    @TaskLocal public static var pdf = false
}

/// Collects the bytes Cairo streams out (PNG, SVG, PDF).
private final class ByteSink {
    var data = Data()

    static let write: cairo_write_func_t = { closure, bytes, length in
        guard let closure, let bytes else { return CAIRO_STATUS_WRITE_ERROR }
        Unmanaged<ByteSink>.fromOpaque(closure).takeUnretainedValue().data.append(bytes, count: Int(length))
        return CAIRO_STATUS_SUCCESS
    }
}
