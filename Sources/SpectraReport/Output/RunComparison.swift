import Foundation
import RealModule
import SpectraAnalysis
import SpectraCore
import SpectraIO
import SpectraNetwork

/// Two analysis runs side by side (`decoder-spectra compare A B`): two models, two checkpoints or two datasets, each
/// analysed first. Layers are matched by name, and by position where no name matches; per matched layer the p_low of
/// both, the mean dB difference of their radial profiles, and, where both runs saved power maps of the same shape,
/// the dB difference map 10 log10(P_B / P_A). A run without layers (the analysis of a dataset on its own) is compared
/// through its input spectrum with the other run's last layer: data against a model's outputs.
public struct RunComparison: Codable, Sendable {
    /// One layer matched in both runs and how its spectra differ (dB of B over A).
    public struct LayerDifference: Codable, Sendable {
        public var name: String
        public var indexA: Int
        public var indexB: Int
        public var pLowA: Double
        public var pLowB: Double
        /// Mean over the radial bins that both runs have (same radius, both > 0) of 10 log10(P_B / P_A).
        public var radialDifferenceDB: Double?
        /// Of the power-map difference 10 log10(P_B / P_A): the largest magnitude and the root mean square.
        public var mapMaxAbsDB: Double?
        public var mapRMSDB: Double?
        /// The difference map's figure (PNG; an SVG beside it).
        public var figure: String?

        enum CodingKeys: String, CodingKey {
            case name, figure
            case indexA = "index_a", indexB = "index_b", pLowA = "p_low_a", pLowB = "p_low_b"
            case radialDifferenceDB = "radial_difference_db", mapMaxAbsDB = "map_max_abs_db", mapRMSDB = "map_rms_db"
        }
    }

    public var schema = "decoder-spectra-compare/1"
    public var a: String
    public var b: String
    public var modelA: String
    public var modelB: String
    public var layers: [LayerDifference]
    public var unmatchedA: [String]
    public var unmatchedB: [String]

    enum CodingKeys: String, CodingKey {
        case schema, a, b, layers
        case modelA = "model_a", modelB = "model_b", unmatchedA = "unmatched_a", unmatchedB = "unmatched_b"
    }

    /// Compares the analysis folders `a` and `b` (each with its summary.json); writes the difference figures and the
    /// overlaid charts into `folder` when given.
    /// `names` (what the user typed for each side) replaces the folder paths in the result when given.
    package static func compare(
        _ a: URL, _ b: URL, into folder: StagedDirectory? = nil, names: (String, String)? = nil
    ) throws -> RunComparison {
        var (summaryA, summaryB) = (try summary(a), try summary(b))
        var result = RunComparison(
            a: names?.0 ?? a.path, b: names?.1 ?? b.path, modelA: summaryA.model.name, modelB: summaryB.model.name,
            layers: [], unmatchedA: [], unmatchedB: [])
        let datasetSide = summaryA.layers.isEmpty || summaryB.layers.isEmpty
        for index in [0, 1] {
            let summary = index == 0 ? summaryA : summaryB
            guard summary.layers.isEmpty else { continue }
            // A dataset alone: its input stands for its output.
            let input = summary.input
            let images = AnalysisSummary.LayerInfo(
                index: 0, name: "images", type: "input", outputShape: input.shape, pLow: input.pLow,
                radialSpectrum: input.radialSpectrum,
                verification: LayerVerification(rule: .unavailable, detail: "the images themselves"))
            var withImages = summary
            withImages.layers = [images]
            withImages.layers[0].powerFile = input.powerFile
            if index == 0 { summaryA = withImages } else { summaryB = withImages }
        }
        let pairs =
            datasetSide
            ? [(summaryA.layers.count - 1, summaryB.layers.count - 1)]
            : match(summaryA.layers.map(\.name), summaryB.layers.map(\.name))
        for (i, j) in pairs {
            let (x, y) = (summaryA.layers[i], summaryB.layers[j])
            var difference = LayerDifference(
                name: x.name == y.name ? x.name : "\(x.name) / \(y.name)", indexA: x.index, indexB: y.index,
                pLowA: x.pLow, pLowB: y.pLow)
            difference.radialDifferenceDB = radialDifference(x.radialSpectrum, y.radialSpectrum)
            if let mapA = try power(x.powerFile, in: a), let mapB = try power(y.powerFile, in: b),
                mapA.shape == mapB.shape,
                mapA.shape.count == 2
            {
                let decibels = zip(mapA.values, mapB.values).map { p, q in
                    p > 0 && q > 0 ? 10 * Double.log10(q / p) : .nan
                }
                let finite = decibels.filter(\.isFinite)
                difference.mapMaxAbsDB = finite.map(abs).max()
                difference.mapRMSDB =
                    finite.isEmpty ? nil : (finite.map { $0 * $0 }.reduce(0, +) / Double(finite.count)).squareRoot()
                if let folder {
                    let stem = String(format: "%02d-", result.layers.count + 1) + SafePath.fileName(difference.name)
                    difference.figure = "figures/\(stem).difference.png"
                    try SpectrumFigure.differenceMap(
                        decibels: decibels, rows: mapA.shape[0], columns: mapA.shape[1],
                        title: "\(DisplayName.short(difference.name, maxLength: 48)): power B − A (dB)"
                    )
                    .write(base: folder.url("figures/\(stem).difference"))
                }
            }
            result.layers.append(difference)
        }
        result.unmatchedA = summaryA.layers.indices.filter { i in !pairs.contains { $0.0 == i } }.map {
            summaryA.layers[$0].name
        }
        result.unmatchedB = summaryB.layers.indices.filter { j in !pairs.contains { $0.1 == j } }.map {
            summaryB.layers[$0].name
        }
        if let folder, let last = pairs.last {
            let (x, y) = (summaryA.layers[last.0], summaryB.layers[last.1])
            let radial = ChartData(
                title: "Radial power of \(x.name): A against B", xLabel: "radius (cycles/pixel)",
                yLabel: "power per pixel, E|H|²/MN", logY: true,
                series: [
                    ("A: \(summaryA.model.name)", x.radialSpectrum.frequency, x.radialSpectrum.power),
                    ("B: \(summaryB.model.name)", y.radialSpectrum.frequency, y.radialSpectrum.power),
                ])
            try radial.write(base: folder.url("figures/radial-last-layer"))
            let order = result.layers.indices.map { Double($0 + 1) }
            let pLow = ChartData(
                title: "p_low per matched layer", xLabel: "matched layer", yLabel: "p_low", logY: false,
                series: [("A", order, result.layers.map(\.pLowA)), ("B", order, result.layers.map(\.pLowB))])
            try pLow.write(base: folder.url("figures/p-low"))
        }
        return result
    }

    /// The output shape [B, C, M, N] of a run's last layer (its input for a run without layers).
    public static func outputShape(of folder: URL) throws -> [Int] {
        let run = try summary(folder)
        let shape = run.layers.last?.outputShape ?? run.input.shape
        guard shape.count == 4 else {
            throw SpectraError.invalidFile(
                file: folder.path, reason: "the last layer's output \(describeShape(shape)) is not a batch of images")
        }
        return shape
    }

    /// Index pairs: equal names first (in order), then the remaining layers by position.
    static func match(_ a: [String], _ b: [String]) -> [(Int, Int)] {
        var pairs: [(Int, Int)] = [], usedB = Set<Int>()
        for (i, name) in a.enumerated() {
            if let j = b.indices.first(where: { b[$0] == name && !usedB.contains($0) }) {
                pairs.append((i, j))
                usedB.insert(j)
            }
        }
        let restA = a.indices.filter { i in !pairs.contains { $0.0 == i } }
        let restB = b.indices.filter { !usedB.contains($0) }
        pairs += zip(restA, restB).map { ($0, $1) }
        return pairs.sorted { $0.0 < $1.0 }
    }

    static func radialDifference(_ a: AnalysisSummary.RadialSpectrum, _ b: AnalysisSummary.RadialSpectrum) -> Double? {
        var sum = 0.0, count = 0
        for (i, f) in a.frequency.enumerated() where i < a.power.count {
            guard let j = b.frequency.firstIndex(where: { abs($0 - f) < 1e-12 }), j < b.power.count, a.power[i] > 0,
                b.power[j] > 0
            else { continue }
            sum += 10 * Double.log10(b.power[j] / a.power[i])
            count += 1
        }
        return count > 0 ? sum / Double(count) : nil
    }

    private static func summary(_ folder: URL) throws -> AnalysisSummary {
        let url = folder.appendingPathComponent("summary.json")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw SpectraError.invalidFile(
                file: folder.path, reason: "no summary.json: not the output folder of demo or analyze")
        }
        do { return try JSONDecoder().decode(AnalysisSummary.self, from: Data(contentsOf: url)) } catch {
            throw SpectraError.invalidFile(file: url.path, reason: "cannot read the run's summary: \(error)")
        }
    }

    /// A run's power map (float64 [M, N]), read only from inside its folder.
    private static func power(_ relative: String?, in folder: URL) throws -> (shape: [Int], values: [Double])? {
        guard let relative else { return nil }
        let url = try SafePath.resolve(relative, inside: folder, what: "power map")
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let array = try NpyFile.read(url)
        return (array.shape, try array.realValues(file: url.path))
    }
}
