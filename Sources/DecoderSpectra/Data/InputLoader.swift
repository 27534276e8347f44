import Foundation

/// Reads analysis inputs: a .npy array ([B, C, H, W], [C, H, W] or [H, W]; float32, float64 or uint8 as stored),
/// a PNG file, or a folder of PNG and .npy files (sorted by name). PNG pixels are scaled to [0, 1]; all inputs of a
/// folder must have the same size.
public enum InputLoader {
    public static func load(_ path: String, channels: Int, limit: Int? = nil) throws -> (tensor: Tensor<Float>, files: [String]) {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw SpectraError.invalidFile(file: path, reason: "no such file or folder")
        }
        var files: [URL]
        if isDirectory.boolValue {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
            files = names.sorted().filter { ["png", "npy"].contains(($0 as NSString).pathExtension.lowercased()) }
                .map { url.appendingPathComponent($0) }
            guard !files.isEmpty else { throw SpectraError.invalidFile(file: path, reason: "folder holds no .png or .npy files") }
        } else {
            files = [url]
        }
        if let limit { files = Array(files.prefix(max(1, limit))) }
        var tensors: [Tensor<Float>] = []
        for file in files {
            let tensor = try loadOne(file, channels: channels)
            if let first = tensors.first, first.shape.dropFirst() != tensor.shape.dropFirst() {
                throw SpectraError.invalidFile(
                    file: file.path,
                    reason: "shape \(describeShape(Array(tensor.shape.dropFirst()))) differs from the first input's \(describeShape(Array(first.shape.dropFirst())))")
            }
            tensors.append(tensor)
        }
        var scalars: [Float] = []
        for t in tensors { scalars += t.scalars }
        var shape = tensors[0].shape
        shape[0] = tensors.reduce(0) { $0 + $1.batch }
        return (try Tensor(shape: shape, scalars: scalars), files.map(\.path))
    }

    private static func loadOne(_ url: URL, channels: Int) throws -> Tensor<Float> {
        if url.pathExtension.lowercased() == "png" { return try PNGImage.read(url, channels: channels) }
        var tensor = try Tensor<Float>.readNpy(url)
        switch tensor.rank {
        case 2: tensor = try tensor.reshaped([1, 1] + tensor.shape)
        case 3: tensor = try tensor.reshaped([1] + tensor.shape)
        case 4: break
        default:
            throw SpectraError.invalidFile(file: url.path, reason: "array of shape \(describeShape(tensor.shape)) is not [B, C, H, W], [C, H, W] or [H, W]")
        }
        guard tensor.channels == channels else {
            throw SpectraError.invalidFile(file: url.path, reason: "has \(tensor.channels) channels, the model takes \(channels)")
        }
        guard tensor.count > 0 else { throw SpectraError.invalidFile(file: url.path, reason: "array is empty") }
        try tensor.checkFinite("input \(url.path)")
        return tensor
    }
}
