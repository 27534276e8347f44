import RealModule

/// Every error the library throws. Each case names what is wrong and where (file, layer, shape), so that the CLI
/// can print it as it is and exit non-zero.
public enum SpectraError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A tensor reached a layer with the wrong shape.
    case shapeMismatch(layer: String, expected: String, got: [Int])
    /// A layer's configuration is invalid (negative kernel, unknown padding mode, ...).
    case invalidLayer(layer: String, reason: String)
    /// A model file (JSON or weights) could not be used.
    case invalidModel(file: String, reason: String)
    /// A data file (.npy, PNG, ...) could not be read or written.
    case invalidFile(file: String, reason: String)
    /// Input values the tool refuses to analyse (NaN, Inf, empty batch, ...).
    case invalidInput(String)
    /// A model name that is neither built in nor a file; `known` lists the built-in names.
    case unknownModel(name: String, known: [String])
    /// Something would hold more values than the element limit (`ResourceLimits`); `place` says where ("layer 'x'",
    /// "file 'y'"), `what` what ("its output", "the declared input shape"), `shape` the shape asked for.
    case tooLarge(place: String, what: String, shape: [Int], limit: Int)
    /// An output that exists and would be replaced (a non-empty output folder, an exported model's files).
    case outputExists(path: String, reason: String)
    /// A layer or node name (`--until`, `--layer`) that the model does not have; `known` lists the names it has.
    case unknownLayer(model: String, name: String, known: [String])
    /// The inputs do not have the shape a model declares for its input (an ONNX graph with fixed sizes): shapes as
    /// numbers (nil: any size), so that a front end can say how to fix it.
    case inputShapeMismatch(model: String, input: String, declared: [Int?], got: [Int])

    public var description: String {
        switch self {
        case let .shapeMismatch(layer, expected, got):
            return "layer '\(layer)': expected input shape \(expected), got \(describeShape(got))"
        case let .invalidLayer(layer, reason):
            return "layer '\(layer)': \(reason)"
        case let .invalidModel(file, reason):
            return "model '\(file)': \(reason)"
        case let .invalidFile(file, reason):
            return "file '\(file)': \(reason)"
        case let .invalidInput(reason):
            return "invalid input: \(reason)"
        case let .inputShapeMismatch(model, input, declared, got):
            let expected = "[" + declared.map { $0.map(String.init) ?? "?" }.joined(separator: ", ") + "]"
            return
                "model '\(model)': its input '\(input)' has the fixed shape \(expected), the inputs are \(describeShape(got))"
        case let .unknownModel(name, known):
            let suggestion = NameSuggestion.closest(to: name, among: known).map { " (did you mean '\($0)'?)" } ?? ""
            return "unknown model '\(name)': not a built-in model\(suggestion) and no such file"
        case let .tooLarge(place, what, shape, limit):
            return "\(place): \(what) \(describeShape(shape)) would hold more than \(limit) values (the element limit)"
        case let .outputExists(path, reason):
            return "file '\(path)': \(reason)"
        case let .unknownLayer(model, name, known):
            let suggestion = NameSuggestion.closest(to: name, among: known).map { " (did you mean '\($0)'?)" } ?? ""
            let list =
                known.prefix(12).joined(separator: ", ") + (known.count > 12 ? ", … (\(known.count) in all)" : "")
            return "model '\(model)': no layer or node named '\(name)'\(suggestion); it has: \(list)"
        }
    }
}

/// Formats a shape the way PyTorch prints `tensor.shape`: `[2, 3, 32, 32]`.
@inlinable
package func describeShape(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
}
