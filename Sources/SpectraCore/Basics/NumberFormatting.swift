import Foundation

/// Number formatting for verdict tables: 4 significant digits.
package func format(_ value: Double) -> String {
    if value == 0 { return "0" }
    if !value.isFinite { return "\(value)" }
    return abs(value) >= 1e-3 && abs(value) < 1e5 ? String(format: "%.4g", value) : String(format: "%.3e", value)
}

/// [Double] as a JSON array.
package func json(_ values: [Double]) -> JSONValue { .array(values.map { .double($0) }) }
