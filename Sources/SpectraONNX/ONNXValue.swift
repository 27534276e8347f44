import Foundation
import SpectraCore
import SpectraIO
import SpectraNetwork

/// Decoding of TensorProto into values: raw_data (little-endian) or the typed fields, and external data files.
enum ONNXTensorDecoder {
    static func decode(_ proto: Onnx_TensorProto, modelFolder: URL?, context: String) throws -> ONNXValue {
        let dims = proto.dims.map { Int($0) }
        guard dims.allSatisfy({ $0 >= 0 && $0 < 1 << 31 }) else {
            throw error(context, proto, "has invalid dimensions \(proto.dims)")
        }
        let (count, overflow) = dims.reduce((1, false)) { acc, d in
            let (p, o) = acc.0.multipliedReportingOverflow(by: d)
            return (p, acc.1 || o)
        }
        guard !overflow, count <= maximumTensorElements else {
            throw error(context, proto, "is too large (dims \(dims))")
        }
        let raw =
            proto.dataLocation == .external
            ? try externalData(proto, modelFolder: modelFolder, context: context) : proto.rawData
        let type = Onnx_TensorProto.DataType(rawValue: Int(proto.dataType)) ?? .undefined
        func need(_ bytes: Int) throws {
            guard raw.count == count * bytes else {
                throw error(
                    context, proto,
                    "raw data holds \(raw.count) bytes, shape \(describeShape(dims)) of \(type) needs \(count * bytes)")
            }
        }
        func check(_ n: Int) throws {
            guard n == count else {
                throw error(context, proto, "holds \(n) values, shape \(describeShape(dims)) needs \(count)")
            }
        }
        switch type {
        case .float, .double, .float16:
            var values: [Float]
            if !raw.isEmpty || count == 0 {
                let size = type == .float ? 4 : type == .double ? 8 : 2
                try need(size)
                values = raw.withUnsafeBytes { bytes in
                    (0..<count).map { i -> Float in
                        switch type {
                        case .float:
                            return Float(
                                bitPattern: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).littleEndian)
                        case .double:
                            return Float(
                                Double(
                                    bitPattern: bytes.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self).littleEndian
                                ))
                        default:
                            return halfToFloat(bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian)
                        }
                    }
                }
            } else if type == .float {
                values = proto.floatData
            } else if type == .double {
                values = proto.doubleData.map(Float.init)
            } else {
                values = proto.int32Data.map { halfToFloat(UInt16(truncatingIfNeeded: $0)) }
            }
            try check(values.count)
            let tensor = try Tensor<Float>(shape: dims, scalars: values)
            try tensor.checkFinite("tensor '\(proto.name)' of \(context)")
            return .real(tensor)
        case .int64, .int32, .int8, .uint8, .bool, .int16, .uint16:
            var values: [Int64]
            if !raw.isEmpty || count == 0 {
                let size: Int = type == .int64 ? 8 : type == .int32 ? 4 : (type == .int16 || type == .uint16) ? 2 : 1
                try need(size)
                values = raw.withUnsafeBytes { bytes in
                    (0..<count).map { i -> Int64 in
                        switch type {
                        case .int64:
                            return Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * i, as: Int64.self))
                        case .int32:
                            return Int64(
                                Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self)))
                        case .int16:
                            return Int64(
                                Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: Int16.self)))
                        case .uint16:
                            return Int64(
                                UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
                        case .int8: return Int64(bytes.load(fromByteOffset: i, as: Int8.self))
                        default: return Int64(bytes.load(fromByteOffset: i, as: UInt8.self))
                        }
                    }
                }
            } else if type == .int64 {
                values = proto.int64Data
            } else {
                values = proto.int32Data.map(Int64.init)
            }
            try check(values.count)
            return .int64(shape: dims, values: values)
        default:
            throw error(context, proto, "has unsupported element type \(type) (data_type \(proto.dataType))")
        }
    }

    private static func error(_ context: String, _ proto: Onnx_TensorProto, _ reason: String) -> SpectraError {
        .invalidModel(file: context, reason: "tensor '\(proto.name)' \(reason)")
    }

    /// External data (`location`, `offset`, `length`), relative to the model's folder. The location must stay inside
    /// that folder (`SafePath`), and only the declared range is read, after checking it against the file's size.
    private static func externalData(_ proto: Onnx_TensorProto, modelFolder: URL?, context: String) throws -> Data {
        var entries: [String: String] = [:]
        for entry in proto.externalData { entries[entry.key] = entry.value }
        guard let location = entries["location"], let folder = modelFolder else {
            throw error(context, proto, "has external data without a 'location'")
        }
        let url: URL
        do { url = try SafePath.resolve(location, inside: folder, what: "external data location") } catch {
            throw self.error(context, proto, "\(error)")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue,
            let handle = try? FileHandle(forReadingFrom: url)
        else {
            throw error(context, proto, "external data file '\(location)' cannot be read")
        }
        defer { try? handle.close() }
        guard let end = try? handle.seekToEnd(), end <= UInt64(Int.max) else {
            throw error(context, proto, "external data file '\(location)' cannot be read")
        }
        let fileSize = Int(end)
        guard let offset = Int(entries["offset"] ?? "0"), offset >= 0, offset <= fileSize else {
            throw error(
                context, proto,
                "external data offset '\(entries["offset"] ?? "")' is outside '\(location)' (\(fileSize) bytes)")
        }
        let length =
            try entries["length"].map { text -> Int in
                guard let value = Int(text), value >= 0 else {
                    throw error(context, proto, "external data length '\(text)' is invalid")
                }
                return value
            } ?? (fileSize - offset)
        let (stop, overflow) = offset.addingReportingOverflow(length)
        guard !overflow, stop <= fileSize else {
            throw error(
                context, proto,
                "external data range offset \(offset), length \(length) exceeds '\(location)' (\(fileSize) bytes)")
        }
        do {
            try handle.seek(toOffset: UInt64(offset))
            let data = try handle.read(upToCount: length) ?? Data()
            guard data.count == length else { throw SpectraError.invalidInput("short read") }
            return data
        } catch {
            throw self.error(context, proto, "external data file '\(location)' cannot be read")
        }
    }

    /// IEEE 754 binary16 to Float (subnormals, infinities and NaN included).
    static func halfToFloat(_ h: UInt16) -> Float {
        let sign: UInt32 = UInt32(h >> 15) << 31
        let exponent = Int((h >> 10) & 0x1F), mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {  // zero or subnormal: mantissa · 2^-24
            let magnitude = Float(mantissa) * 5.9604645e-08
            return sign != 0 ? -magnitude : magnitude
        }
        if exponent == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
    }
}
