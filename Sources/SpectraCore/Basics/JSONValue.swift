import Foundation
import RealModule

/// A JSON value, for the free-form layer entries of the model file and for `summary.json`.
public enum JSONValue: Codable, Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// `[a, b]`, the form of PyTorch's pair arguments (kernel_size, stride, padding).
    public static func pair(_ a: Int, _ b: Int) -> JSONValue { .array([.int(a), .int(b)]) }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let b = try? container.decode(Bool.self) {
            self = b ? .bool(true) : .bool(false)
        } else if let i = try? container.decode(Int.self) {
            self = .int(i)
        } else if let d = try? container.decode(Double.self) {
            self = .double(d)
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let a = try? container.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case let .bool(b): try container.encode(b)
        case let .int(i): try container.encode(i)
        case let .double(d): try container.encode(d.isFinite ? d : 0)
        case let .string(s): try container.encode(s)
        case let .array(a): try container.encode(a)
        case let .object(o): try container.encode(o)
        }
    }

    public var intValue: Int? {
        switch self {
        case let .int(i): return i
        case let .double(d) where d == d.rounded() && abs(d) < 1e15: return Int(d)
        default: return nil
        }
    }
    public var doubleValue: Double? {
        switch self {
        case let .int(i): return Double(i)
        case let .double(d): return d
        default: return nil
        }
    }
    public var stringValue: String? { if case let .string(s) = self { return s } else { return nil } }
    public var boolValue: Bool? { if case let .bool(b) = self { return b } else { return nil } }
    public var objectValue: [String: JSONValue]? { if case let .object(o) = self { return o } else { return nil } }

    /// An int or a pair of ints, as PyTorch accepts for kernel_size, stride and padding.
    public var intPair: (Int, Int)? {
        if let i = intValue { return (i, i) }
        if case let .array(a) = self, a.count == 2, let x = a[0].intValue, let y = a[1].intValue { return (x, y) }
        return nil
    }
}

/// Pretty, key-sorted JSON, the form of every JSON file the tool writes.
package enum JSONFormatting {
    package static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Numbers that are not finite cannot be JSON numbers; fields that may hold them encode null themselves, and
        // anything else is written as a string rather than failing the whole run.
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        do {
            return try encoder.encode(value)
        } catch {
            throw SpectraError.invalidInput("cannot encode results as JSON: \(error)")
        }
    }
}
