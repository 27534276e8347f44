import ArgumentParser
import DecoderSpectra

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Time the forward pass, FFTs and frequency propagation (not yet implemented).")

    func run() throws {
        Console.note("error: bench is not implemented yet")
        throw ExitCode.failure
    }
}
