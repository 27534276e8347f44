import RealModule
import SpectraCore
import SpectraNetwork

/// The single-network experiments run on a user's model (`experiment fitness|depth|upsampling --model M`): the same
/// claims, measured on the stages of its analysis trace (every layer or ONNX node output that is a feature map).
enum UserModelExperiments {
    /// E1 on any model: exact rules hold to rounding; surrogate rules fit with sim > 0.8.
    static func fitness(
        _ model: ModelGraph, _ input: Tensor<Float>, context: ExperimentContext
    ) throws -> (rows: [ClaimRow], numbers: [String: JSONValue]) {
        let trace = try model.trace(input)
        let exact = trace.stages.filter { $0.verification.rule == .exact }
        let surrogate = trace.stages.filter { $0.verification.rule == .surrogate }
        var rows: [ClaimRow] = []
        if !exact.isEmpty {
            let worst = exact.compactMap(\.verification.relativeError).max() ?? 0
            rows.append(
                ClaimRow(
                    claim: "exact frequency rules hold", setting: "\(model.name), \(exact.count) stages, float32",
                    measured: "max rel. error \(format(worst))", predicted: "rounding only (<= 1e-5)",
                    holds: worst <= 1e-5))
        }
        if !surrogate.isEmpty {
            let sims = surrogate.compactMap(\.verification.similarity)
            rows.append(
                ClaimRow(
                    claim: "derived spectra fit the real ones strongly",
                    setting: "\(model.name), \(surrogate.count) surrogate stages",
                    measured: "sim \(format(sims.min() ?? .nan))…\(format(sims.max() ?? .nan))",
                    predicted: "> 0.8 at every stage", holds: sims.allSatisfy { $0 > 0.8 }))
        }
        let x = trace.stages.indices.map { Double($0 + 1) }
        try context.chart(
            ChartData(
                title: "sim(H*, H) per stage of \(model.name)", xLabel: "stage", yLabel: "sim", logY: false,
                series: [("sim", x, trace.stages.map { $0.verification.similarity ?? .nan })]), "fitness-user-model")
        return (rows, ["stages": stageNumbers(trace)])
    }

    /// E5 on any model: power at three normalised radii across stages, fitted in log scale.
    static func depth(
        _ model: ModelGraph, _ input: Tensor<Float>, context: ExperimentContext
    ) throws -> (rows: [ClaimRow], numbers: [String: JSONValue]) {
        let trace = try model.trace(input)
        let radii = [0.05, 0.25, 0.5]
        let table = trace.stages.map { stage -> [Double] in
            let profile = SpectrumStatistics.radialProfile(stage.spectrum)
            return radii.map { r in
                let p = SpectrumStatistics.power(atRadius: r, frequency: profile.frequency, power: profile.power)
                return Double.log(max(p.isFinite ? p : 0, 1e-300))
            }
        }
        let fits = radii.indices.map { DepthExperiment.fit(column: $0, of: table) }
        let x = table.indices.map { Double($0 + 1) }
        try context.chart(
            ChartData(
                title: "Power across depth of \(model.name)", xLabel: "stage", yLabel: "E|H|^2", logY: true,
                series: radii.indices.map { k in ("\(radii[k]) cyc/px", x, table.map { Double.exp($0[k]) }) }),
            "depth-user-model")
        let rows = [
            ClaimRow(
                claim: "log power is roughly linear in depth",
                setting: "\(model.name), radii 0.05, 0.25, 0.5 cycles/pixel",
                measured: "R² " + fits.map { format($0.rSquared) }.joined(separator: ", "),
                predicted: "linear (R² >= 0.9)",
                holds: fits.allSatisfy { $0.rSquared >= 0.9 }),
            ClaimRow(
                claim: "low frequencies gain on high ones with depth",
                setting: "\(model.name), 0.05 vs 0.5 cycles/pixel",
                measured: "slopes \(format(fits[0].slope)) vs \(format(fits[2].slope)) per stage",
                predicted: "slope(low) > slope(high)",
                holds: fits[0].slope > fits[2].slope),
        ]
        return (
            rows,
            [
                "log_power": .array(table.map(json)),
                "fits": .array(fits.map { json([$0.slope, $0.intercept, $0.rSquared]) }),
            ]
        )
    }

    /// E10 on any model: after every stage that enlarges the map, the grid contrast at multiples of the size before it.
    static func upsampling(
        _ model: ModelGraph, _ input: Tensor<Float>, context: ExperimentContext
    ) throws -> (rows: [ClaimRow], numbers: [String: JSONValue]) {
        let trace = try model.trace(input)
        let (names, contrasts) = gridContrasts(trace)
        guard !contrasts.isEmpty else {
            return (
                [
                    ClaimRow(
                        claim: "decoder spectra show bright peaks on the grid", setting: model.name,
                        measured: "no stage enlarges the feature map", predicted: "needs an upsampling model",
                        holds: nil)
                ], [:]
            )
        }
        try context.spectrumFigure(
            trace.stages.last!.spectrum, title: "\(model.name): output spectrum", name: "upsampling-user-model-output")
        return (
            [
                UpsamplingExperiment.gridRow(
                    contrasts,
                    setting: "\(model.name), \(contrasts.count) stages after upsampling, \(input.batch) inputs",
                    predicted: "> 1 at every stage (peaks at multiples of the pre-upsampling size)")
            ],
            [
                "stages": .array(names.map { .string($0) }),
                "grid_contrast_off_axes": json(contrasts.map { $0.offAxes ?? .nan }),
                "grid_contrast_on_axes": json(contrasts.map { $0.onAxes ?? .nan }),
            ]
        )
    }

    /// The grid contrast of every stage after the first enlargement of the feature map (from at least 2×2: a latent
    /// 1×1 "map" has no grid to repeat), with the size before the latest enlargement as the period.
    static func gridContrasts<S: TensorScalar>(
        _ trace: TracedRun<S>
    ) -> (names: [String], contrasts: [GridContrast]) {
        var previous = (trace.inputSpectrum.rows, trace.inputSpectrum.columns)
        var contrasts: [GridContrast] = [], names: [String] = []
        var lastPeriod: (Int, Int)?
        for stage in trace.stages {
            let size = (stage.spectrum.rows, stage.spectrum.columns)
            if previous.0 > 1 && previous.1 > 1 && size.0 > previous.0 && size.0 % previous.0 == 0
                && size.1 % previous.1 == 0
            {
                lastPeriod = previous
            }
            if let period = lastPeriod, period.0 < size.0 {
                contrasts.append(GridContrast(stage.spectrum, period: period))
                names.append(stage.name)
            }
            previous = size
        }
        return (names, contrasts)
    }

    private static func stageNumbers(_ trace: TracedRun<Float>) -> JSONValue {
        .array(
            trace.stages.map { s in
                .object([
                    "name": .string(s.name), "type": .string(s.type), "rule": .string(s.verification.rule.rawValue),
                    "relative_error": s.verification.relativeError.map(JSONValue.double) ?? .null,
                    "similarity": s.verification.similarity.map(JSONValue.double) ?? .null,
                ])
            })
    }
}
