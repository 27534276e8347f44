import ArgumentParser
import DecoderSpectra
import Foundation

struct TransferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transfer",
        abstract: "Write T(u,v) of one convolution as complex64 .npy [M, N, D, C] (Theorem 3.2).",
        discussion: """
            For a Conv2d the grid is the layer's input size; for a ConvTranspose2d its output size. With --anchor pytorch \
            (default) T maps the DFT of the actual input to that of the output, padding included; --anchor paper uses the \
            paper's one-sided convention (a phase change only, docs/theory.md §1.4).

            Examples:
              decoder-spectra transfer --model e4-zeros --layer conv1 --size 64x64 --out T.npy
              decoder-spectra transfer --model decoder.onnx --layer /conv1/Conv --size 32x32 --out T.npy --anchor paper
            """)

    @Option(help: "Built-in model name, model JSON file or .onnx file.")
    var model: String

    @Option(help: "Seed of built-in weights.")
    var seed: UInt64 = 0

    @Option(help: "Layer name (ONNX: node or output name).")
    var layer: String

    @Option(help: "Grid size HxW.")
    var size: String

    @Option(help: "Output .npy file.")
    var out: String

    @Option(help: "Phase convention: pytorch or paper.")
    var anchor: String = TransferExport.Anchor.pytorch.rawValue

    @Flag(help: "Print the written path and shape as JSON.")
    var json = false

    @OptionGroup var style: OutputStyle

    func validate() throws {
        guard parseSize(size) != nil else { throw ValidationError("--size must look like 64x64 (or 64)") }
        guard TransferExport.Anchor(rawValue: anchor) != nil else {
            throw ValidationError("--anchor must be pytorch or paper")
        }
    }

    func run() throws {
        try Console.run(style) {
            let (rows, columns) = parseSize(size)!
            let t = try TransferExport.matrices(
                model: try ModelGraph.load(model, seed: seed), layer: layer, rows: rows, columns: columns,
                anchor: TransferExport.Anchor(rawValue: anchor)!)
            let url = URL(fileURLWithPath: out)
            try TransferExport.write(t, to: url)
            let shape = [t.rows, t.columns, t.outputs, t.inputs]
            if json {
                struct Written: Encodable {
                    let transfer: String
                    let shape: [Int]
                }
                try Console.printJSON(Written(transfer: url.path, shape: shape))
            } else {
                print("wrote \(url.path): complex64 \(describeShape(shape)) [M, N, D, C]")
            }
        }
    }
}
