import Foundation
import SpectraAnalysis
import SpectraCore
import SpectraIO
import SpectraTraining

extension HTMLReport {
    /// The page of a `train` run whose files are in `folder`: configuration and data source, the loss curve, the
    /// error per frequency band and p_low over the snapshots (charts from the numbers of training.json), and the
    /// spectrum snapshots (at most 12, evenly spaced, first and last included).
    public static func training(_ log: TrainingLog, folder: URL) -> String {
        var body = "<h1>DecoderSpectra training: \(HTML.escape(log.model))</h1>"
        let c = log.config
        let commands = log.commands ?? []
        body +=
            "<p class=\"meta\">decoder-spectra \(DecoderSpectraVersion.current)<br>"
            + commands.map { "command: <code>\(HTML.escape($0))</code>" }.joined(separator: "<br>")
            + "<br>data: \(HTML.escape(c.data?.description ?? "not recorded"))"
            + (c.images.map { ", \($0) images" } ?? "")
            + (c.size.map { " of \($0)×\($0)" } ?? "")
            + "<br>\(c.optimizer.rawValue), learning rate \(c.learningRate), batch \(c.batchSize), seed \(c.seed), "
            + "\(log.losses.count) of \(c.steps) steps</p>"
        if let first = log.losses.first, let last = log.losses.last {
            body += "<p>Loss \(format(first)) → \(format(last)).</p>"
        }
        let charts = log.charts
        body += "<h2>Charts</h2>" + charts.loss.svg + charts.bands.svg + charts.pLow.svg
        body +=
            "<p>Band errors compare the spectra of the reconstruction and the input of a fixed batch (the first 8 "
            + "training images) in bands of normalised radius; the paper's learning-order claim (docs/theory.md §8, E3) "
            + "is that the low bands fall first.</p>"
        body += "<h2>Spectrum snapshots</h2><div class=\"figures\">"
        let shown = evenlySpaced(log.snapshots.indices.map { $0 }, count: 12)
        for index in shown {
            let snapshot = log.snapshots[index]
            guard let figure = snapshot.figure,
                let url = try? SafePath.resolve(figure, inside: folder, what: "snapshot"),
                let image = HTML.embeddedImage(url, alt: "step \(snapshot.step)")
            else { continue }
            body +=
                "<figure>\(image)<figcaption>step \(snapshot.step), p_low \(format(snapshot.pLow))</figcaption></figure>"
        }
        body += "</div>"
        return HTML.page(title: "DecoderSpectra training: \(log.model)", body: body)
    }

    /// At most `count` of `items`, evenly spaced, the first and the last included.
    static func evenlySpaced<T>(_ items: [T], count: Int) -> [T] {
        guard items.count > count, count > 1 else { return items }
        return (0..<count).map { items[Int((Double($0) * Double(items.count - 1) / Double(count - 1)).rounded())] }
    }
}
