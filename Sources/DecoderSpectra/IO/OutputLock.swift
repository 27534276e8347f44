import Foundation

/// An exclusive lock on an output path, held for the whole run that writes it, so that two runs writing the same
/// `--out` cannot silently replace each other's results: the second one fails at once, naming the first one's pid.
///
/// The lock is `flock(2)` on a hidden file beside the output (`.<name>.lock`), which the kernel releases when the
/// process dies (even by SIGKILL). The file is removed on release; a stale one left by a killed run is simply
/// locked again by the next run. After locking, the file's inode is compared with the path's, so that a run never
/// holds a lock on a file another run has just removed.
public final class OutputLock {
    public let path: URL
    private let lockFile: String
    private var descriptor: Int32 = -1

    /// Locks `path`, creating its parent folder; throws naming `path` when another live run holds the lock.
    public init(for path: URL) throws {
        self.path = path.standardizedFileURL
        let parent = self.path.deletingLastPathComponent()
        do { try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true) } catch {
            throw SpectraError.invalidFile(file: self.path.path, reason: "cannot create its parent folder: \(error.localizedDescription)")
        }
        lockFile = parent.appendingPathComponent(".\(self.path.lastPathComponent).lock").path
        for _ in 0..<100 {
            let fd = open(lockFile, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw SpectraError.invalidFile(file: self.path.path, reason: "cannot create its lock file: \(String(cString: strerror(errno)))")
            }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 {
                let holder = OutputLock.readPid(fd)
                close(fd)
                throw SpectraError.invalidFile(
                    file: self.path.path,
                    reason: "another run\(holder.map { " (pid \($0))" } ?? "") is writing this output; wait for it to finish or choose another output")
            }
            var held = stat(), current = stat()
            if fstat(fd, &held) == 0, stat(lockFile, &current) == 0, held.st_ino == current.st_ino, held.st_dev == current.st_dev {
                descriptor = fd
                let text = "\(getpid())\n"
                _ = ftruncate(fd, 0)
                _ = text.withCString { pwrite(fd, $0, strlen($0), 0) }
                TemporaryPaths.shared.register(lockFile: lockFile)
                return
            }
            close(fd)  // the file was replaced between open and flock: try again with the new one
        }
        throw SpectraError.invalidFile(file: self.path.path, reason: "cannot lock the output (its lock file keeps changing)")
    }

    /// Releases the lock and removes the lock file (idempotent).
    public func release() {
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

/// Paths that must not outlive an interrupted run: staging folders and temporary files (removed) and lock files
/// (unlinked). After `installSignalHandlers()`, SIGINT, SIGTERM and SIGHUP are caught (with dispatch sources, so no
/// cleanup code runs in signal context): the registered paths are removed and the process exits with 128 + the
/// signal number, as a shell reports it.
/// SIGKILL cannot be caught; what it leaves is removed by the next run on the same output (`StagedDirectory`).
public final class TemporaryPaths: @unchecked Sendable {
    public static let shared = TemporaryPaths()

    private let lock = NSLock()
    private var folders: Set<String> = []
    private var lockFiles: Set<String> = []
    private var sources: [DispatchSourceSignal] = []
    /// Staging path → the output path it stands for, kept after the run so that error messages can name the latter.
    private var aliases: [String: String] = [:]

    public func register(folder: String, standingFor destination: String? = nil) {
        lock.lock()
        defer { lock.unlock() }
        folders.insert(folder)
        if let destination { aliases[folder] = destination }
    }

    public func unregister(folder: String) {
        lock.lock()
        folders.remove(folder)
        lock.unlock()
    }

    func register(lockFile: String) {
        lock.lock()
        defer { lock.unlock() }
        lockFiles.insert(lockFile)
    }

    func unregister(lockFile: String) {
        lock.lock()
        lockFiles.remove(lockFile)
        lock.unlock()
    }

    /// `message` with every staging path replaced by the output path it stands for (users never see staging names).
    public func publicMessage(_ message: String) -> String {
        lock.lock()
        defer { lock.unlock() }
        return aliases.sorted { $0.key.count > $1.key.count }.reduce(message) {
            $0.replacingOccurrences(of: $1.key, with: $1.value)
        }
    }

    /// Catches SIGINT, SIGTERM and SIGHUP from now on (idempotent). The command-line tool calls it at start; a
    /// library user whose process has its own signal handling need not (paths are then only removed on errors).
    public func installSignalHandlers() {
        lock.lock()
        defer { lock.unlock() }
        guard sources.isEmpty else { return }
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [weak self] in
                self?.removeAll()
                _exit(128 + signalNumber)
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Removes every registered folder and lock file (called on a fatal signal).
    func removeAll() {
        lock.lock()
        let (folders, lockFiles) = (self.folders, self.lockFiles)
        lock.unlock()
        for folder in folders { try? FileManager.default.removeItem(atPath: folder) }
        for file in lockFiles { unlink(file) }
    }
}
