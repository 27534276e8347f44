import DecoderSpectra
import Foundation
import SpectraONNX

/// Builds small ONNX graphs in memory for the hostile-input tests (attributes and shapes that no exporter would
/// write, but that a file can hold).
struct ONNXBuilder {
    var nodes: [Onnx_NodeProto] = []
    var initializers: [Onnx_TensorProto] = []
    var inputShape: [Int64] = [1, 1, 4, 4]
    var opset: Int64 = 17
    var output = "y"

    private static func attribute(
        _ name: String, _ type: Onnx_AttributeProto.AttributeType,
        _ set: (inout Onnx_AttributeProto) -> Void
    ) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name
        a.type = type
        set(&a)
        return a
    }

    static func attribute(_ name: String, ints: [Int64]) -> Onnx_AttributeProto {
        attribute(name, .ints) { $0.ints = ints }
    }
    static func attribute(_ name: String, int: Int64) -> Onnx_AttributeProto { attribute(name, .int) { $0.i = int } }
    static func attribute(_ name: String, string: String) -> Onnx_AttributeProto {
        attribute(name, .string) { $0.s = Data(string.utf8) }
    }

    mutating func node(
        _ op: String, _ inputs: [String], _ outputs: [String], _ attributes: [Onnx_AttributeProto] = [],
        name: String? = nil
    ) {
        var n = Onnx_NodeProto()
        n.opType = op
        n.input = inputs
        n.output = outputs
        n.attribute = attributes
        n.name = name ?? "\(op)_\(nodes.count)"
        nodes.append(n)
    }

    /// Adds an initializer of element type `dataType` (1 float, 7 int64), filled in by `set`.
    private mutating func initializer(
        _ name: String, shape: [Int64], dataType: Int32, _ set: (inout Onnx_TensorProto) -> Void
    ) {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = shape
        t.dataType = dataType
        set(&t)
        initializers.append(t)
    }

    mutating func floats(_ name: String, shape: [Int64], values: [Float]) {
        initializer(name, shape: shape, dataType: 1) { $0.floatData = values }
    }

    mutating func int64s(_ name: String, shape: [Int64], values: [Int64]) {
        initializer(name, shape: shape, dataType: 7) { $0.int64Data = values }
    }

    /// A float tensor stored as external data at `location` (offset and length as given).
    mutating func external(
        _ name: String, shape: [Int64], location: String, offset: String? = nil, length: String? = nil
    ) {
        var entries = [("location", location)]
        if let offset { entries.append(("offset", offset)) }
        if let length { entries.append(("length", length)) }
        initializer(name, shape: shape, dataType: 1) { t in
            t.dataLocation = .external
            t.externalData = entries.map { key, value in
                var e = Onnx_StringStringEntryProto()
                e.key = key
                e.value = value
                return e
            }
        }
    }

    var model: Onnx_ModelProto {
        var graph = Onnx_GraphProto()
        graph.name = "hostile"
        graph.node = nodes
        graph.initializer = initializers
        var input = Onnx_ValueInfoProto()
        input.name = "x"
        var type = Onnx_TypeProto()
        var tensorType = Onnx_TypeProto.Tensor()
        tensorType.elemType = 1
        var shape = Onnx_TensorShapeProto()
        shape.dim = inputShape.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            dim.dimValue = d
            return dim
        }
        tensorType.shape = shape
        type.tensorType = tensorType
        input.type = type
        graph.input = [input]
        var out = Onnx_ValueInfoProto()
        out.name = output
        graph.output = [out]
        var model = Onnx_ModelProto()
        model.graph = graph
        var opsetID = Onnx_OperatorSetIdProto()
        opsetID.version = opset
        model.opsetImport = [opsetID]
        return model
    }

    /// Writes the model into `folder` as `name` and returns its URL.
    func write(to folder: URL, name: String = "model.onnx") throws -> URL {
        let url = folder.appendingPathComponent(name)
        try model.serializedData().write(to: url)
        return url
    }
}
