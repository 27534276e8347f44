import CPNG
import Foundation
import RealModule
import SpectraCore

/// PNG reading and writing through libpng's simplified API (any bit depth, palette, grey or alpha on input).
public enum PNGImage {
    /// libpng's PNG_FORMAT_* flags (the composite macros are not imported into Swift).
    private static let formatGray: UInt32 = 0, formatRGB: UInt32 = 2

    /// Reads a PNG as a [1, channels, H, W] tensor in [0, 1] (value / 255, as torchvision's ToTensor).
    /// channels = 1 converts to grey, 3 to RGB (alpha is composited on black by libpng).
    public static func read(_ url: URL, channels: Int = 3) throws -> Tensor<Float> {
        try decode(try ImageTensor.readImageFile(url, channels: channels), channels: channels, file: url)
    }

    /// Decodes PNG bytes (`file` names them in errors); the size is checked before any pixel is decoded.
    public static func decode(_ data: Data, channels: Int = 3, file url: URL) throws -> Tensor<Float> {
        try decodeWithLayout(data, channels: channels, file: url).tensor
    }

    /// The tensor and the file's own pixel layout ("grey", "grey + alpha", "RGB", "RGBA", "palette"), so that a
    /// conversion to `channels` can be reported.
    static func decodeWithLayout(
        _ data: Data, channels: Int, file url: URL
    ) throws -> (tensor: Tensor<Float>, layout: String) {
        guard channels == 1 || channels == 3 else {
            throw SpectraError.invalidInput("images can feed models with 1 or 3 input channels, not \(channels)")
        }
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        let began = data.withUnsafeBytes { raw in
            png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count)
        }
        guard began != 0 else {
            throw SpectraError.invalidFile(file: url.path, reason: "not a readable PNG: \(message(of: image))")
        }
        // libpng's format flags: 1 alpha, 2 colour, 8 colour map.
        let source = image.format
        let layout =
            source & 8 != 0
            ? "palette"
            : (source & 2 != 0 ? "RGB" : "grey") + (source & 1 != 0 ? (source & 2 != 0 ? "A" : " + alpha") : "")
        image.format = channels == 3 ? formatRGB : formatGray
        let (width, height) = (Int(image.width), Int(image.height))
        try ImageTensor.checkSize(width: width, height: height, channels: channels, url: url)
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        let finished = data.withUnsafeBytes { _ in
            pixels.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        }
        guard finished != 0 else {
            throw SpectraError.invalidFile(file: url.path, reason: "corrupt PNG: \(message(of: image))")
        }
        return (ImageTensor.fromInterleaved(pixels, width: width, height: height, channels: channels), layout)
    }

    /// Encodes 8-bit RGB pixels (row-major, 3 bytes per pixel) as PNG bytes. `fast`: no row filters and zlib level 3
    /// (libpng's PNG_IMAGE_FLAG_FAST) instead of adaptive filters at level 6: for the figures, whose flat colours and
    /// text compress as well either way (a 768×580 spectrum map: 80 KB fast, 72 KB level 6 unfiltered, 93 KB from
    /// Cairo's adaptive writer) at a third of the time.
    public static func encodeRGB(_ pixels: [UInt8], width: Int, height: Int, fast: Bool = false) throws -> Data {
        precondition(pixels.count == width * height * 3, "encodeRGB: pixel count")
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = formatRGB
        image.flags = fast ? 0x02 : 0  // PNG_IMAGE_FLAG_FAST (the macro is not imported into Swift)
        let rowStride = Int32(width * 3)
        // One encoding into a buffer of deflate's worst case (stored blocks: + 1/8 + 1/64 of the filtered rows) plus
        // the chunks' framing; libpng reports the size it needed when a buffer is too small, then it is retried.
        let filtered = height * (3 * width + 1)
        var capacity = filtered + filtered / 8 + filtered / 64 + 4096
        for _ in 0..<2 {
            var output = [UInt8](repeating: 0, count: capacity)
            var size = capacity
            let ok = output.withUnsafeMutableBytes { out in
                pixels.withUnsafeBytes {
                    png_image_write_to_memory(&image, out.baseAddress, &size, 0, $0.baseAddress, rowStride, nil)
                }
            }
            if ok != 0 { return Data(output.prefix(size)) }
            guard size > capacity else { break }
            capacity = size
            image.warning_or_error = 0
        }
        throw SpectraError.invalidInput("PNG encoding failed: \(message(of: image))")
    }

    /// Writes 8-bit RGB pixels as a PNG file, atomically.
    public static func writeRGB(_ pixels: [UInt8], width: Int, height: Int, to url: URL) throws {
        try AtomicFile.write(try encodeRGB(pixels, width: width, height: height), to: url)
    }

    private static func message(of image: png_image) -> String {
        var copy = image.message
        return withUnsafeBytes(of: &copy) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }
}
