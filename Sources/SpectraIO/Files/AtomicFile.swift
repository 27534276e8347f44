import Foundation
import RealModule
import SpectraCore

/// Writes that never leave a partial file behind: the bytes go to a temporary file in the same folder, which is then
/// renamed over the destination (rename(2) is atomic within a file system).
package enum AtomicFile {
    package static func write(_ data: Data, to url: URL) throws {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(
            ".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        // An interrupted write (Ctrl-C, SIGTERM) removes its temporary file too.
        TemporaryPaths.shared.register(folder: temporary.path)
        defer { TemporaryPaths.shared.unregister(folder: temporary.path) }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try data.write(to: temporary)
            if rename(temporary.path, url.path) != 0 {
                throw SpectraError.invalidFile(
                    file: url.path, reason: "cannot rename temporary file: \(String(cString: strerror(errno)))")
            }
        } catch let error as SpectraError {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw SpectraError.invalidFile(file: url.path, reason: "cannot write: \(error.localizedDescription)")
        }
    }

    package static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }
}
