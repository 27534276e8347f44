import Foundation
import SpectraCore

/// The folder rules for names and paths that come from files (model, layer and node names; ONNX external-data
/// locations; weight folders; figure paths in summary.json):
/// - a name becomes a file name only through `fileName(_:)`, which keeps it inside the folder it is written to;
/// - a relative path read from a file is opened only through `resolve(_:inside:what:)`, which refuses absolute paths,
///   `..` and symbolic links that lead out of the folder (as onnxruntime does for external data).
package enum SafePath {
    /// The longest file-name stem produced (bytes); file systems allow 255 and suffixes are added after it.
    package static let maximumStemLength = 120

    /// A file-name stem for `name` that stays in its folder: letters, digits, `-`, `_` and `.` are kept, every other
    /// byte is written as `%XX` (so different names never collide), a leading dot is encoded (no hidden files, no
    /// `..`), and names longer than `maximumStemLength` are cut and given a hash of the whole name.
    package static func fileName(_ name: String) -> String {
        var stem = ""
        for (index, byte) in name.utf8.enumerated() {
            let c = Character(Unicode.Scalar(byte))
            let plain = (byte < 0x80 && (c.isLetter || c.isNumber)) || c == "-" || c == "_" || (c == "." && index > 0)
            stem += plain ? String(c) : String(format: "%%%02X", byte)
        }
        if stem.isEmpty { return "_" }
        guard stem.utf8.count > maximumStemLength else { return stem }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a of the full name
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(stem.prefix(maximumStemLength - 17)) + "~" + String(hash, radix: 16)
    }

    /// `relative` inside `folder`, or an error naming `what` and the offending path (never a file outside the folder).
    package static func resolve(_ relative: String, inside folder: URL, what: String) throws -> URL {
        func refuse(_ reason: String) -> SpectraError {
            .invalidFile(file: relative, reason: "\(what) \(reason); only files inside \(folder.path) are read")
        }
        guard !relative.isEmpty, !relative.contains("\0") else { throw refuse("is an empty or invalid path") }
        guard !relative.hasPrefix("/") && !relative.hasPrefix("~") else { throw refuse("is an absolute path") }
        let components = relative.split(separator: "/", omittingEmptySubsequences: true)
        guard !components.contains("..") else { throw refuse("leads out of its folder ('..')") }
        let root = canonical(folder)
        let candidate = root.appendingPathComponent(relative)
        // Symbolic links are followed (a weights folder may be a link inside the model's folder), then checked.
        let resolved = canonical(candidate)
        guard resolved.path == root.path || resolved.path.hasPrefix(root.path == "/" ? "/" : root.path + "/") else {
            throw refuse("is a symbolic link that leads out of its folder")
        }
        return resolved
    }

    /// The path with every symbolic link resolved (the parts that exist), standardised.
    static func canonical(_ url: URL) -> URL {
        let path = url.standardizedFileURL.path
        if let real = realpath(path, nil) {
            defer { free(real) }
            return URL(fileURLWithPath: String(cString: real))
        }
        // A path that does not exist (yet): resolve its folder, keep the last component.
        let parent = url.standardizedFileURL.deletingLastPathComponent()
        guard parent.path != path else { return url.standardizedFileURL }
        return canonical(parent).appendingPathComponent(url.lastPathComponent)
    }
}
