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

    /// Encodes 8-bit RGB pixels (row-major, 3 bytes per pixel) as PNG bytes.
    public static func encodeRGB(_ pixels: [UInt8], width: Int, height: Int) throws -> Data {
        precondition(pixels.count == width * height * 3, "encodeRGB: pixel count")
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = formatRGB
        var size = 0
        let rowStride = Int32(width * 3)
        guard
            pixels.withUnsafeBytes({ png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, rowStride, nil) })
                != 0
        else { throw SpectraError.invalidInput("PNG encoding failed: \(message(of: image))") }
        var output = [UInt8](repeating: 0, count: size)
        let ok = output.withUnsafeMutableBytes { out in
            pixels.withUnsafeBytes {
                png_image_write_to_memory(&image, out.baseAddress, &size, 0, $0.baseAddress, rowStride, nil)
            }
        }
        guard ok != 0 else { throw SpectraError.invalidInput("PNG encoding failed: \(message(of: image))") }
        return Data(output.prefix(size))
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
