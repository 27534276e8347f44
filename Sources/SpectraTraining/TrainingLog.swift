import SpectraCore

/// `training.json`, written by `train` at every checkpoint: the commands that ran the training (the first, then each
/// `--resume`), its configuration (data source included, `config.data`), the loss of every step, and the spectrum
/// snapshots of a fixed batch (`TrainingSnapshot`). `HTMLReport.training` renders it.
public struct TrainingLog: Codable, Sendable {
    public var model: String
    /// Every command that ran this training (nil in logs written before commands were recorded).
    public var commands: [String]?
    public var config: TrainingConfig
    public var losses: [Double]
    public var snapshots: [TrainingSnapshot]

    public init(
        model: String, commands: [String]?, config: TrainingConfig, losses: [Double], snapshots: [TrainingSnapshot]
    ) {
        (self.model, self.commands, self.config, self.losses, self.snapshots) = (
            model, commands, config, losses, snapshots
        )
    }

    /// The charts of a training run, from the same numbers as training.json: the loss per step, the relative
    /// reconstruction error per frequency band at each snapshot (E3's reading: low bands are learned first), and the
    /// output's p_low at each snapshot.
    public var charts: (loss: ChartData, bands: ChartData, pLow: ChartData) {
        let steps = losses.indices.map { Double($0 + 1) }
        let loss = ChartData(
            title: "Training loss (MSE) per step", xLabel: "step", yLabel: "loss", logY: true,
            series: [("loss", steps, losses)])
        let at = snapshots.map { Double($0.step) }
        let edges = TrainingSnapshot.bandEdges
        let bandNames = (0..<(edges.count - 1)).map { k in
            k == edges.count - 2 ? "radius ≥ \(edges[k])" : "radius \(edges[k])–\(edges[k + 1])"
        }
        let bands = ChartData(
            title: "Reconstruction error per frequency band (fixed batch)", xLabel: "step",
            yLabel: "‖H_out − H_in‖² / ‖H_in‖²", logY: true,
            series: bandNames.indices.map { k in
                (bandNames[k], at, snapshots.map { $0.bandErrors.count > k ? $0.bandErrors[k] : .nan })
            })
        let pLow = ChartData(
            title: "Output p_low at each snapshot", xLabel: "step", yLabel: "p_low", logY: false,
            series: [("p_low", at, snapshots.map(\.pLow))])
        return (loss, bands, pLow)
    }
}
