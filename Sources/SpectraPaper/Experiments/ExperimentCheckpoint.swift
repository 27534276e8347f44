import Foundation
import SpectraCore

/// The finished experiments of an `experiment all` run, kept beside its output folder (`.<name>.resume/`) so that a
/// long run (`--full` can take hours) that is killed continues where it stopped (`--resume`). An experiment is
/// restored only when it ran with the same settings; the folder is removed once the run's output is committed.
package struct ExperimentCheckpoint {
    package let folder: URL

    /// The checkpoint of the output folder `destination`.
    package init(for destination: URL) {
        let destination = destination.standardizedFileURL
        folder = destination.deletingLastPathComponent().appendingPathComponent(
            ".\(destination.lastPathComponent).resume")
    }

    /// The saved report of experiment `name` when it ran with `settings`; its files (results.json, figures) are copied
    /// into `staging` (the experiment's folder in the run being staged). nil when there is none or it differs.
    package func restore(_ name: String, settings: ExperimentSettings, into staging: URL) -> ExperimentReport? {
        let saved = folder.appendingPathComponent(name)
        guard let data = try? Data(contentsOf: saved.appendingPathComponent("results.json")),
            let report = try? JSONDecoder().decode(ExperimentReport.self, from: data),
            report.name == name, Self.sameSettings(report.settings, settings)
        else { return nil }
        let fm = FileManager.default
        try? fm.removeItem(at: staging)
        do {
            try fm.createDirectory(at: staging.deletingLastPathComponent(), withIntermediateDirectories: true)
            try fm.copyItem(at: saved, to: staging)
        } catch {
            return nil
        }
        return report
    }

    /// Keeps the staged files of a finished experiment: copied into a temporary folder, then renamed into place, so
    /// that a kill leaves either the whole experiment or none of it.
    package func save(_ name: String, from staging: URL) throws {
        let fm = FileManager.default
        let target = folder.appendingPathComponent(name)
        let temporary = folder.appendingPathComponent(".\(name).partial-\(getpid())")
        do {
            try fm.createDirectory(at: folder, withIntermediateDirectories: true)
            try? fm.removeItem(at: temporary)
            try fm.copyItem(at: staging, to: temporary)
            try? fm.removeItem(at: target)
            try fm.moveItem(at: temporary, to: target)
        } catch {
            try? fm.removeItem(at: temporary)
            throw SpectraError.invalidFile(
                file: folder.path,
                reason: "cannot keep the finished experiment '\(name)' for resuming: "
                    + error.localizedDescription)
        }
    }

    package func remove() { try? FileManager.default.removeItem(at: folder) }

    static func sameSettings(_ a: ExperimentSettings, _ b: ExperimentSettings) -> Bool {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(a)) == (try? encoder.encode(b))
    }
}
