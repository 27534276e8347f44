import ComplexModule

/// E10 (Fig. 1b, Fig. 8; Theorem 4.4): upsampling repeats strong frequencies at multiples of the pre-upsampling size.
/// (i) a cascade of zero insertions: the tiling is exact and the strongest peaks sit on the grid; (ii) trained-style
/// up-convolution decoders (nearest or zero insertion, then conv, BN, ReLU): how bright the grid still is.
struct UpsamplingExperiment: Experiment {
    let name = "upsampling"
    let title = "E10: repeated spectral peaks after upsampling"
    let reference = "docs/theory.md §5 (Theorem 4.4, Eq. 11), §2.4, §8 E10, §9"

    let acceptsModel = true

    func run(_ context: ExperimentContext) throws -> (rows: [ClaimRow], numbers: [String: JSONValue]) {
        if let (model, input) = try context.userModelAndInput() { return try UserModelExperiments.upsampling(model, input, context: context) }
        var rows: [ClaimRow] = [], numbers: [String: JSONValue] = [:]
        // (i) Zero-insertion cascade.
        let cascade = try context.model("e10-zero-insertion")
        let input = try context.input(channels: 3, size: context.settings.size ?? 32)
        let m0 = input.height, n0 = input.width
        context.progress("running e10-zero-insertion")
        let g = FFT2D.forward(input.converted(to: Double.self))
        var tilingErrors: [Double] = [], peakFractions: [Double] = [], peakPositions: [JSONValue] = []
        var current = input.converted(to: Double.self)
        for (index, named) in cascade.layers.enumerated() {
            current = try named.layer.forward(current)
            let h = FFT2D.forward(current)
            var worst = 0.0, scale = 0.0
            for p in 0..<(h.batch * h.channels) {
                for u in 0..<h.rows {
                    for v in 0..<h.columns {
                        let expected = g.values[(p * m0 + u % m0) * n0 + v % n0]
                        worst = max(worst, (h.values[(p * h.rows + u) * h.columns + v] - expected).length)
                        scale = max(scale, expected.length)
                    }
                }
            }
            tilingErrors.append(worst / scale)
            let map = SpectrumStatistics.meanMagnitudeMap(h)
            let grid = Set(UpsamplingTheory.repeatPositions(originalRows: m0, originalColumns: n0, rows: h.rows, columns: h.columns)
                .map { $0.0 * h.columns + $0.1 })
            let top = map.indices.sorted { map[$0] > map[$1] }.prefix(grid.count)
            peakFractions.append(Double(top.filter { grid.contains($0) }.count) / Double(grid.count))
            peakPositions.append(.object([
                "detected": .array(top.map { .array([.int($0 / h.columns), .int($0 % h.columns)]) }),
                "predicted": .array(grid.sorted().map { .array([.int($0 / h.columns), .int($0 % h.columns)]) }),
            ]))
            try context.spectrumFigure(h, title: "ZERO INSERTION X\(1 << (index + 1))", name: "upsampling-zeros-\(index + 1)")
        }
        rows.append(ClaimRow(claim: "zero insertion tiles the spectrum exactly (Thm 4.4)", setting: "4 cascaded x2 zero insertions, float64",
                             measured: "max rel. error " + format(tilingErrors.max()!), predicted: "0 (rounding)",
                             holds: tilingErrors.max()! < 1e-10))
        rows.append(ClaimRow(claim: "the strongest components repeat at multiples of the input size",
                             setting: "top-k magnitudes, k = number of grid points",
                             measured: "fraction on the grid " + peakFractions.map(format).joined(separator: ", "),
                             predicted: "1 (DC is the strongest input component)", holds: peakFractions.allSatisfy { $0 == 1 }))
        numbers["zero_insertion"] = .object(["tiling_relative_error": json(tilingErrors), "top_peaks_on_grid": json(peakFractions),
                                             "peak_positions_per_layer": .array(peakPositions)])

        // (ii) Up-convolution decoders: grid brightness = mean |H| on the grid of multiples of the input size (DC
        // excluded) over mean |H| half a period away; > 1 means bright repeated peaks.
        for (label, model) in [("nearest", "e10-upconv-decoder"), ("zeros", "e10-upconv-decoder-zeros")] {
            context.progress("running \(model)")
            let decoder = try context.model(model)
            let x = try context.input(channels: decoder.inputChannels, size: context.settings.size.map { max(1, $0 / 4) } ?? 8)
            let outputs = try decoder.forwardCapturingAll(x)
            var contrasts: [Double] = []
            for index in NetworkComparison.blockEnds(decoder) {
                contrasts.append(Self.gridContrast(FFT2D.forward(outputs[index]), period: (x.height, x.width)))
            }
            let final = FFT2D.forward(outputs.last!)
            try context.spectrumFigure(final, title: "\(model) OUTPUT", name: "upsampling-\(label)-output")
            numbers["decoder_\(label)"] = .object(["model": .string(model), "grid_contrast_per_block": json(contrasts)])
            rows.append(ClaimRow(claim: "decoder spectra show bright peaks on the grid", setting: "\(model), blocks 1..\(contrasts.count)",
                                 measured: "grid contrast " + contrasts.map(format).joined(separator: ", "),
                                 predicted: "> 1 (peaks at multiples of the pre-upsampling size)", holds: contrasts.last! > 1))
        }
        return (rows, numbers)
    }

    /// Mean channel-averaged |H| at [a·P, b·Q] (not DC) over the mean at [a·P + P/2, b·Q + Q/2].
    static func gridContrast(_ spectrum: Spectrum<Float>, period: (Int, Int)) -> Double {
        let map = SpectrumStatistics.meanMagnitudeMap(spectrum)
        var on = 0.0, off = 0.0, count = 0
        for u in stride(from: 0, to: spectrum.rows, by: period.0) {
            for v in stride(from: 0, to: spectrum.columns, by: period.1) where u != 0 || v != 0 {
                on += map[u * spectrum.columns + v]
                off += map[((u + period.0 / 2) % spectrum.rows) * spectrum.columns + (v + period.1 / 2) % spectrum.columns]
                count += 1
            }
        }
        return count > 0 && off > 0 ? on / off : 0
    }
}
