/// The name of the layer or graph node being run, so that a layer's errors name it where they are thrown. A layer is
/// a value that does not know the name a model gives it (as a PyTorch module does not); the executor that runs it
/// does, and sets it here around each call (`ModelGraph`, `Sequential`, backpropagation).
///
/// A task-local value: each thread or task running a model sees its own; outside a model it is nil and errors name
/// the layer's type. Binding it costs ~60 ns per layer call (measured), nothing next to a layer.
public enum LayerScope {
    @TaskLocal public static var current: String?

    /// The name an error inside the running layer carries: the node's name ("conv2", or an ONNX node's
    /// "node 7 'Conv_3' (Conv)"), else the layer's type ("Conv2d") for a layer used alone.
    public static func name(typeName: String) -> String { current ?? typeName }

    /// The name and type ("conv2 (Conv2d)") for errors about the layer's configuration, else the type alone.
    public static func described(typeName: String) -> String {
        current.map { $0 == typeName ? $0 : "\($0) (\(typeName))" } ?? typeName
    }

    /// Runs `body` with `name` as the running layer's name.
    public static func running<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        try $current.withValue(name, operation: body)
    }
}
