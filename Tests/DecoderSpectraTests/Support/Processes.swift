import Foundation

/// The result of running a program to completion.
struct ProcessResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs a program with arguments and returns its status and output (both pipes drained concurrently).
func runProcess(_ executable: URL, _ arguments: [String], currentDirectory: URL? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let currentDirectory { process.currentDirectoryURL = currentDirectory }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // stdout is drained on another thread into a box that the group's wait hands back (no shared mutable variable).
    final class Box: @unchecked Sendable { var data = Data() }
    let stdoutBox = Box()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        stdoutBox.data = out.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let stderrData = err.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return ProcessResult(
        status: process.terminationStatus, stdout: String(decoding: stdoutBox.data, as: UTF8.self),
        stderr: String(decoding: stderrData, as: UTF8.self))
}

/// The `decoder-spectra` executable built beside the test bundle (SwiftPM builds it with the tests).
let cliExecutable = Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("decoder-spectra")

/// Chromium, when installed (make test installs it with apt where it can).
let chromiumExecutable: URL? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }.map { URL(fileURLWithPath: $0) }
