import Foundation
import SpectraCore

/// Where images come from: a built-in generator (`SyntheticImages`) or a file or folder in one of `InputLoader`'s
/// formats. Written as one string everywhere — the generator's name or the path — as `--data` takes it, so settings,
/// checkpoints and results keep their JSON.
public enum DataSource: Codable, Sendable, Equatable, CustomStringConvertible {
    case builtIn(SyntheticImages.Kind)
    case path(String)

    /// A generator's name, or else a path.
    public init(_ text: String) {
        self = SyntheticImages.Kind(rawValue: text).map(DataSource.builtIn) ?? .path(text)
    }

    public var description: String {
        switch self {
        case let .builtIn(kind): return kind.rawValue
        case let .path(path): return path
        }
    }

    /// The same source with a path made absolute (what checkpoints record, so that `--resume` finds it from anywhere).
    public var resolved: DataSource {
        guard case let .path(path) = self else { return self }
        return .path(URL(fileURLWithPath: path).standardizedFileURL.path)
    }

    /// `count` images of `channels` × `height` × `width`: generated from `seed`, or read from the files (centre-cropped
    /// and resized, at most `count`).
    public func load(count: Int, channels: Int, height: Int, width: Int, seed: UInt64) throws -> Tensor<Float> {
        switch self {
        case let .builtIn(kind):
            return try SyntheticImages.checkedGenerate(
                kind, count: count, channels: channels, height: height, width: width, seed: seed)
        case let .path(path):
            return try InputLoader.load(path, channels: channels, size: (height, width), limit: count).tensor
        }
    }

    public init(from decoder: Decoder) throws { self.init(try decoder.singleValueContainer().decode(String.self)) }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
