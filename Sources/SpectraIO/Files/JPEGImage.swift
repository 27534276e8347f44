import CTurboJPEG
import Foundation
import SpectraCore

/// JPEG reading through libjpeg-turbo's TurboJPEG API (which reports errors by return value, unlike libjpeg's
/// longjmp, so corrupt files become Swift errors).
public enum JPEGImage {
    /// Reads a JPEG as a [1, channels, H, W] tensor in [0, 1]; channels 1 (grey) or 3 (RGB).
    public static func read(_ url: URL, channels: Int = 3) throws -> Tensor<Float> {
        try decode(try ImageTensor.readImageFile(url, channels: channels), channels: channels, file: url)
    }

    /// Decodes JPEG bytes (`file` names them in errors); the size is checked before any pixel is decoded.
    public static func decode(_ data: Data, channels: Int = 3, file url: URL) throws -> Tensor<Float> {
        try decodeWithLayout(data, channels: channels, file: url).tensor
    }

    /// The tensor and the file's own colour space ("grey", "RGB", "CMYK"), so that a conversion can be reported.
    static func decodeWithLayout(
        _ data: Data, channels: Int, file url: URL
    ) throws -> (tensor: Tensor<Float>, layout: String) {
        guard channels == 1 || channels == 3 else {
            throw SpectraError.invalidInput("images can feed models with 1 or 3 input channels, not \(channels)")
        }
        guard let handle = tjInitDecompress() else {
            throw SpectraError.invalidFile(file: url.path, reason: "TurboJPEG failed to start")
        }
        defer { tjDestroy(handle) }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let bytes = [UInt8](data)
        guard !bytes.isEmpty,
            tjDecompressHeader3(handle, bytes, UInt(bytes.count), &width, &height, &subsampling, &colorspace) == 0
        else {
            throw SpectraError.invalidFile(file: url.path, reason: "not a readable JPEG: \(message(handle))")
        }
        try ImageTensor.checkSize(width: Int(width), height: Int(height), channels: channels, url: url)
        let format = channels == 3 ? Int32(TJPF_RGB.rawValue) : Int32(TJPF_GRAY.rawValue)
        var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * channels)
        let status = tjDecompress2(handle, bytes, UInt(bytes.count), &pixels, width, 0, height, format, 0)
        // Warnings (status −1 with TJERR_WARNING) still give an image; errors do not.
        if status != 0 && tjGetErrorCode(handle) != Int32(TJERR_WARNING.rawValue) {
            throw SpectraError.invalidFile(file: url.path, reason: "corrupt JPEG: \(message(handle))")
        }
        let layout =
            colorspace == Int32(TJCS_GRAY.rawValue)
            ? "grey"
            : colorspace == Int32(TJCS_CMYK.rawValue) || colorspace == Int32(TJCS_YCCK.rawValue) ? "CMYK" : "RGB"
        return (ImageTensor.fromInterleaved(pixels, width: Int(width), height: Int(height), channels: channels), layout)
    }

    private static func message(_ handle: tjhandle) -> String {
        tjGetErrorStr2(handle).map { String(cString: $0) } ?? "unknown error"
    }
}

/// What the image readers share: reading the file, and interleaved 8-bit pixels to [1, C, H, W] tensors in [0, 1].
package enum ImageTensor {
    /// The file's bytes, after checking that the requested channel count is one images can give (1 or 3).
    static func readImageFile(_ url: URL, channels: Int) throws -> Data {
        guard channels == 1 || channels == 3 else {
            throw SpectraError.invalidInput("images can feed models with 1 or 3 input channels, not \(channels)")
        }
        do { return try Data(contentsOf: url) } catch {
            throw SpectraError.invalidFile(file: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
    }

    /// The most values one decoded image may hold: a quarter of the tensor cap (2^26 by default, 22 megapixels in
    /// RGB), since decoding holds the 8-bit pixels, the float tensor and, with --size, a resampled copy at once.
    static var maximumImageValues: Int { ResourceLimits.maximumTensorElements / 4 }

    /// Refuses an image whose declared size is empty or over `maximumImageValues`, before any pixel is decoded.
    package static func checkSize(width: Int, height: Int, channels: Int, url: URL) throws {
        guard width > 0, height > 0, let count = ResourceLimits.elementCount([width, height, channels]),
            count <= maximumImageValues
        else {
            guard width > 0, height > 0 else {
                throw SpectraError.invalidFile(file: url.path, reason: "image size \(width)x\(height) is empty")
            }
            throw SpectraError.tooLarge(
                place: "file '\(url.path)'", what: "the image (larger than a quarter of the limit)",
                shape: [channels, height, width],
                limit: maximumImageValues)
        }
    }

    static func fromInterleaved(_ pixels: [UInt8], width: Int, height: Int, channels: Int) -> Tensor<Float> {
        var tensor = Tensor<Float>(zeros: [1, channels, height, width])
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels {
                    tensor.scalars[(c * height + y) * width + x] = Float(pixels[(y * width + x) * channels + c]) / 255
                }
            }
        }
        return tensor
    }
}
