import Foundation
import SpectraCore

/// The partial result of `analyze --shard i/n`: the accumulators of one contiguous slice of the inputs and what the
/// merged run needs to describe itself. `merge` combines the n shards, in order, into exactly the outputs of one run.
public struct AnalysisShard: Codable, Sendable {
    public var format = "decoder-spectra-shard"
    public var version = 1
    public var index: Int
    public var count: Int
    public var source: String
    public var files: [String]?
    public var precision: String
    public var seed: UInt64?
    public var analysis: AnalysisAccumulator

    public static let fileName = "shard.json"

    public init(
        index: Int, count: Int, source: String, files: [String]?, precision: String, seed: UInt64?,
        analysis: AnalysisAccumulator
    ) {
        (self.index, self.count, self.source, self.files, self.precision, self.seed, self.analysis) =
            (index, count, source, files, precision, seed, analysis)
    }

    /// Reads shard.json from a folder written by `analyze --shard`.
    ///
    /// - Throws: `SpectraError.invalidFile` naming the file when it is missing, unreadable or of another format version.
    public static func read(_ folder: URL) throws -> AnalysisShard {
        let url = folder.appendingPathComponent(fileName)
        do {
            let decoder = JSONDecoder()  // non-finite sums are written as strings (JSONFormatting)
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(
                positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
            let shard = try decoder.decode(AnalysisShard.self, from: Data(contentsOf: url))
            guard shard.format == "decoder-spectra-shard", shard.version == 1, shard.index >= 1,
                shard.index <= shard.count
            else {
                throw SpectraError.invalidFile(file: url.path, reason: "not a shard of version 1")
            }
            return shard
        } catch let error as SpectraError {
            throw error
        } catch {
            throw SpectraError.invalidFile(file: url.path, reason: "cannot read the shard: \(error)")
        }
    }

    /// The shards of one run merged in order; throws unless they are the n shards of one model, source and precision.
    public static func merge(_ shards: [AnalysisShard]) throws -> (analysis: AnalysisAccumulator, files: [String]?) {
        guard let first = shards.first else { throw SpectraError.invalidInput("no shards to merge") }
        let ordered = shards.sorted { $0.index < $1.index }
        guard ordered.map(\.index) == Array(1...first.count), ordered.allSatisfy({ $0.count == first.count }) else {
            throw SpectraError.invalidInput(
                "expected shards 1 to \(first.count) of one run, got \(shards.map { "\($0.index)/\($0.count)" })")
        }
        guard
            ordered.allSatisfy({ $0.source == first.source && $0.precision == first.precision && $0.seed == first.seed }
            )
        else {
            throw SpectraError.invalidInput("the shards come from different inputs, precisions or seeds")
        }
        var analysis = ordered[0].analysis
        for shard in ordered.dropFirst() { try analysis.merge(shard.analysis) }
        let files = ordered.allSatisfy({ $0.files != nil }) ? ordered.flatMap { $0.files! } : nil
        return (analysis, files)
    }
}
