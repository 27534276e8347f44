import Foundation
import SpectraCore

/// Input images delivered lazily in mini-batches, so that an analysis holds one batch at a time whatever the size of
/// the dataset: files are opened one after another (an .npy array is split into batches), built-in images are drawn
/// from one seeded generator batch by batch (the same images as `SyntheticImages.generate` with that seed).
/// A [B, C, H, W] .npy file is read a slice at a time (`NpyImageReader`), so one large array streams too.
///
/// `shard` (i, n), 1 ≤ i ≤ n, keeps the i-th of n contiguous slices of the images (after `limit`): images
/// ⌊total·(i−1)/n⌋ ..< ⌊total·i/n⌋. Shards analysed separately merge in order into exactly the single run.
public final class InputBatches {
    /// Where the inputs come from: files (a .npy array, an image, a CIFAR-10 batch or a folder of them) or a built-in
    /// generator.
    public enum Source: Sendable {
        /// A file or folder of .npy / PNG / JPEG / CIFAR-10 .bin files (`InputLoader`'s formats).
        case files(String)
        /// A built-in generator: kind, image count, channels, height, width, seed.
        case synthetic(SyntheticImages.Kind, count: Int, channels: Int, height: Int, width: Int, seed: UInt64)
        /// Images already in memory, [B, C, H, W] (a library caller's batch; `bench`'s inputs).
        case tensor(Tensor<Float>)
    }

    /// Images per batch. With an automatic batch size it is 1 until the analysis has run the first image (`peek()`)
    /// through the model's layers and sets it (`StreamingAnalysis.automaticBatchSize`).
    public var batchSize: Int
    /// Whether the caller left the batch size to the analysis (`batchSize: nil`).
    public let automaticBatchSize: Bool
    /// The files read so far (file sources), in order.
    public private(set) var filesRead: [String] = []
    /// The files read so far, or nil for built-in images (what summaries record as the input's files).
    public var files: [String]? {
        if case .files = source { return filesRead }
        return nil
    }
    /// What the reader did to the files beyond reading them, one sentence each (for the CLI to print): files of a
    /// folder it skipped, pixel layouts it converted (grey → RGB, RGBA → RGB, palette), images it resized.
    public var notes: [String] {
        var notes: [String] = []
        if !skippedFiles.isEmpty {
            let shown = skippedFiles.prefix(5).joined(separator: ", ") + (skippedFiles.count > 5 ? ", …" : "")
            notes.append(
                "skipped \(skippedFiles.count) file\(skippedFiles.count == 1 ? "" : "s") that \(skippedFiles.count == 1 ? "is" : "are") "
                    + "not .png, .jpg, .npy or .bin: \(shown)")
        }
        for (conversion, count) in conversions.sorted(by: { $0.key < $1.key }) {
            notes.append("converted \(count) image\(count == 1 ? "" : "s") \(conversion)")
        }
        if resizedImages > 0, let size {
            let from = resizedFrom.sorted { ($0.h, $0.w) < ($1.h, $1.w) }.prefix(4).map { "\($0.h)×\($0.w)" }.joined(
                separator: ", ")
            notes.append(
                "resized \(resizedImages) image\(resizedImages == 1 ? "" : "s") from \(from)\(resizedFrom.count > 4 ? ", …" : "") "
                    + "to \(size.0)×\(size.1) (centre crop, Pillow's BOX/BILINEAR resampling)")
        }
        return notes
    }
    private var skippedFiles: [String] = []
    private var conversions: [String: Int] = [:]
    private var resizedImages = 0
    private var resizedFrom = Set<Pair>()
    private struct Pair: Hashable {
        let h: Int, w: Int
        init(_ h: Int, _ w: Int) { (self.h, self.w) = (h, w) }
    }
    private let source: Source
    private let channels: Int?
    private let size: (Int, Int)?
    private var limit: Int
    private var pendingFiles: [URL] = []
    /// The .npy array being read slice by slice, if any.
    private var openArray: NpyImageReader?
    /// Images read but not delivered yet, one tensor per file read (joined once per batch, not once per file).
    private var pieces: [Tensor<Float>] = []
    private var buffered: Int { pieces.reduce(0) { $0 + $1.batch } }
    private var delivered = 0
    /// The image `peek()` read, delivered at the head of the next batch.
    private var peeked: Tensor<Float>?
    /// Images in memory before this shard's first one.
    private var tensorOffset = 0
    private var generator: SeededGenerator
    private var imageShape: [Int]?
    /// Images to skip before the first delivered one (the start of a shard), and the most to deliver.
    private var skip = 0
    /// The number of images this reader delivers, when known before reading (built-in images, and any shard).
    public private(set) var expectedCount: Int?

    /// `channels`: the model's input channels (nil: arrays load as stored); `size`: centre-crop and resize every image
    /// (`Resampling`); `limit`: the most images delivered; `batchSize` nil: chosen by the analysis from the model.
    public init(
        _ source: Source, channels: Int?, size: (Int, Int)? = nil, limit: Int? = nil, batchSize: Int?,
        shard: (index: Int, count: Int)? = nil
    ) throws {
        if let batchSize, batchSize < 1 {
            throw SpectraError.invalidInput("the batch size must be at least 1, got \(batchSize)")
        }
        automaticBatchSize = batchSize == nil
        let batchSize = batchSize ?? 1
        if let limit, limit < 1 { throw SpectraError.invalidInput("the image limit must be at least 1, got \(limit)") }
        if let shard, shard.count < 1 || shard.index < 1 || shard.index > shard.count {
            throw SpectraError.invalidInput(
                "shard \(shard.index)/\(shard.count) does not exist (use i/n with 1 <= i <= n)")
        }
        self.source = source
        self.channels = channels
        self.size = size
        self.limit = limit ?? Int.max
        self.batchSize = batchSize
        generator = SeededGenerator(seed: 0)
        var total: Int?
        switch source {
        case let .files(path):
            pendingFiles = try InputLoader.files(at: path)
            if shard != nil { total = try pendingFiles.reduce(0) { $0 + (try InputLoader.imageCount(of: $1)) } }
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
                skippedFiles = InputLoader.inputFiles(in: URL(fileURLWithPath: path)).skipped
            }
        case let .synthetic(kind, count, c, h, w, seed):
            guard count > 0, c > 0, h > 0, w > 0 else {
                throw SpectraError.invalidInput("built-in images need a positive count, channel count and size")
            }
            try ResourceLimits.checkAllocation(
                [min(count, batchSize), c, h, w], layer: "built-in \(kind.rawValue) images", what: "a batch")
            generator = SeededGenerator(seed: seed)
            total = count
        case let .tensor(images):
            guard images.rank == 4, images.batch > 0 else {
                throw SpectraError.invalidInput(
                    "images in memory must be [B, C, H, W] with B ≥ 1, got \(describeShape(images.shape))")
            }
            total = images.batch
        }
        if let all = total.map({ min($0, self.limit) }) {
            let (lower, upper) = shard.map { (all * ($0.index - 1) / $0.count, all * $0.index / $0.count) } ?? (0, all)
            skip = lower
            self.limit = upper - lower
            expectedCount = upper - lower
        }
    }

    /// The next batch of at most `batchSize` images, or nil when the input is exhausted. It begins with the image
    /// `peek()` returned, if any.
    public func next() throws -> Tensor<Float>? {
        let head = peeked
        peeked = nil
        let rest = try read(max(1, batchSize) - (head?.batch ?? 0))
        guard let head else { return rest }
        guard let rest else { return head }
        return try Self.concatenate([head, rest])
    }

    /// The next image without consuming it: the next batch still begins with it (what the analysis sizes its
    /// batches by, before it knows the batch size).
    public func peek() throws -> Tensor<Float>? {
        if peeked == nil { peeked = try read(1) }
        return peeked
    }

    /// At most `count` images read from the source (nil when it is exhausted or `count` is 0).
    private func read(_ count: Int) throws -> Tensor<Float>? {
        try skipToShard()
        let wanted = min(count, limit - delivered)
        guard wanted > 0 else { return nil }
        let batch: Tensor<Float>?
        switch source {
        case .files: batch = try nextFromFiles(wanted)
        case let .synthetic(kind, count, c, h, w, _):
            batch = nextSynthetic(kind, min(wanted, count - delivered), c, h, w)
        case let .tensor(images):
            let start = tensorOffset + delivered
            batch = start < images.batch ? images.batchSlice(start..<min(images.batch, start + wanted)) : nil
        }
        if let batch { delivered += batch.batch }
        return batch
    }

    /// Reads past the images before this shard (whole files without decoding them where possible).
    private func skipToShard() throws {
        guard skip > 0 else { return }
        switch source {
        case .tensor:
            tensorOffset = skip
        case let .synthetic(kind, _, c, h, w, _):
            for _ in 0..<skip {
                _ = SyntheticImages.image(kind, channels: c, height: h, width: w, generator: &generator)
            }
        case .files:
            while skip > 0, let file = pendingFiles.first {
                let count = try InputLoader.imageCount(of: file)
                guard count <= skip else { break }
                pendingFiles.removeFirst()
                skip -= count
            }
            if skip > 0, let file = pendingFiles.first, file.pathExtension.lowercased() == "npy",
                (try? NpyFile.readShape(file))?.count == 4
            {
                pendingFiles.removeFirst()
                let array = try NpyImageReader(file)  // the shard starts inside one array: seek past its first images
                array.skip(skip)
                openArray = array
                filesRead.append(file.path)
            } else if skip > 0, let partial = try nextFromFiles(skip) {
                _ = partial  // the part of a CIFAR-10 batch before the shard
            }
        }
        skip = 0
    }

    private func nextSynthetic(
        _ kind: SyntheticImages.Kind, _ count: Int, _ c: Int, _ h: Int, _ w: Int
    ) -> Tensor<Float>? {
        guard count > 0 else { return nil }
        var scalars: [Float] = []
        scalars.reserveCapacity(count * c * h * w)
        for _ in 0..<count {
            scalars += SyntheticImages.image(kind, channels: c, height: h, width: w, generator: &generator)
        }
        return try? Tensor(shape: [count, c, h, w], scalars: scalars)
    }

    /// Fills the buffer from the next files until it holds `wanted` images (or the files run out), then cuts a batch.
    private func nextFromFiles(_ wanted: Int) throws -> Tensor<Float>? {
        var have = buffered
        while have < wanted, !pendingFiles.isEmpty || openArray != nil {
            var tensor: Tensor<Float>
            let file: URL
            if let array = openArray {
                file = array.url
                tensor = try InputLoader.checked(try array.read(wanted - have), file: file, channels: channels)
                if array.remaining == 0 { openArray = nil }
            } else {
                file = pendingFiles.removeFirst()
                if file.pathExtension.lowercased() == "npy", (try? NpyFile.readShape(file))?.count == 4 {
                    openArray = try NpyImageReader(file)
                    filesRead.append(file.path)
                    continue
                }
                let (loaded, conversion) = try InputLoader.loadOneNoting(file, channels: channels)
                tensor = loaded
                if let conversion { conversions[conversion, default: 0] += loaded.batch }
                filesRead.append(file.path)
            }
            if let size, (tensor.height, tensor.width) != size {
                resizedImages += tensor.batch
                resizedFrom.insert(Pair(tensor.height, tensor.width))
                tensor = Resampling.centreCropAndResize(tensor, height: size.0, width: size.1)
            }
            let shape = Array(tensor.shape.dropFirst())
            if let expected = imageShape, expected != shape {
                throw SpectraError.invalidFile(
                    file: file.path,
                    reason: "shape \(describeShape(shape)) differs from the first input's \(describeShape(expected)) "
                        + "(give a size to resize)")
            }
            imageShape = shape
            pieces.append(tensor)
            have += tensor.batch
        }
        guard have > 0 else { return nil }
        let joined = pieces.count == 1 ? pieces[0] : try Self.concatenate(pieces)
        let count = min(wanted, joined.batch)
        pieces = count < joined.batch ? [joined.batchSlice(count..<joined.batch)] : []
        return count < joined.batch ? joined.batchSlice(0..<count) : joined
    }

    /// Tensors of the same image shape joined along the batch axis (checked against the element cap).
    static func concatenate(_ parts: [Tensor<Float>]) throws -> Tensor<Float> {
        var shape = parts[0].shape
        shape[0] = parts.reduce(0) { $0 + $1.batch }
        try ResourceLimits.checkAllocation(shape, layer: "input images", what: "the images read together")
        var scalars: [Float] = []
        scalars.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        for part in parts { scalars += part.scalars }
        return try Tensor(shape: shape, scalars: scalars)
    }
}
