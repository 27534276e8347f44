import Foundation
import SpectraCore

/// The nodes of an imported graph that compute from the input's shape only (torch's shape arithmetic: Shape, then
/// Gather, Concat, Cast, Unsqueeze, … feeding a Reshape or a Pad), and their values cached per input shape, so that this
/// arithmetic runs once per input shape rather than once per batch. What does not depend on the input at all is
/// folded into constants at import already (`ModelGraph(onnx:)`).
final class ShapeSubgraphCache: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [String: Any] = [:]
    private var shapes = Set<[Int]>()

    /// Values of `node` for an input of `shape` in precision `S`, computed by `compute` the first time.
    func outputs<S: TensorScalar>(
        of node: GraphNode, inputShape shape: [Int], _ compute: () throws -> [TensorValue<S>]
    ) rethrows
        -> [TensorValue<S>]
    {
        let key = "\(S.precisionName)|\(shape)|\(node.index)"
        lock.lock()
        if let cached = values[key] as? [TensorValue<S>] {
            lock.unlock()
            return cached
        }
        lock.unlock()
        let computed = try compute()
        lock.lock()
        if shapes.count >= 32 && !shapes.contains(shape) {
            values.removeAll()
            shapes.removeAll()
        }  // bounded
        shapes.insert(shape)
        values[key] = computed
        lock.unlock()
        return computed
    }
}

extension ModelGraph {
    /// Indices of the nodes whose outputs depend on the input's shape only: Shape and Size nodes, and nodes all of whose
    /// inputs are constants or such outputs.
    static func shapeOnlyNodes(_ nodes: [GraphNode], constants: Set<String>) -> Set<Int> {
        var shapeValues = Set<String>(), result = Set<Int>()
        for node in nodes {
            let reads = node.inputs.filter { !$0.isEmpty }
            let onlyShapes = node.op.readsShapeOnly
            guard
                onlyShapes
                    || (!reads.isEmpty && reads.allSatisfy({ constants.contains($0) || shapeValues.contains($0) })
                        && reads.contains(where: shapeValues.contains))
            else { continue }
            result.insert(node.index)
            shapeValues.formUnion(node.outputs.filter { !$0.isEmpty })
        }
        return result
    }

    /// The names of the nodes computed once per input shape (shape arithmetic), in graph order.
    public var shapeSubgraph: [String] { nodes.filter { shapeOnly.contains($0.index) }.map(\.name) }

    /// Runs `node` on `inputs`, from the cache when it computes from the input's shape only.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    func outputs<S: TensorScalar>(
        of node: GraphNode, inputs: [TensorValue<S>?], context: GraphContext<S>, inputShape: [Int]
    ) throws
        -> [TensorValue<S>]
    {
        let run = { try LayerScope.running(node.label) { try node.op.forward(inputs, context: context) } }
        return shapeOnly.contains(node.index)
            ? try shapeCache.outputs(of: node, inputShape: inputShape, run) : try run()
    }
}
