import DecoderSpectra
import Foundation
import Testing

/// Colour maps, heatmaps and the PNG writer.
@Suite(.tags(.unit)) struct FigureTests {
    /// End points and midpoint against matplotlib's tables (#440154, #21918c, #fde725; #000004, #b73779, #fcfdbf):
    /// the polynomial fits are within 5 levels of 255 (their documented accuracy).
    @Test func colormapsMatchMatplotlib() {
        let references: [(Colormap, Double, (Int, Int, Int))] = [
            (.viridis, 0, (68, 1, 84)), (.viridis, 0.5, (33, 145, 140)), (.viridis, 1, (253, 231, 37)),
            (.magma, 0, (0, 0, 4)), (.magma, 0.5, (183, 55, 121)), (.magma, 1, (252, 253, 191)),
        ]
        for (map, t, expected) in references {
            let c = map.colour(at: t)
            #expect(
                abs(Int(c.0) - expected.0) <= 5 && abs(Int(c.1) - expected.1) <= 5 && abs(Int(c.2) - expected.2) <= 5,
                "\(map) at \(t): \(c)")
        }
    }

    /// The PNG of a figure decodes to the figure at `pngScale` pixels per point: white where nothing is drawn (the
    /// corner), the heatmap's colours inside the map, both round trips of the libpng fast encoder and of the
    /// decoder; the fast encoding is lossless (encoding the decoded pixels again gives the same bytes).
    @Test func pngRoundTripsThroughTheDecoder() throws {
        let figure = SpectrumFigure.heatmap(
            magnitudes: (0..<64).map { Double($0 % 9) + 1 }, rows: 8, columns: 8, title: "round trip")
        let data = try figure.pngData()
        let image = try PNGImage.decode(data, file: URL(fileURLWithPath: "figure.png"))
        #expect(image.width == Int((figure.width * figure.pngScale).rounded()))
        #expect(image.height == Int((figure.height * figure.pngScale).rounded()))
        #expect((0..<3).allSatisfy { image[0, $0, 0, 0] == 1 })  // the top-left corner is background
        let colours = Set(
            (0..<(image.height * image.width)).map { p in
                (0..<3).map { image.scalars[$0 * image.height * image.width + p] }
            })
        #expect(colours.count > 9)  // the map's colours, text and axes, not a blank page
        let pixels = (0..<(image.height * image.width)).flatMap { p in
            (0..<3).map { UInt8((image.scalars[$0 * image.height * image.width + p] * 255).rounded()) }
        }
        #expect(try PNGImage.encodeRGB(pixels, width: image.width, height: image.height, fast: true) == data)
    }

    /// A shared log range gives equal values the same colour in two figures (one scale per comparison); drawing is
    /// deterministic.
    @Test func sharedRangeMakesColoursComparable() throws {
        let a = [100.0, 1, 1, 1], b = [100.0, 10, 10, 10]
        let range = SpectrumFigure.sharedLogRange([a, b])
        let fa = SpectrumFigure.heatmap(magnitudes: a, rows: 2, columns: 2, title: "A", logRange: range)
        let fb = SpectrumFigure.heatmap(magnitudes: b, rows: 2, columns: 2, title: "A", logRange: range)
        #expect(fa.width == fb.width && fa.height == fb.height)
        #expect(try fa.pngData() != fb.pngData())
        let same = SpectrumFigure.heatmap(magnitudes: b, rows: 2, columns: 2, title: "A", logRange: range)
        #expect(try same.pngData() == fb.pngData())
    }

    /// PNG (at 2 pixels per point) reads back at the figure's size; SVG and PDF are what they say.
    @Test func figuresWritePNGSVGAndPDF() throws {
        var generator = SeededGenerator(seed: 3)
        let map = (0..<64).map { _ in abs(generator.nextNormal()) + 0.01 }
        let figure = SpectrumFigure.heatmap(magnitudes: map, rows: 8, columns: 8, title: "Test")
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try figure.write(base: folder.appendingPathComponent("h"), pdf: true)
        let back = try PNGImage.read(folder.appendingPathComponent("h.png"))
        #expect(back.width == Int((figure.width * 2).rounded()) && back.height == Int((figure.height * 2).rounded()))
        let svg = try String(contentsOf: folder.appendingPathComponent("h.svg"), encoding: .utf8)
        #expect(svg.contains("<svg") && svg.contains("width=\"\(Int(figure.width))"))
        let pdf = try Data(contentsOf: folder.appendingPathComponent("h.pdf"))
        #expect(pdf.starts(with: Array("%PDF".utf8)))
    }

    /// The repeat grid of Theorem 4.4 is drawn where the axes put the predicted frequencies: a white ring around
    /// [M0, 0] of a map tiled 4 times, and no ring half a period away.
    @Test func repeatGridSitsAtThePredictedPositions() throws {
        let (m, m0) = (32, 8)
        let map = (0..<(m * m)).map { i in (i / m) % m0 == 0 && (i % m) % m0 == 0 ? 100.0 : 1.0 }
        let figure = SpectrumFigure.heatmap(magnitudes: map, rows: m, columns: m, title: "grid", repeatGrid: (m0, m0))
        let axes = SpectrumFigure.mapAxes(rows: m, columns: m)
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try figure.writePNG(to: folder.appendingPathComponent("g.png"))
        let image = try PNGImage.read(folder.appendingPathComponent("g.png"))
        func brightness(_ x: Double, _ y: Double) -> Float {
            let (px, py) = (Int((x * 2).rounded()), Int((y * 2).rounded()))
            let plane = image.height * image.width
            return (0..<3).map { image.scalars[$0 * plane + py * image.width + px] }.reduce(0, +) / 3
        }
        // Vertical frequency M0/M = 0.25, horizontal 0: the ring (radius 4 pt) passes 4 pt to the right of the centre.
        let (cx, cy) = (axes.px(0), axes.py(0.25))
        let ring = [-0.5, 0, 0.5].flatMap { dx in [-0.5, 0, 0.5].map { dy in brightness(cx + 4 + dx, cy + dy) } }.max()!
        #expect(ring > 0.9)
        // Half a period away (0.125) there is no grid point and so no ring: a dark viridis cell.
        #expect(brightness(axes.px(0) + 4, axes.py(0.125)) < 0.5)
    }

    /// Nice ticks at 1, 2, 2.5, 5 × 10^k and short labels.
    @Test func niceTicksAndLabels() {
        #expect(NiceTicks.linear(0, 1) == [0, 0.25, 0.5, 0.75, 1])
        #expect(NiceTicks.linear(-0.3, 0.7, count: 6) == [-0.2, 0, 0.2, 0.4, 0.6])
        #expect(NiceTicks.logarithmic(3e-4, 20) == [1e-3, 1e-2, 1e-1, 1, 10])
        #expect(NiceTicks.label(1000) == "1000" && NiceTicks.label(0.25) == "0.25" && NiceTicks.label(1e-5) == "1e-5")
        #expect(NiceTicks.label(-40) == "-40" && NiceTicks.label(2.5e6) == "2.5e6")
    }
}

/// Long node names in figures keep their last path segments whole; short names are left alone.
@Test func displayNamesKeepTheEndOfModulePaths() {
    #expect(DisplayName.short("conv1") == "conv1")
    let path = "/decoder/up_blocks.0/resnets.1/conv2/Conv"
    #expect(DisplayName.short(path) == "…/resnets.1/conv2/Conv")  // 34 characters with up_blocks.0: over 32
    #expect(DisplayName.short(path, maxLength: 40) == "…/up_blocks.0/resnets.1/conv2/Conv")
    #expect(DisplayName.short(path, maxLength: 18) == "…/conv2/Conv")
    let word = String(repeating: "a", count: 20) + String(repeating: "b", count: 20)
    let short = DisplayName.short(word, maxLength: 11)
    #expect(short == "aaaaa…bbbbb" && short.count == 11)
}
