import CSystemShims
import Foundation
import SpectraCore

/// An output folder that appears all at once: everything is written into a staging folder beside it
/// (`.<name>.partial-<pid>`), which replaces the destination only when `commit()` is called.
///
/// - The destination is locked for the whole run (`OutputLock`): a second run on the same output fails clearly.
/// - Replacement is one atomic exchange (`renameat2(RENAME_EXCHANGE)`): the destination never goes missing, and
///   a kill at any moment leaves either the old or the new folder in place.
/// - A failed run, an error, SIGINT, SIGTERM or SIGHUP removes the staging folder; staging folders of killed
///   runs (SIGKILL, crashes) are removed by the next run on the same output.
package final class StagedDirectory {
    package let destination: URL
    package let staging: URL
    private let outputLock: OutputLock
    private var committed = false

    /// Refuses a non-empty destination unless `force` is set (then it is replaced on commit).
    package init(_ destination: URL, force: Bool) throws {
        self.destination = destination.standardizedFileURL
        let fm = FileManager.default
        outputLock = try OutputLock(for: self.destination)
        let parent = self.destination.deletingLastPathComponent(), name = self.destination.lastPathComponent
        // Holding the lock, any other staging folder of this output belongs to a run that died: remove it.
        for entry in (try? fm.contentsOfDirectory(atPath: parent.path)) ?? []
        where entry.hasPrefix(".\(name).partial-") || entry.hasPrefix(".\(name).old-") {
            try? fm.removeItem(at: parent.appendingPathComponent(entry))
        }
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: self.destination.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw SpectraError.invalidFile(file: self.destination.path, reason: "exists and is not a folder")
            }
            let contents = (try? fm.contentsOfDirectory(atPath: self.destination.path)) ?? []
            if !contents.isEmpty && !force {
                throw SpectraError.outputExists(path: self.destination.path, reason: "output folder is not empty")
            }
        }
        staging = parent.appendingPathComponent(".\(name).partial-\(getpid())")
        try? fm.removeItem(at: staging)
        TemporaryPaths.shared.register(folder: staging.path, standingFor: self.destination.path)
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        } catch {
            throw SpectraError.invalidFile(
                file: self.destination.path, reason: "cannot create the output folder: \(error.localizedDescription)")
        }
    }

    /// A path inside the staging folder (folders are created as needed).
    package func url(_ relativePath: String) -> URL {
        let url = staging.appendingPathComponent(relativePath)
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        return url
    }

    /// Moves the staged folder into place: an atomic exchange with an existing destination (whose old content is
    /// then removed), or a rename when there is none.
    package func commit() throws {
        let fm = FileManager.default
        func fail(_ what: String) -> SpectraError {
            .invalidFile(file: destination.path, reason: "\(what): \(String(cString: strerror(errno)))")
        }
        if fm.fileExists(atPath: destination.path) {
            if ds_exchange_paths(staging.path, destination.path) != 0 {
                guard errno == EINVAL || errno == ENOSYS else { throw fail("cannot replace the output folder") }
                // A file system without RENAME_EXCHANGE: two renames, the shortest window this allows.
                let old = destination.deletingLastPathComponent().appendingPathComponent(
                    ".\(destination.lastPathComponent).old-\(getpid())")
                guard rename(destination.path, old.path) == 0 else { throw fail("cannot replace the output folder") }
                guard rename(staging.path, destination.path) == 0 else {
                    _ = rename(old.path, destination.path)
                    throw fail("cannot move the output into place")
                }
                try? fm.removeItem(at: old)
            } else {
                try? fm.removeItem(at: staging)  // now holds the previous content
            }
        } else if rename(staging.path, destination.path) != 0 {
            throw fail("cannot move the output into place")
        }
        committed = true
        TemporaryPaths.shared.unregister(folder: staging.path)
        outputLock.release()
    }

    deinit {
        if !committed { try? FileManager.default.removeItem(at: staging) }
        TemporaryPaths.shared.unregister(folder: staging.path)
        outputLock.release()
    }
}
