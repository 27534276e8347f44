import ComplexModule
import Foundation
import RealModule
import SpectraCore

/// NumPy's .npy format (versions 1.0, 2.0 and 3.0; little-endian, C order), the exchange format for weights,
/// inputs, features and spectra. Readable types: float32, float64, uint8 (as real arrays) and complex64/complex128.
public struct NpyArray: Sendable {
    /// The array's values in the precision they were stored in.
    public enum Values: Sendable {
        case real([Double])
        case complex([Complex<Double>])
    }

    public var shape: [Int]
    public var values: Values

    /// An array of `shape` (C order) with its values.
    public init(shape: [Int], values: Values) {
        self.shape = shape
        self.values = values
    }

    /// Real values, or an error naming the file when the array is complex.
    public func realValues(file: String) throws -> [Double] {
        guard case let .real(v) = values else {
            throw SpectraError.invalidFile(file: file, reason: "expected a real array, found a complex one")
        }
        return v
    }
}

/// Reading and writing numpy's .npy format (version 1–3 headers, little-endian float32/float64/complex/integer
/// data, C order), with every size checked against `ResourceLimits` before allocating.
public enum NpyFile {
    private static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    // MARK: Reading

    /// Reads a whole .npy file.
    ///
    /// - Throws: `SpectraError.invalidFile` naming the file and what is wrong (header, dtype, size, truncation).
    public static func read(_ url: URL) throws -> NpyArray {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw SpectraError.invalidFile(file: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        return try parse(data, file: url.path)
    }

    /// The shape stored in an .npy file, read from its header alone (the data is not read).
    public static func readShape(_ url: URL) throws -> [Int] {
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw SpectraError.invalidFile(file: url.path, reason: "cannot read")
        }
        defer { try? handle.close() }
        let bytes = [UInt8]((try? handle.read(upToCount: 1 << 16)) ?? Data())
        return try header(bytes, file: url.path).shape
    }

    /// The header of .npy bytes: dtype, shape (checked against the element cap) and where the data starts.
    static func header(
        _ bytes: [UInt8], file: String
    ) throws -> (descr: String, shape: [Int], count: Int, payloadStart: Int) {
        func fail(_ reason: String) -> SpectraError {
            .invalidFile(file: file, reason: "not a valid .npy file: \(reason)")
        }
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw fail("missing the \\x93NUMPY magic") }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw fail("unsupported version \(major)")
        }
        guard headerStart + headerLength <= bytes.count else { throw fail("truncated header") }
        guard let header = String(bytes: bytes[headerStart..<(headerStart + headerLength)], encoding: .utf8) else {
            throw fail("header is not text")
        }
        let fields = try NpyHeader.parse(header, fail: fail)
        guard case let .string(descr)? = fields["descr"], case let .bool(fortran)? = fields["fortran_order"],
            case let .tuple(shape)? = fields["shape"]
        else {
            throw fail(
                "header must hold 'descr' (a string), 'fortran_order' (a bool) and 'shape' (a tuple), got \(header)")
        }
        guard !fortran else { throw fail("Fortran-ordered arrays are not supported (save with C order)") }
        guard shape.allSatisfy({ $0 >= 0 }), let count = ResourceLimits.elementCount(shape),
            count <= maximumTensorElements
        else {
            throw fail(
                "shape \(describeShape(shape)) is invalid or too large (more than \(maximumTensorElements) values)")
        }
        return (descr, shape, count, headerStart + headerLength)
    }

    /// Parses .npy bytes; every malformed header or size gives an error that names `file`.
    public static func parse(_ data: Data, file: String) throws -> NpyArray {
        let bytes = [UInt8](data)
        func fail(_ reason: String) -> SpectraError {
            .invalidFile(file: file, reason: "not a valid .npy file: \(reason)")
        }
        let (descr, shape, count, payloadStart) = try header(bytes, file: file)
        let (itemSize, kind) = try dtype(descr, fail: fail)
        let needed = count * itemSize
        guard bytes.count - payloadStart >= needed else {
            throw fail(
                "data is truncated: shape \(describeShape(shape)) of \(descr) needs \(needed) bytes, found \(bytes.count - payloadStart)"
            )
        }
        let values: NpyArray.Values = bytes.withUnsafeBufferPointer { buffer in
            let raw = UnsafeRawPointer(buffer.baseAddress! + payloadStart)
            switch kind {
            case .float32:
                return .real(
                    (0..<count).map {
                        Double(
                            Float(bitPattern: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self).littleEndian))
                    })
            case .float64:
                return .real(
                    (0..<count).map {
                        Double(bitPattern: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self).littleEndian)
                    })
            case .uint8: return .real((0..<count).map { Double(raw.load(fromByteOffset: $0, as: UInt8.self)) })
            case .complex64:
                return .complex(
                    (0..<count).map {
                        Complex(
                            Double(
                                Float(
                                    bitPattern: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt32.self).littleEndian)
                            ),
                            Double(
                                Float(
                                    bitPattern: raw.loadUnaligned(fromByteOffset: 8 * $0 + 4, as: UInt32.self)
                                        .littleEndian)))
                    })
            case .complex128:
                return .complex(
                    (0..<count).map {
                        Complex(
                            Double(
                                bitPattern: raw.loadUnaligned(fromByteOffset: 16 * $0, as: UInt64.self).littleEndian),
                            Double(
                                bitPattern: raw.loadUnaligned(fromByteOffset: 16 * $0 + 8, as: UInt64.self).littleEndian
                            ))
                    })
            }
        }
        return NpyArray(shape: shape, values: values)
    }

    enum Kind { case float32, float64, uint8, complex64, complex128 }

    static func dtype(_ descr: String, fail: (String) -> SpectraError) throws -> (Int, Kind) {
        switch descr {
        case "<f4": return (4, .float32)
        case "<f8": return (8, .float64)
        case "|u1", "<u1", "u1": return (1, .uint8)
        case "<c8": return (8, .complex64)
        case "<c16": return (16, .complex128)
        default:
            throw fail(
                "unsupported dtype '\(descr)' (use float32, float64, uint8, complex64 or complex128, little-endian)")
        }
    }

    // MARK: Writing

    /// Writes a float32 array atomically.
    public static func writeFloat32(_ values: [Float], shape: [Int], to url: URL) throws {
        try AtomicFile.write(header(descr: "<f4", shape: shape) + float32Payload(values), to: url)
    }

    /// Writes a float64 array atomically (dataset-averaged maps keep their Float64 accumulation).
    public static func writeFloat64(_ values: [Double], shape: [Int], to url: URL) throws {
        var payload = Data(capacity: values.count * 8)
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { payload.append(contentsOf: $0) } }
        try AtomicFile.write(header(descr: "<f8", shape: shape) + payload, to: url)
    }

    /// Little-endian float32 bytes.
    package static func float32Payload<S: TensorScalar>(_ values: [S]) -> Data {
        var payload = Data(capacity: values.count * 4)
        for v in values { withUnsafeBytes(of: Float(v).bitPattern.littleEndian) { payload.append(contentsOf: $0) } }
        return payload
    }

    /// Little-endian interleaved (real, imaginary) float32 bytes.
    package static func complex64Payload<S: TensorScalar>(_ values: [Complex<S>]) -> Data {
        var payload = Data(capacity: values.count * 8)
        for v in values {
            withUnsafeBytes(of: Float(v.real).bitPattern.littleEndian) { payload.append(contentsOf: $0) }
            withUnsafeBytes(of: Float(v.imaginary).bitPattern.littleEndian) { payload.append(contentsOf: $0) }
        }
        return payload
    }

    /// Writes a complex64 array atomically (interleaved real, imaginary float32).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    public static func writeComplex64<S: TensorScalar>(_ values: [Complex<S>], shape: [Int], to url: URL) throws {
        try AtomicFile.write(header(descr: "<c8", shape: shape) + complex64Payload(values), to: url)
    }

    /// A version 1.0 header padded so that the data starts at a multiple of 64 bytes, as numpy writes it.
    /// `length`: pad the header to exactly this many bytes (a multiple of 64), so that it can be rewritten in place.
    static func header(descr: String, shape: [Int], length: Int? = nil) -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + dict.utf8.count + 1
        let padding = length.map { max(0, $0 - unpadded) } ?? (64 - unpadded % 64) % 64
        dict += String(repeating: " ", count: padding) + "\n"
        var data = Data(magic + [1, 0])
        let length = UInt16(dict.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(dict.utf8))
        return data
    }
}

extension Tensor {
    /// Reads a real .npy array as a tensor, converting float64 and uint8 values.
    public static func readNpy(_ url: URL) throws -> Tensor<Scalar> {
        let array = try NpyFile.read(url)
        let values = try array.realValues(file: url.path)
        return try Tensor(shape: array.shape, scalars: values.map { Scalar($0) })
    }

    /// Writes the tensor as float32 .npy (atomically).
    public func writeNpy(_ url: URL) throws {
        try NpyFile.writeFloat32(scalars.map { Float($0) }, shape: shape, to: url)
    }
}

/// The header of a .npy file: a Python dict literal with exactly the keys 'descr', 'fortran_order' and 'shape', parsed
/// as numpy's `read_array_header` does (`ast.literal_eval`, then a check of the keys): a repeated or unknown key is an
/// error, not a second value that a substring search might pick.
enum NpyHeader {
    enum Value: Equatable { case string(String), bool(Bool), tuple([Int]) }

    static func parse(_ text: String, fail: (String) -> SpectraError) throws -> [String: Value] {
        var scanner = Substring(text).drop(while: \.isWhitespace)
        func skipSpace() { scanner = scanner.drop(while: \.isWhitespace) }
        func expect(_ c: Character) throws {
            skipSpace()
            guard scanner.first == c else { throw fail("malformed header, expected '\(c)' in \(text)") }
            scanner = scanner.dropFirst()
        }
        func string() throws -> String {
            skipSpace()
            guard let quote = scanner.first, quote == "'" || quote == "\"" else {
                throw fail("malformed header, expected a string in \(text)")
            }
            scanner = scanner.dropFirst()
            guard let close = scanner.firstIndex(of: quote) else { throw fail("unterminated string in header \(text)") }
            let value = String(scanner[..<close])
            scanner = scanner[scanner.index(after: close)...]
            return value
        }
        func value() throws -> Value {
            skipSpace()
            if scanner.hasPrefix("True") {
                scanner = scanner.dropFirst(4)
                return .bool(true)
            }
            if scanner.hasPrefix("False") {
                scanner = scanner.dropFirst(5)
                return .bool(false)
            }
            if scanner.first == "(" {
                scanner = scanner.dropFirst()
                var dims: [Int] = []
                while true {
                    skipSpace()
                    if scanner.first == ")" {
                        scanner = scanner.dropFirst()
                        return .tuple(dims)
                    }
                    let digits = scanner.prefix(while: { $0.isASCII && $0.isNumber })
                    guard !digits.isEmpty, digits.count <= 12, let n = Int(digits) else {
                        throw fail("malformed shape in header \(text)")
                    }
                    dims.append(n)
                    scanner = scanner.dropFirst(digits.count)
                    skipSpace()
                    if scanner.first == "," {
                        scanner = scanner.dropFirst()
                    } else if scanner.first != ")" {
                        throw fail("malformed shape in header \(text)")
                    }
                }
            }
            return .string(try string())
        }
        try expect("{")
        var fields: [String: Value] = [:]
        while true {
            skipSpace()
            if scanner.first == "}" {
                scanner = scanner.dropFirst()
                break
            }
            let key = try string()
            guard ["descr", "fortran_order", "shape"].contains(key) else {
                throw fail("unexpected key '\(key)' in header")
            }
            guard fields[key] == nil else { throw fail("key '\(key)' appears twice in header") }
            try expect(":")
            fields[key] = try value()
            skipSpace()
            if scanner.first == "," {
                scanner = scanner.dropFirst()
            } else if scanner.first != "}" {
                throw fail("malformed header, expected ',' or '}' in \(text)")
            }
        }
        guard scanner.allSatisfy(\.isWhitespace) else { throw fail("unexpected text after the header dict") }
        return fields
    }
}

/// An .npy file written batch by batch (per-image spectra and features of a streamed analysis): the header is written
/// with room to spare and rewritten with the final image count by `finish()`. It lives in a staging folder, so an
/// interrupted run never leaves a half-written file in the output.
package final class NpyAppender {
    static let headerLength = 192
    let url: URL
    private let descr: String
    private let imageShape: [Int]
    private let handle: FileHandle
    package private(set) var images = 0

    package init(_ url: URL, descr: String, imageShape: [Int]) throws {
        self.url = url
        self.descr = descr
        self.imageShape = imageShape
        guard
            FileManager.default.createFile(
                atPath: url.path,
                contents: NpyFile.header(
                    descr: descr, shape: [0] + imageShape,
                    length: Self.headerLength)),
            let handle = try? FileHandle(forWritingTo: url)
        else {
            throw SpectraError.invalidFile(file: url.path, reason: "cannot create")
        }
        self.handle = handle
        try handle.seekToEnd()
    }

    package func append(_ payload: Data, images count: Int) throws {
        do { try handle.write(contentsOf: payload) } catch {
            throw SpectraError.invalidFile(file: url.path, reason: "cannot write: \(error.localizedDescription)")
        }
        images += count
    }

    package func finish() throws {
        do {
            try handle.seek(toOffset: 0)
            try handle.write(
                contentsOf: NpyFile.header(descr: descr, shape: [images] + imageShape, length: Self.headerLength))
            try handle.close()
        } catch {
            throw SpectraError.invalidFile(file: url.path, reason: "cannot finish: \(error.localizedDescription)")
        }
    }
}

/// Reads the images of a [B, C, H, W] .npy file a slice at a time (seek and read), so that a dataset stored as one
/// large array streams in constant memory instead of being loaded whole.
final class NpyImageReader {
    let url: URL
    /// [B, C, H, W].
    let shape: [Int]
    private let kind: NpyFile.Kind
    private let itemSize: Int
    private let payloadStart: Int
    private let handle: FileHandle
    private(set) var nextImage = 0

    init(_ url: URL) throws {
        self.url = url
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw SpectraError.invalidFile(file: url.path, reason: "cannot read")
        }
        self.handle = handle
        let head = [UInt8]((try? handle.read(upToCount: 1 << 16)) ?? Data())
        let header = try NpyFile.header(head, file: url.path)
        func fail(_ reason: String) -> SpectraError { .invalidFile(file: url.path, reason: reason) }
        (itemSize, kind) = try NpyFile.dtype(header.descr, fail: fail)
        guard header.shape.count == 4, [.float32, .float64, .uint8].contains(kind) else {
            throw fail(
                "streamed images must be a real [B, C, H, W] array, got \(describeShape(header.shape)) of \(header.descr)"
            )
        }
        shape = header.shape
        payloadStart = header.payloadStart
        let size = (try? handle.seekToEnd()).map(Int.init) ?? 0
        guard size - payloadStart >= header.count * itemSize else {
            throw fail(
                "not a valid .npy file: data is truncated (shape \(describeShape(shape)) needs \(header.count * itemSize) bytes)"
            )
        }
    }

    deinit { try? handle.close() }

    var remaining: Int { shape[0] - nextImage }

    /// Moves past `count` images without reading them.
    func skip(_ count: Int) { nextImage += min(count, remaining) }

    /// The next `count` images as float32 [count, C, H, W].
    func read(_ count: Int) throws -> Tensor<Float> {
        let per = shape[1] * shape[2] * shape[3], count = min(count, remaining)
        do {
            try handle.seek(toOffset: UInt64(payloadStart + nextImage * per * itemSize))
            let data = try handle.read(upToCount: count * per * itemSize) ?? Data()
            guard data.count == count * per * itemSize else {
                throw SpectraError.invalidFile(file: url.path, reason: "short read")
            }
            nextImage += count
            let values: [Float] = data.withUnsafeBytes { raw in
                (0..<(count * per)).map { i in
                    switch kind {
                    case .float32:
                        return Float(bitPattern: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).littleEndian)
                    case .float64:
                        return Float(
                            Double(bitPattern: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self).littleEndian))
                    default: return Float(raw.load(fromByteOffset: i, as: UInt8.self))
                    }
                }
            }
            return try Tensor(shape: [count] + Array(shape.dropFirst()), scalars: values)
        } catch let error as SpectraError {
            throw error
        } catch {
            throw SpectraError.invalidFile(file: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
    }
}
