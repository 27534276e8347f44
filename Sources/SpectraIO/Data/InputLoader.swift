import Foundation
import SpectraCore

/// Reads analysis and experiment inputs:
/// - a `.npy` array ([B, C, H, W], [C, H, W] or [H, W]; float32, float64 or uint8 values as stored),
/// - a PNG or JPEG image (pixels / 255),
/// - a CIFAR-10 binary batch (`.bin`: records of 1 label byte + 3072 bytes of 32×32 R, G, B planes; pixels / 255),
/// - or a folder of such files, read in name order.
/// Without `size`, all inputs must have the same size. With `size`, every image is centre-cropped to the target
/// aspect ratio and resampled (`Resampling`). `limit` caps the number of images (not files).
package enum InputLoader {
    package static let imageExtensions: Set = ["png", "jpg", "jpeg"]
    package static let fileExtensions: Set = imageExtensions.union(["npy", "bin"])

    /// `channels`: the model's input channels (images are converted to it, arrays must have it); nil for models
    /// whose input is not an image (e.g. an ONNX graph taking [batch, features] latents), arrays then load as stored.
    package static func load(
        _ path: String, channels: Int?, size: (Int, Int)? = nil, limit: Int? = nil
    ) throws -> (tensor: Tensor<Float>, files: [String]) {
        // The batches of a streamed read, joined: one reader of files for both (`InputBatches`).
        let reader = try InputBatches(.files(path), channels: channels, size: size, limit: limit, batchSize: 256)
        var batches: [Tensor<Float>] = []
        while let batch = try reader.next() { batches.append(batch) }
        guard !batches.isEmpty else { throw SpectraError.invalidFile(file: path, reason: "holds no images") }
        return (try InputBatches.concatenate(batches), reader.filesRead)
    }

    /// The input files a path names: the file itself, or a folder's image, .npy and .bin files in name order.
    static func files(at path: String) throws -> [URL] {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw SpectraError.invalidFile(file: path, reason: "no such file or folder")
        }
        guard isDirectory.boolValue else { return [url] }
        let files = inputFiles(in: url).files
        guard !files.isEmpty else {
            throw SpectraError.invalidFile(file: path, reason: "folder holds no .png, .jpg, .npy or .bin files")
        }
        return files
    }

    /// A folder's input files (image, .npy and .bin files in name order) and the names it skips (other files; hidden
    /// files and subfolders are not counted).
    static func inputFiles(in folder: URL) -> (files: [URL], skipped: [String]) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
        var files: [URL] = [], skipped: [String] = []
        for name in names where !name.hasPrefix(".") {
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path, isDirectory: &isFolder)
            if fileExtensions.contains((name as NSString).pathExtension.lowercased()) {
                files.append(folder.appendingPathComponent(name))
            } else if !isFolder.boolValue {
                skipped.append(name)
            }
        }
        return (files, skipped)
    }

    /// The number of images a file holds, read without decoding it (headers and file sizes only).
    static func imageCount(of url: URL) throws -> Int {
        switch url.pathExtension.lowercased() {
        case "png", "jpg", "jpeg": return 1
        case "bin":
            let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
            guard size > 0, size % 3073 == 0 else {
                throw SpectraError.invalidFile(
                    file: url.path, reason: "not a CIFAR-10 binary batch: \(size) bytes is not a multiple of 3073")
            }
            return size / 3073
        default:
            let shape = try NpyFile.readShape(url)
            return shape.count == 4 ? shape[0] : 1
        }
    }

    static func loadOne(_ url: URL, channels: Int?) throws -> Tensor<Float> {
        try loadOneNoting(url, channels: channels).tensor
    }

    /// One file as [N, C, H, W], and the conversion its pixels went through ("RGBA → RGB", "grey → RGB"; nil: none).
    static func loadOneNoting(_ url: URL, channels: Int?) throws -> (tensor: Tensor<Float>, conversion: String?) {
        let target = channels ?? 3
        func noting(_ decoded: (tensor: Tensor<Float>, layout: String)) -> (Tensor<Float>, String?) {
            let wanted = target == 3 ? "RGB" : "grey"
            guard decoded.layout != wanted else { return (decoded.tensor, nil) }
            let how =
                decoded.layout.contains("A") || decoded.layout.contains("alpha")
                ? " (alpha composited on black)"
                : target == 1 ? " (luma)" : ""
            return (decoded.tensor, "\(decoded.layout) → \(wanted)\(how)")
        }
        switch url.pathExtension.lowercased() {
        case "png":
            return noting(
                try PNGImage.decodeWithLayout(
                    try ImageTensor.readImageFile(url, channels: target), channels: target, file: url))
        case "jpg", "jpeg":
            return noting(
                try JPEGImage.decodeWithLayout(
                    try ImageTensor.readImageFile(url, channels: target), channels: target, file: url))
        case "bin": return (try readCIFAR10(url, channels: target), target == 1 ? "RGB → grey (luma)" : nil)
        default: break
        }
        var tensor = try Tensor<Float>.readNpy(url)
        switch tensor.rank {
        case 2: tensor = try tensor.reshaped([1, 1] + tensor.shape)
        case 3: tensor = try tensor.reshaped([1] + tensor.shape)
        case 4: break
        default:
            throw SpectraError.invalidFile(
                file: url.path,
                reason: "array of shape \(describeShape(tensor.shape)) is not [B, C, H, W], [C, H, W] or [H, W]")
        }
        return (try checked(tensor, file: url, channels: channels), nil)
    }

    /// An [N, C, H, W] input after the checks every input gets: the model's channel count, not empty, finite.
    static func checked(_ tensor: Tensor<Float>, file url: URL, channels: Int?) throws -> Tensor<Float> {
        guard channels == nil || tensor.channels == channels else {
            throw SpectraError.invalidFile(
                file: url.path, reason: "has \(tensor.channels) channels, the model takes \(channels!)")
        }
        guard tensor.count > 0 else { throw SpectraError.invalidFile(file: url.path, reason: "array is empty") }
        try tensor.checkFinite("input \(url.path)")
        return tensor
    }

    /// A CIFAR-10 binary batch (data_batch_N.bin, test_batch.bin). Grey (1 channel) uses ITU-R 601 luma.
    static func readCIFAR10(_ url: URL, channels: Int) throws -> Tensor<Float> {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SpectraError.invalidFile(file: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        let record = 1 + 3 * 32 * 32
        guard !data.isEmpty, data.count % record == 0 else {
            throw SpectraError.invalidFile(
                file: url.path,
                reason: "not a CIFAR-10 binary batch: \(data.count) bytes is not a multiple of \(record) (truncated?)")
        }
        guard channels == 1 || channels == 3 else {
            throw SpectraError.invalidInput(
                "CIFAR-10 images can feed models with 1 or 3 input channels, not \(channels)")
        }
        let count = data.count / record
        var tensor = Tensor<Float>(zeros: [count, channels, 32, 32])
        data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            for n in 0..<count {
                let base = n * record + 1
                for i in 0..<1024 {
                    let (r, g, b) = (
                        Float(bytes[base + i]), Float(bytes[base + 1024 + i]), Float(bytes[base + 2048 + i])
                    )
                    if channels == 3 {
                        tensor.scalars[n * 3072 + i] = r / 255
                        tensor.scalars[n * 3072 + 1024 + i] = g / 255
                        tensor.scalars[n * 3072 + 2048 + i] = b / 255
                    } else {
                        tensor.scalars[n * 1024 + i] = (0.299 * r + 0.587 * g + 0.114 * b) / 255
                    }
                }
            }
        }
        return tensor
    }
}
