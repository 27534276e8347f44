import Foundation
import SpectraCore
import SpectraIO

/// T(u,v) of one convolution of a model, for users' own analysis in numpy (`decoder-spectra transfer`).
public enum TransferExport {
    /// Which spatial origin the phases of T refer to (docs/theory.md §1.4).
    public enum Anchor: String, CaseIterable, Sendable {
        /// The layer's own padding as the anchor: T relates the DFTs of the actual PyTorch input and output.
        case pytorch
        /// The paper's one-sided convention (anchor 0, docs/theory.md §1.4): T_paper = e^{+i2π(up/M+vp/N)} T_pytorch.
        case paper
    }

    /// T for the Conv2d / ConvTranspose2d layer (or ONNX Conv/ConvTranspose node) called `layer`, on an M×N grid:
    /// the layer's input size for Conv2d, its output size for ConvTranspose2d. Layout [M, N, D, C].
    public static func matrices(
        model: ModelGraph, layer name: String, rows: Int, columns: Int, anchor: Anchor
    ) throws -> TransferMatrices<Double> {
        guard rows > 0, columns > 0 else { throw SpectraError.invalidInput("the grid size must be positive") }
        let node = model.nodes[try model.nodeIndex(named: name)]
        guard let layer = try node.op.layer(in: model, inputRows: rows, columns: columns) else {
            throw SpectraError.invalidLayer(layer: node.label, reason: "is not a convolution with a transfer matrix")
        }
        // T holds complex128 values (four float32's worth each) for every (u, v, d, c).
        let (d, c) =
            layer is ConvTranspose2d
            ? (layer.parameters[0].tensor.shape[1], layer.parameters[0].tensor.shape[0])
            : (layer.parameters.first?.tensor.shape[0] ?? 1, layer.parameters.first?.tensor.shape[1] ?? 1)
        try ResourceLimits.checkAllocation(
            [rows, columns, d, c, 4], layer: name, what: "T(u,v) on this grid (complex128)")
        if let conv = layer as? Conv2d {
            let p = anchor == .pytorch ? (conv.padding.height, conv.padding.width) : (0, 0)
            return TransferMatrices<Double>.fromKernels(
                conv.weight, outputFirst: true, anchor: p, rows: rows, columns: columns, conjugate: true)
        }
        if let transposed = layer as? ConvTranspose2d {
            let p = anchor == .pytorch ? (transposed.padding.height, transposed.padding.width) : (0, 0)
            return TransferMatrices<Double>.fromKernels(
                transposed.weight, outputFirst: false, anchor: p, rows: rows, columns: columns,
                conjugate: false)
        }
        throw SpectraError.invalidLayer(
            layer: name, reason: "is a \(layer.typeName); T(u,v) exists for Conv2d and ConvTranspose2d")
    }

    /// Writes T as complex64 .npy, shape [M, N, D, C].
    public static func write(_ t: TransferMatrices<Double>, to url: URL) throws {
        try NpyFile.writeComplex64(t.values, shape: [t.rows, t.columns, t.outputs, t.inputs], to: url)
    }
}
