import Foundation

/// Paths that must not outlive an interrupted run: staging folders and temporary files (removed) and lock files
/// (unlinked). After `installSignalHandlers()`, SIGINT, SIGTERM and SIGHUP are caught (with dispatch sources, so no
/// cleanup code runs in signal context): the registered paths are removed and the process exits with 128 + the
/// signal number, as a shell reports it.
/// SIGKILL cannot be caught; what it leaves is removed by the next run on the same output (`StagedDirectory`).
package final class TemporaryPaths: @unchecked Sendable {
    package static let shared = TemporaryPaths()

    private let lock = NSLock()
    private var folders: Set<String> = []
    private var lockFiles: Set<String> = []
    private var sources: [DispatchSourceSignal] = []
    /// Staging path → the output path it stands for, kept after the run so that error messages can name the latter.
    private var aliases: [String: String] = [:]

    package func register(folder: String, standingFor destination: String? = nil) {
        lock.lock()
        defer { lock.unlock() }
        folders.insert(folder)
        if let destination { aliases[folder] = destination }
    }

    package func unregister(folder: String) {
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
    package func publicMessage(_ message: String) -> String {
        lock.lock()
        defer { lock.unlock() }
        return aliases.sorted { $0.key.count > $1.key.count }.reduce(message) {
            $0.replacingOccurrences(of: $1.key, with: $1.value)
        }
    }

    /// Catches SIGINT, SIGTERM and SIGHUP from now on (idempotent). The command-line tool calls it at start; a
    /// library user whose process has its own signal handling need not (paths are then only removed on errors).
    package func installSignalHandlers() {
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
