import Foundation
import SpectraCore

/// An exclusive lock on an output path, held for the whole run that writes it, so that two runs writing the same
/// `--out` cannot silently replace each other's results: the second one fails at once, naming the first one's pid.
///
/// The lock is `flock(2)` on a hidden file beside the output (`.<name>.lock`), which the kernel releases when the
/// process dies (even by SIGKILL). The file is removed on release; a stale one left by a killed run is simply
/// locked again by the next run. After locking, the file's inode is compared with the path's, so that a run never
/// holds a lock on a file another run has just removed.
package final class OutputLock {
    package let path: URL
    private let lockFile: String
    private var descriptor: Int32 = -1

    /// Locks `path`, creating its parent folder; throws naming `path` when another live run holds the lock.
    package init(for path: URL) throws {
        self.path = path.standardizedFileURL
        let parent = self.path.deletingLastPathComponent()
        do { try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true) } catch {
            throw SpectraError.invalidFile(
                file: self.path.path, reason: "cannot create its parent folder: \(error.localizedDescription)")
        }
        lockFile = parent.appendingPathComponent(".\(self.path.lastPathComponent).lock").path
        for _ in 0..<100 {
            let fd = open(lockFile, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw SpectraError.invalidFile(
                    file: self.path.path, reason: "cannot create its lock file: \(String(cString: strerror(errno)))")
            }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let holder = OutputLock.readPid(fd)
                close(fd)
                throw SpectraError.invalidFile(
                    file: self.path.path,
                    reason:
                        "another run\(holder.map { " (pid \($0))" } ?? "") is writing this output; wait for it to finish or choose another output"
                )
            }
            var held = stat(), current = stat()
            if fstat(fd, &held) == 0, stat(lockFile, &current) == 0, held.st_ino == current.st_ino,
                held.st_dev == current.st_dev
            {
                descriptor = fd
                let text = "\(getpid())\n"
                _ = ftruncate(fd, 0)
                _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
                TemporaryPaths.shared.register(lockFile: lockFile)
                return
            }
            close(fd)  // the file was replaced between open and flock: try again with the new one
        }
        throw SpectraError.invalidFile(
            file: self.path.path, reason: "cannot lock the output (its lock file keeps changing)")
    }

    /// Releases the lock and removes the lock file (idempotent).
    package func release() {
        guard descriptor >= 0 else { return }
        TemporaryPaths.shared.unregister(lockFile: lockFile)
        unlink(lockFile)  // still locked: no other run can hold this inode now
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }

    private static func readPid(_ fd: Int32) -> Int? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = pread(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return nil }
        return Int(String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
