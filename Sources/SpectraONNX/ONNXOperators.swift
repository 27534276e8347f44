import RealModule
import SpectraCore
import SpectraNetwork

/// The ONNX operators that are not layers: shape arithmetic, element-wise and normalisation ops, padding, matrix
/// products, re-arrangements. Semantics follow the ONNX operator specification; every error names the node.
/// A node's inputs with typed access; every error names the node.
struct ONNXInputs<S: TensorScalar> {
    let node: ONNXNode
    let values: [TensorValue<S>?]

    /// Input `i`; throws when it is missing or omitted.
    func value(_ i: Int) throws -> TensorValue<S> {
        guard i < values.count, let value = values[i] else { throw node.error("missing input \(i)") }
        return value
    }

    /// Input `i` as a real tensor.
    func real(_ i: Int) throws -> Tensor<S> {
        guard case let .real(t) = try value(i) else { throw node.error("input \(i) must be a float tensor") }
        return t
    }

    /// Input `i` as integers (int64, or whole reals), or nil when it is omitted.
    func integers(_ i: Int) throws -> [Int]? {
        guard i < values.count, let value = values[i] else { return nil }
        switch value {
        case let .int64(_, v): return v.map { Int($0) }
        case let .real(t): return try t.scalars.map { try ONNXOperators.integer($0, node) }
        }
    }
}

enum ONNXOperators {
    static let supported: Set<String> = Set([
        "Conv", "ConvTranspose", "Resize", "Upsample", "BatchNormalization", "Relu", "LeakyRelu", "Sigmoid", "Tanh",
        "DepthToSpace", "Mul", "Add", "Sub", "Div", "InstanceNormalization", "GroupNormalization", "Pad", "Gemm",
        "MatMul",
        "Reshape", "Flatten", "Concat", "Identity", "Constant", "Clip", "Dropout", "Shape", "Unsqueeze", "Squeeze",
        "Gather", "Cast", "Slice", "Transpose", "Mod", "Pow",
    ]).union(unaryOperators).union(moreOperators).union(poolingOperators).union(signalOperators)

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func run<S: TensorScalar>(
        _ node: ONNXNode, _ inputs: [TensorValue<S>?], opset: Int
    ) throws -> [TensorValue<S>] {
        let args = ONNXInputs(node: node, values: inputs)
        switch node.opType {
        case "Identity", "Dropout":
            return [try args.value(0)]
        case "Constant":
            return [try constant(node)]
        case "Add", "Sub", "Mul", "Div", "Mod":
            return [try broadcast(node, try args.value(0), try args.value(1), op: node.opType)]
        case "Clip":
            var t = try args.real(0)
            let low =
                opset >= 11
                ? try (inputs.count > 1 ? inputs[1] : nil).map(scalar(node)) ?? -.infinity
                : S(node.float("min", default: -.infinity))
            let high =
                opset >= 11
                ? try (inputs.count > 2 ? inputs[2] : nil).map(scalar(node)) ?? .infinity
                : S(node.float("max", default: .infinity))
            for i in t.scalars.indices { t.scalars[i] = min(max(t.scalars[i], low), high) }
            return [.real(t)]
        case "DepthToSpace":
            return [.real(try depthToSpace(node, try args.real(0)))]
        case "InstanceNormalization":
            return [
                .real(
                    try instanceNorm(
                        node, try args.real(0), scale: try args.real(1), bias: try args.real(2), groups: nil))
            ]
        case "GroupNormalization":
            return [
                .real(
                    try instanceNorm(
                        node, try args.real(0), scale: try args.real(1), bias: try args.real(2),
                        groups: try node.int("num_groups"), perGroupAffine: opset < 21))
            ]
        case "Pad":
            let pads = opset >= 11 ? try args.integers(1) : node.ints("pads")
            var value = S(node.float("value", default: 0))
            if opset >= 11, inputs.count > 2, let v = inputs[2] { value = try scalar(node)(v) }
            return [.real(try pad(node, try args.real(0), pads: pads ?? [], value: value))]
        case "Gemm":
            return [.real(try gemm(node, try args.real(0), try args.real(1), inputs.count > 2 ? inputs[2] : nil))]
        case "MatMul":
            return [.real(try matmul(node, try args.real(0), try args.real(1)))]
        case "Reshape":
            let value = try args.value(0)
            guard let requested = opset >= 5 ? try args.integers(1) : node.ints("shape") else {
                throw node.error("missing the shape input")
            }
            return [
                try reshaped(
                    node, value,
                    to: try resolveShape(
                        node, requested, of: value.shape, allowZero: try node.int("allowzero", default: 0) == 1))
            ]
        case "Flatten":
            let value = try args.value(0)
            var axis = try node.int("axis", default: 1)
            if axis < 0 { axis += value.shape.count }
            guard axis >= 0 && axis <= value.shape.count else { throw node.error("axis \(axis) out of range") }
            return [
                try reshaped(node, value, to: [value.shape[..<axis].reduce(1, *), value.shape[axis...].reduce(1, *)])
            ]
        case "Concat":
            return [try concat(node, inputs.compactMap { $0 }, axis: try node.int("axis"))]
        case "Shape":
            let shape = try args.value(0).shape
            var start = try node.int("start", default: 0), end = try node.int("end", default: shape.count)
            if start < 0 { start += shape.count }
            if end < 0 { end += shape.count }
            start = min(max(start, 0), shape.count)  // clamped as the specification says
            end = min(max(end, start), shape.count)
            let slice = Array(shape[start..<end])
            return [.int64(shape: [slice.count], values: slice.map(Int64.init))]
        case "Unsqueeze", "Squeeze":
            let value = try args.value(0)
            let axes = opset >= 13 ? try args.integers(1) : node.ints("axes")
            return [
                try reshaped(
                    node, value,
                    to: try squeezeShape(node, value.shape, axes: axes, unsqueeze: node.opType == "Unsqueeze"))
            ]
        case "Gather":
            return [
                try gather(node, try args.value(0), indices: try args.value(1), axis: try node.int("axis", default: 0))
            ]
        case "Cast":
            let to = try node.int("to")
            switch (try args.value(0), to) {
            case let (.real(t), 1), let (.real(t), 11), let (.real(t), 10): return [.real(t)]
            case let (.real(t), _):
                return [.int64(shape: t.shape, values: try t.scalars.map { Int64(try integer($0, node)) })]
            case let (.int64(shape, v), 1), let (.int64(shape, v), 10), let (.int64(shape, v), 11):
                return [.real(try Tensor(shape: shape, scalars: v.map { S($0) }))]
            case let (value, _): return [value]
            }
        case "Slice":
            return [
                try slice(
                    node, try args.value(0), starts: try args.integers(1) ?? node.ints("starts") ?? [],
                    ends: try args.integers(2) ?? node.ints("ends") ?? [],
                    axes: try args.integers(3) ?? node.ints("axes"), steps: try args.integers(4))
            ]
        case "Transpose":
            return [try transpose(node, try args.value(0), permutation: node.ints("perm"))]
        case "Pow":
            return [try broadcast(node, try args.value(0), try args.value(1), op: "Pow")]
        case "Resize", "Upsample":
            return [.real(try resize(node, inputs, opset: opset))]
        default:
            if let result = try runMore(node, inputs, opset: opset) ?? runPooling(node, inputs, opset: opset)
                ?? runSignal(node, inputs, opset: opset)
            {
                return result
            }
            throw node.error("unsupported operator (supported: \(supported.sorted().joined(separator: ", ")))")
        }
    }

    // MARK: Values

    /// A float used as an integer (shape, index, Cast to int): refused when not finite or outside ±2^53 instead of
    /// trapping in the conversion.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func integer<S: TensorScalar>(_ value: S, _ node: ONNXNode) throws -> Int {
        guard value.isFinite, abs(value) <= 9.007_199_254_740_992e15 else {
            throw node.error("value \(value) cannot be used as an integer")
        }
        return Int(value.rounded(.towardZero))
    }

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    private static func constant<S: TensorScalar>(_ node: ONNXNode) throws -> TensorValue<S> {
        if let t = node.tensor("value") {
            return try ONNXTensorDecoder.decode(t, modelFolder: nil, context: node.label).converted(to: S.self)
        }
        if let a = node.attributes["value_float"] { return .real(try Tensor(shape: [], scalars: [S(a.f)])) }
        if let a = node.attributes["value_floats"] {
            return .real(try Tensor(shape: [a.floats.count], scalars: a.floats.map { S($0) }))
        }
        if let a = node.attributes["value_int"] { return .int64(shape: [], values: [a.i]) }
        if let a = node.attributes["value_ints"] { return .int64(shape: [a.ints.count], values: a.ints) }
        throw node.error("has no supported value attribute")
    }

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func scalar<S: TensorScalar>(_ node: ONNXNode) -> (TensorValue<S>) throws -> S {
        { value in
            switch value {
            case let .real(t) where t.count == 1: return t.scalars[0]
            case let .int64(_, v) where v.count == 1: return S(v[0])
            default: throw node.error("expected a scalar, got shape \(describeShape(value.shape))")
            }
        }
    }

    /// Strides of a row-major shape.
    static func strides(_ shape: [Int]) -> [Int] {
        var result = [Int](repeating: 1, count: shape.count)
        for i in stride(from: shape.count - 2, through: 0, by: -1) { result[i] = result[i + 1] * shape[i + 1] }
        return result
    }

    /// NumPy broadcasting of two values (float with float, int64 with int64; int64 scalars promote to float).
    /// `op`: Add, Sub, Mul, Div or Mod.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func broadcast<S: TensorScalar>(
        _ node: ONNXNode, _ a: TensorValue<S>, _ b: TensorValue<S>, op opName: String
    ) throws -> TensorValue<S> {
        let rank = max(a.shape.count, b.shape.count)
        let sa = Array(repeating: 1, count: rank - a.shape.count) + a.shape
        let sb = Array(repeating: 1, count: rank - b.shape.count) + b.shape
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            guard sa[i] == sb[i] || sa[i] == 1 || sb[i] == 1 else {
                throw node.error("cannot broadcast shapes \(describeShape(a.shape)) and \(describeShape(b.shape))")
            }
            out[i] = max(sa[i], sb[i])
        }
        try ResourceLimits.checkAllocation(out, layer: node.label)
        let count = out.reduce(1, *)
        let (stA, stB, stO) = (strides(sa), strides(sb), strides(out))
        func indices() -> [(Int, Int)] {
            (0..<count).map { flat in
                var ia = 0, ib = 0, rest = flat
                for d in 0..<rank {
                    let coordinate = rest / stO[d]
                    rest %= stO[d]
                    if sa[d] != 1 { ia += coordinate * stA[d] }
                    if sb[d] != 1 { ib += coordinate * stB[d] }
                }
                return (ia, ib)
            }
        }
        switch (a, b) {
        case let (.int64(_, x), .int64(_, y)):
            let op: (Int64, Int64) throws -> Int64 = {
                switch opName {
                case "Add": return { $0 &+ $1 }  // two's-complement wrap, as onnxruntime's int64 kernels
                case "Sub": return { $0 &- $1 }
                case "Mul": return { $0 &* $1 }
                case "Max": return { Swift.max($0, $1) }
                case "Min": return { Swift.min($0, $1) }
                case "Pow": return { _, _ in throw node.error("integer Pow is not supported") }
                case "Mod":  // fmod = 0: the result takes the sign of the divisor, as Python's %
                    return { p, q in
                        guard q != 0 else { throw node.error("integer modulo by zero") }
                        let r = p.remainderReportingOverflow(dividingBy: q).partialValue
                        return r != 0 && (r < 0) != (q < 0) ? r + q : r
                    }
                default:
                    return { p, q in
                        guard q != 0 else { throw node.error("integer division by zero") }
                        // Int64.min / −1 wraps instead of trapping
                        return p.dividedReportingOverflow(by: q).partialValue
                    }
                }
            }()
            return .int64(shape: out, values: try indices().map { try op(x[$0.0], y[$0.1]) })
        default:
            return .real(
                try Tensor(
                    shape: out, scalars: broadcastReal(try floats(node, a), try floats(node, b), sa, sb, out, opName)))
        }
    }

    enum ElementOperation { case add, sub, mul, div, mod, pow, max, min }

    /// The real case of `broadcast`, one row of the last axis at a time: the row's source offsets are computed once
    /// per row, and the inner loop steps through each operand with stride 1 (or 0 where it is broadcast).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func broadcastReal<S: TensorScalar>(
        _ x: [S], _ y: [S], _ sa: [Int], _ sb: [Int], _ out: [Int], _ opName: String
    ) -> [S] {
        let rank = out.count, count = out.reduce(1, *)
        guard count > 0 else { return [] }
        let last = rank == 0 ? 1 : out[rank - 1]
        let (stA, stB, stO) = (strides(sa), strides(sb), strides(out))
        let stepA = rank > 0 && sa[rank - 1] != 1 ? 1 : 0, stepB = rank > 0 && sb[rank - 1] != 1 ? 1 : 0
        let operation: ElementOperation =
            [
                "Add": .add, "Sub": .sub, "Mul": .mul, "Mod": .mod, "Pow": .pow, "Max": .max,
                "Min": .min,
            ][opName] ?? .div
        var result = [S](repeating: 0, count: count)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
                result.withUnsafeMutableBufferPointer { r in
                    for row in 0..<(count / last) {
                        var ia = 0, ib = 0, rest = row * last
                        for d in 0..<max(0, rank - 1) {
                            let coordinate = rest / stO[d]
                            rest %= stO[d]
                            if sa[d] != 1 { ia += coordinate * stA[d] }
                            if sb[d] != 1 { ib += coordinate * stB[d] }
                        }
                        let (p, q, o) = (xp.baseAddress! + ia, yp.baseAddress! + ib, r.baseAddress! + row * last)
                        switch operation {
                        case .add: for k in 0..<last { o[k] = p[k * stepA] + q[k * stepB] }
                        case .sub: for k in 0..<last { o[k] = p[k * stepA] - q[k * stepB] }
                        case .mul: for k in 0..<last { o[k] = p[k * stepA] * q[k * stepB] }
                        case .div: for k in 0..<last { o[k] = p[k * stepA] / q[k * stepB] }
                        case .mod:
                            // ONNX Mod with fmod = 1: the remainder keeps the sign of the dividend
                            for k in 0..<last { o[k] = p[k * stepA].truncatingRemainder(dividingBy: q[k * stepB]) }
                        // C's pow: a negative base with an integer exponent is defined ((x − μ)² in LayerNorm copies).
                        case .pow:
                            for k in 0..<last {
                                let (base, exponent) = (p[k * stepA], q[k * stepB])
                                o[k] =
                                    exponent == exponent.rounded() && Swift.abs(exponent) < S(1 << 30)
                                    ? S.pow(base, Int(exponent)) : S.pow(base, exponent)
                            }
                        // NaN propagates, as onnxruntime's Max and Min do.
                        case .max:
                            for k in 0..<last {
                                o[k] =
                                    p[k * stepA].isNaN || q[k * stepB].isNaN
                                    ? .nan : Swift.max(p[k * stepA], q[k * stepB])
                            }
                        case .min:
                            for k in 0..<last {
                                o[k] =
                                    p[k * stepA].isNaN || q[k * stepB].isNaN
                                    ? .nan : Swift.min(p[k * stepA], q[k * stepB])
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func floats<S: TensorScalar>(_ node: ONNXNode, _ value: TensorValue<S>) throws -> [S] {
        switch value {
        case let .real(t): return t.scalars
        case let .int64(_, v): return v.map { S($0) }
        }
    }

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func reshaped<S: TensorScalar>(
        _ node: ONNXNode, _ value: TensorValue<S>, to shape: [Int]
    ) throws -> TensorValue<S> {
        guard ResourceLimits.elementCount(shape) == ResourceLimits.elementCount(value.shape) else {
            throw node.error("cannot reshape \(describeShape(value.shape)) to \(describeShape(shape))")
        }
        switch value {
        case let .real(t): return .real(try t.reshaped(shape))
        case let .int64(_, v): return .int64(shape: shape, values: v)
        }
    }

    /// Reshape's target: 0 copies the input dimension (unless allowzero), −1 is inferred.
    private static func resolveShape(
        _ node: ONNXNode, _ requested: [Int], of shape: [Int], allowZero: Bool
    ) throws -> [Int] {
        var result = requested.enumerated().map { i, d in d == 0 && !allowZero && i < shape.count ? shape[i] : d }
        let total = shape.reduce(1, *)
        if let inferred = result.firstIndex(of: -1) {
            let known =
                ResourceLimits.elementCount(result.enumerated().filter { $0.offset != inferred }.map(\.element)) ?? 0
            guard known > 0, total % known == 0 else {
                throw node.error("cannot infer -1 in shape \(requested) for \(describeShape(shape))")
            }
            result[inferred] = total / known
        }
        guard result.allSatisfy({ $0 >= 0 }) else { throw node.error("invalid shape \(requested)") }
        return result
    }

    private static func squeezeShape(_ node: ONNXNode, _ shape: [Int], axes: [Int]?, unsqueeze: Bool) throws -> [Int] {
        if unsqueeze {
            guard let axes else { throw node.error("needs axes") }
            let rank = shape.count + axes.count
            let normalized = Set(axes.map { $0 < 0 ? $0 + rank : $0 })
            guard normalized.count == axes.count, normalized.allSatisfy({ $0 >= 0 && $0 < rank }) else {
                throw node.error("axes \(axes) are out of range or repeated for rank \(rank)")
            }
            var result: [Int] = [], source = shape.makeIterator()
            for i in 0..<rank { result.append(normalized.contains(i) ? 1 : (source.next() ?? 1)) }
            return result
        }
        let normalized = Set((axes ?? shape.indices.filter { shape[$0] == 1 }).map { $0 < 0 ? $0 + shape.count : $0 })
        return shape.enumerated().filter { !normalized.contains($0.offset) }.map(\.element)
    }

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    private static func gather<S: TensorScalar>(
        _ node: ONNXNode, _ data: TensorValue<S>, indices: TensorValue<S>, axis rawAxis: Int
    ) throws -> TensorValue<S> {
        let shape = data.shape
        let axis = rawAxis < 0 ? rawAxis + shape.count : rawAxis
        guard axis >= 0 && axis < shape.count else { throw node.error("axis \(rawAxis) out of range") }
        guard case let .int64(indexShape, index) = indices else { throw node.error("indices must be integers") }
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *), n = shape[axis]
        try ResourceLimits.checkAllocation(
            Array(shape[..<axis]) + indexShape + Array(shape[(axis + 1)...]), layer: node.label)
        var order: [Int] = []
        for o in 0..<outer {
            for raw in index {
                let i = Int(raw) < 0 ? Int(raw) + n : Int(raw)
                guard i >= 0 && i < n else { throw node.error("index \(raw) out of range for dimension \(n)") }
                for k in 0..<inner { order.append((o * n + i) * inner + k) }
            }
        }
        let outShape = Array(shape[..<axis]) + indexShape + Array(shape[(axis + 1)...])
        switch data {
        case let .real(t): return .real(try Tensor(shape: outShape, scalars: order.map { t.scalars[$0] }))
        case let .int64(_, v): return .int64(shape: outShape, values: order.map { v[$0] })
        }
    }

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    private static func concat<S: TensorScalar>(
        _ node: ONNXNode, _ values: [TensorValue<S>], axis rawAxis: Int
    ) throws -> TensorValue<S> {
        guard let first = values.first else { throw node.error("needs inputs") }
        let rank = first.shape.count
        let axis = rawAxis < 0 ? rawAxis + rank : rawAxis
        guard axis >= 0 && axis < rank, values.allSatisfy({ $0.shape.count == rank }) else {
            throw node.error("axis \(rawAxis) out of range")
        }
        for v in values
        where v.shape.enumerated().contains(where: { $0.offset != axis && $0.element != first.shape[$0.offset] }) {
            throw node.error(
                "cannot concatenate \(describeShape(first.shape)) and \(describeShape(v.shape)) on axis \(axis)")
        }
        let outer = first.shape[..<axis].reduce(1, *)
        var outShape = first.shape
        outShape[axis] = values.reduce(0) { $0 + $1.shape[axis] }
        try ResourceLimits.checkAllocation(outShape, layer: node.label)
        if values.allSatisfy({ !$0.isReal }) {
            var result: [Int64] = []
            for o in 0..<outer {
                for case let .int64(shape, v) in values {
                    let block = shape[axis...].reduce(1, *)
                    result += v[(o * block)..<((o + 1) * block)]
                }
            }
            return .int64(shape: outShape, values: result)
        }
        let arrays = try values.map { try floats(node, $0) }
        var result: [S] = []
        result.reserveCapacity(outShape.reduce(1, *))
        for o in 0..<outer {
            for (v, a) in zip(values, arrays) {
                let block = v.shape[axis...].reduce(1, *)
                result += a[(o * block)..<((o + 1) * block)]
            }
        }
        return .real(try Tensor(shape: outShape, scalars: result))
    }

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    private static func slice<S: TensorScalar>(
        _ node: ONNXNode, _ data: TensorValue<S>, starts: [Int], ends: [Int], axes: [Int]?, steps: [Int]?
    ) throws -> TensorValue<S> {
        let shape = data.shape
        let axes = (axes ?? Array(0..<starts.count)).map { $0 < 0 ? $0 + shape.count : $0 }
        guard starts.count == ends.count, axes.count == starts.count, axes.allSatisfy({ $0 >= 0 && $0 < shape.count })
        else {
            throw node.error("inconsistent starts/ends/axes")
        }
        var ranges = shape.map { Array(0..<$0) }
        for (k, axis) in axes.enumerated() {
            let n = shape[axis], step = steps?[k] ?? 1
            guard step != 0 else { throw node.error("step 0") }
            func clampIndex(_ v: Int, _ low: Int, _ high: Int) -> Int { min(max(v < 0 ? v + n : v, low), high) }
            if step > 0 {
                let s = clampIndex(starts[k], 0, n), e = clampIndex(ends[k], 0, n)
                ranges[axis] = Array(stride(from: s, to: e, by: step))
            } else {
                let s = clampIndex(starts[k], -1, n - 1), e = clampIndex(ends[k], -1, n - 1)
                ranges[axis] = Array(stride(from: s, to: e, by: step))
            }
        }
        return try gatherAll(node, data, ranges: ranges)
    }

    @_specialize(where S == Float)
    @_specialize(where S == Double)
    private static func transpose<S: TensorScalar>(
        _ node: ONNXNode, _ data: TensorValue<S>, permutation: [Int]?
    ) throws -> TensorValue<S> {
        let shape = data.shape
        let perm = permutation ?? Array((0..<shape.count).reversed())
        guard perm.sorted() == Array(0..<shape.count) else { throw node.error("invalid perm \(perm)") }
        let inStrides = strides(shape)
        let outShape = perm.map { shape[$0] }
        let outStrides = strides(outShape)
        let order = (0..<shape.reduce(1, *)).map { flat -> Int in
            var rest = flat, source = 0
            for d in 0..<outShape.count {
                source += (rest / outStrides[d]) * inStrides[perm[d]]
                rest %= outStrides[d]
            }
            return source
        }
        switch data {
        case let .real(t): return .real(try Tensor(shape: outShape, scalars: order.map { t.scalars[$0] }))
        case let .int64(_, v): return .int64(shape: outShape, values: order.map { v[$0] })
        }
    }

    /// Selects the cartesian product of index lists, one per axis.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func gatherAll<S: TensorScalar>(
        _ node: ONNXNode, _ data: TensorValue<S>, ranges: [[Int]]
    ) throws -> TensorValue<S> {
        try ResourceLimits.checkAllocation(ranges.map(\.count), layer: node.label)
        let inStrides = strides(data.shape)
        var order: [Int] = [0]
        for (axis, indices) in ranges.enumerated() {
            order = order.flatMap { base in indices.map { base + $0 * inStrides[axis] } }
        }
        let outShape = ranges.map(\.count)
        switch data {
        case let .real(t): return .real(try Tensor(shape: outShape, scalars: order.map { t.scalars[$0] }))
        case let .int64(_, v): return .int64(shape: outShape, values: order.map { v[$0] })
        }
    }

    // MARK: Feature-map operators

    /// Pixel shuffle. CRD (torch.nn.PixelShuffle): out[c, h·b+i, w·b+j] = in[c·b²+i·b+j, h, w];
    /// DCR (default): out[c, h·b+i, w·b+j] = in[(i·b+j)·C' + c, h, w].
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func depthToSpace<S: TensorScalar>(_ node: ONNXNode, _ x: Tensor<S>) throws -> Tensor<S> {
        let b = try node.int("blocksize")
        try ResourceLimits.checkHyperparameters([b], name: "blocksize", layer: node.label)
        guard x.rank == 4, x.channels % (b * b) == 0 else {
            throw node.error("needs NCHW with channels divisible by blocksize²")
        }
        let crd = node.string("mode", default: "DCR") == "CRD"
        let (n, c, h, w) = (x.batch, x.channels / (b * b), x.height, x.width)
        var y = Tensor<S>(zeros: [n, c, h * b, w * b])
        for s in 0..<n {
            for ch in 0..<c {
                for i in 0..<b {
                    for j in 0..<b {
                        let source = crd ? ch * b * b + i * b + j : (i * b + j) * c + ch
                        for r in 0..<h {
                            for q in 0..<w { y[s, ch, r * b + i, q * b + j] = x[s, source, r, q] }
                        }
                    }
                }
            }
        }
        return y
    }

    /// InstanceNormalization (groups nil: one group per channel) and GroupNormalization: normalise each (sample,
    /// group) over everything after the channel axis, then scale and shift per channel (or per group before opset 21).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    private static func instanceNorm<S: TensorScalar>(
        _ node: ONNXNode, _ x: Tensor<S>, scale: Tensor<S>, bias: Tensor<S>, groups: Int?, perGroupAffine: Bool = false
    ) throws -> Tensor<S> {
        guard x.rank >= 3 else { throw node.error("needs an input of rank 3 or more, got \(describeShape(x.shape))") }
        let (n, c) = (x.shape[0], x.shape[1])
        let g = groups ?? c
        guard g > 0, c % g == 0 else { throw node.error("channels \(c) not divisible by num_groups \(g)") }
        let affineCount = perGroupAffine ? g : c
        guard scale.count == affineCount, bias.count == affineCount else {
            throw node.error("scale and bias must have \(affineCount) values, got \(scale.count) and \(bias.count)")
        }
        let spatial = x.shape[2...].reduce(1, *), perChannelGroup = c / g
        let statistics = normalizationStatistics(x, groups: g, epsilon: Double(node.float("epsilon", default: 1e-5)))
        var y = x
        // One channel plane at a time with its group's statistics and its own scale and bias (pointer loops: the
        // per-element channel lookup and bounds checks cost more than the arithmetic).
        x.scalars.withUnsafeBufferPointer { input in
            y.scalars.withUnsafeMutableBufferPointer { output in
                for s in 0..<n {
                    for channel in 0..<c {
                        let group = channel / perChannelGroup, k = perGroupAffine ? group : channel
                        let (mean, inverse) = statistics[s * g + group]
                        let (gain, shift) = (scale.scalars[k], bias.scalars[k])
                        let base = (s * c + channel) * spatial
                        let (source, target) = (input.baseAddress! + base, output.baseAddress! + base)
                        for i in 0..<spatial { target[i] = S((source[i].float64 - mean) * inverse) * gain + shift }
                    }
                }
            }
        }
        return y
    }

    /// Mean and 1/√(variance + ε) of each (image, group) over everything after the channel axis, in Float64: what
    /// InstanceNormalization (one group per channel) and GroupNormalization normalise with.
    static func normalizationStatistics<S: TensorScalar>(
        _ x: Tensor<S>, groups g: Int, epsilon: Double
    ) -> [(mean: Double, inverse: Double)] {
        let (n, c) = (x.shape[0], x.shape[1])
        let spatial = x.shape[2...].reduce(1, *), perGroup = (c / g) * spatial
        var result: [(mean: Double, inverse: Double)] = []
        x.scalars.withUnsafeBufferPointer { values in
            for s in 0..<n {
                for group in 0..<g {
                    let start = values.baseAddress! + (s * c + group * (c / g)) * spatial
                    // Two passes (mean, then squared deviations), each summed in four independent lanes.
                    let mean = laneSum(start, perGroup) { $0 } / Double(perGroup)
                    let square = laneSum(start, perGroup) { ($0 - mean) * ($0 - mean) }
                    result.append((mean, 1 / (square / Double(perGroup) + epsilon).squareRoot()))
                }
            }
        }
        return result
    }

    /// Pad on H and W (pads [x1_begin, x2_begin, …, x1_end, x2_end, …], N and C pads must be 0); modes constant,
    /// reflect, edge (= replicate) and wrap (= circular).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    private static func pad<S: TensorScalar>(
        _ node: ONNXNode, _ x: Tensor<S>, pads: [Int], value: S
    ) throws -> Tensor<S> {
        guard x.rank == 4, pads.count == 8, pads[0] == 0, pads[1] == 0, pads[4] == 0, pads[5] == 0,
            pads.allSatisfy({ $0 >= 0 })
        else {
            throw node.error(
                "only non-negative H/W pads of a 4D tensor are supported, got \(pads) for \(describeShape(x.shape))")
        }
        try ResourceLimits.checkHyperparameters(pads, name: "pads", layer: node.label, positive: false)
        try ResourceLimits.checkAllocation(
            [x.batch, x.channels, x.height + pads[2] + pads[6], x.width + pads[3] + pads[7]], layer: node.label)
        let modeName = node.string("mode", default: "constant")
        let mode: PaddingMode
        switch modeName {
        case "constant": mode = .zeros
        case "reflect": mode = .reflect
        case "edge": mode = .replicate
        case "wrap": mode = .circular
        default: throw node.error("pad mode '\(modeName)' is not supported")
        }
        if mode == .reflect && (pads[2] >= x.height || pads[6] >= x.height || pads[3] >= x.width || pads[7] >= x.width)
        {
            throw node.error("reflect pads \(pads) must be smaller than the input size \(x.height)x\(x.width)")
        }
        let rows = paddedIndexMap(size: x.height, before: pads[2], after: pads[6], mode: mode)
        let cols = paddedIndexMap(size: x.width, before: pads[3], after: pads[7], mode: mode)
        var y = Tensor<S>(zeros: [x.batch, x.channels, rows.count, cols.count])
        for p in 0..<(x.batch * x.channels) {
            for (r, sr) in rows.enumerated() {
                for (q, sq) in cols.enumerated() {
                    y.scalars[(p * rows.count + r) * cols.count + q] =
                        sr < 0 || sq < 0 ? value : x.scalars[(p * x.height + sr) * x.width + sq]
                }
            }
        }
        return y
    }

    /// Gemm: alpha·op(A)·op(B) + beta·C for 2D A and B (C broadcast).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    private static func gemm<S: TensorScalar>(
        _ node: ONNXNode, _ a: Tensor<S>, _ b: Tensor<S>, _ c: TensorValue<S>?
    ) throws -> Tensor<S> {
        guard a.rank == 2, b.rank == 2 else {
            throw node.error("needs 2D inputs, got \(describeShape(a.shape)) and \(describeShape(b.shape))")
        }
        let (ta, tb) = (try node.int("transA", default: 0) == 1, try node.int("transB", default: 0) == 1)
        let (m, k) = ta ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (k2, n) = tb ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        guard k == k2 else { throw node.error("inner dimensions differ: \(k) and \(k2)") }
        try ResourceLimits.checkAllocation([m, n], layer: node.label)
        var y = Tensor<S>(zeros: [m, n])
        S.gemm(
            transA: ta, transB: tb, m: m, n: n, k: k, alpha: S(node.float("alpha", default: 1)), a: a.scalars,
            lda: a.shape[1],
            b: b.scalars, ldb: b.shape[1], beta: 0, c: &y.scalars, ldc: n)
        guard let c else { return y }
        let beta = S(node.float("beta", default: 1))
        let cTensor = try Tensor<S>(shape: c.shape, scalars: try floats(node, c).map { $0 * beta })
        guard case let .real(sum) = try broadcast(node, .real(y), .real(cTensor), op: "Add") else { return y }
        return sum
    }

    /// MatMul for 2D operands, and N-D operands with equal leading (batch) dimensions.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    private static func matmul<S: TensorScalar>(_ node: ONNXNode, _ a: Tensor<S>, _ b: Tensor<S>) throws -> Tensor<S> {
        guard a.rank >= 2, b.rank == 2 || b.rank == a.rank else {
            throw node.error("unsupported MatMul shapes \(describeShape(a.shape)) and \(describeShape(b.shape))")
        }
        let (m, k) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
        let (k2, n) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
        guard k == k2 else { throw node.error("inner dimensions differ: \(k) and \(k2)") }
        let batch = a.shape.dropLast(2).reduce(1, *)
        if b.rank > 2 && Array(b.shape.dropLast(2)) != Array(a.shape.dropLast(2)) {
            throw node.error("batch dimensions differ")
        }
        try ResourceLimits.checkAllocation(Array(a.shape.dropLast(2)) + [m, n], layer: node.label)
        var y = Tensor<S>(zeros: Array(a.shape.dropLast(2)) + [m, n])
        for i in 0..<batch {
            let aSlice = Array(a.scalars[(i * m * k)..<((i + 1) * m * k)])
            let bSlice = b.rank == 2 ? b.scalars : Array(b.scalars[(i * k * n)..<((i + 1) * k * n)])
            var c = [S](repeating: 0, count: m * n)
            S.gemm(
                transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: aSlice, lda: k, b: bSlice, ldb: n, beta: 0,
                c: &c, ldc: n)
            y.scalars.replaceSubrange((i * m * n)..<((i + 1) * m * n), with: c)
        }
        return y
    }
}
