import RealModule
import Foundation

/// Writes that never leave a partial file behind: the bytes go to a temporary file in the same folder, which is then
/// renamed over the destination (rename(2) is atomic within a file system).
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try data.write(to: temporary)
            if rename(temporary.path, url.path) != 0 {
                throw SpectraError.invalidFile(file: url.path, reason: "cannot rename temporary file: \(String(cString: strerror(errno)))")
            }
        } catch let error as SpectraError {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw SpectraError.invalidFile(file: url.path, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }
}

/// An output folder that appears all at once: everything is written into a staging folder beside it, which
/// replaces the destination only when `commit()` is called. A failed run leaves no partial folder.
public final class StagedDirectory {
    public let destination: URL
    public let staging: URL
    private var committed = false

    /// Refuses a non-empty destination unless `force` is set (then it is replaced on commit).
    public init(_ destination: URL, force: Bool) throws {
        self.destination = destination.standardizedFileURL
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: self.destination.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw SpectraError.invalidFile(file: self.destination.path, reason: "exists and is not a folder")
            }
            let contents = (try? fm.contentsOfDirectory(atPath: self.destination.path)) ?? []
            if !contents.isEmpty && !force {
                throw SpectraError.invalidFile(
                    file: self.destination.path, reason: "output folder is not empty (use --force to replace it)")
            }
        }
        staging = self.destination.deletingLastPathComponent()
            .appendingPathComponent(".\(self.destination.lastPathComponent).partial-\(getpid())")
        try? fm.removeItem(at: staging)
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        } catch {
            throw SpectraError.invalidFile(file: staging.path, reason: "cannot create folder: \(error.localizedDescription)")
        }
    }

    /// A path inside the staging folder (folders are created as needed).
    public func url(_ relativePath: String) -> URL {
        let url = staging.appendingPathComponent(relativePath)
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        return url
    }

    /// Moves the staged folder into place.
    public func commit() throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: destination.path) {
            let old = destination.deletingLastPathComponent()
                .appendingPathComponent(".\(destination.lastPathComponent).old-\(getpid())")
            try? fm.removeItem(at: old)
            guard rename(destination.path, old.path) == 0 else {
                throw SpectraError.invalidFile(file: destination.path, reason: "cannot replace: \(String(cString: strerror(errno)))")
            }
            try? fm.removeItem(at: old)
        }
        guard rename(staging.path, destination.path) == 0 else {
            throw SpectraError.invalidFile(file: destination.path, reason: "cannot move output into place: \(String(cString: strerror(errno)))")
        }
        committed = true
    }

    deinit {
        if !committed { try? FileManager.default.removeItem(at: staging) }
    }
}
