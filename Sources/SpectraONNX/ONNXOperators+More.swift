import RealModule
import SpectraCore
import SpectraNetwork

/// The element-wise, variadic, reduction, comparison and re-arrangement operators of real decoders (diffusers' VAE,
/// CompressAI, Real-ESRGAN, LaMa, segmentation decoders), as the ONNX operator specification defines them (opsets
/// 7–21: `axes` as an attribute or, from opset 13 for ReduceSum and 18 for the others, as an input). Booleans are
/// int64 0/1 values. Every error names the node.
extension ONNXOperators {
    static let unaryOperators: Set = [
        "Abs", "Neg", "Exp", "Log", "Sqrt", "Reciprocal", "Erf", "Elu", "Selu", "Celu", "Softplus", "Softsign",
        "HardSigmoid", "HardSwish", "Mish", "Gelu", "Floor", "Ceil",
    ]
    static let moreOperators: Set = [
        "Max", "Min", "Sum", "Mean", "ConstantOfShape", "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceL2",
        "ReduceSumSquare", "Softmax", "LogSoftmax", "GlobalAveragePool", "GlobalMaxPool", "Equal", "Less", "Greater",
        "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or", "Where", "Expand", "Tile", "Range", "Split", "Einsum",
        "CumSum", "Trilu",
    ]

    /// The operators of this file, or nil when `node` is none of them.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func runMore<S: TensorScalar>(
        _ node: ONNXNode, _ inputs: [TensorValue<S>?], opset: Int
    ) throws -> [TensorValue<S>]? {
        let args = ONNXInputs(node: node, values: inputs)
        if unaryOperators.contains(node.opType) { return [.real(try unary(node, try args.real(0)))] }
        switch node.opType {
        case "Max", "Min", "Sum", "Mean":
            let values = inputs.compactMap { $0 }
            guard var result = values.first else { throw node.error("needs at least one input") }
            let op = node.opType == "Max" ? "Max" : node.opType == "Min" ? "Min" : "Add"
            for value in values.dropFirst() { result = try broadcast(node, result, value, op: op) }
            if node.opType == "Mean", case var .real(t) = result {
                let count = S(values.count)
                for i in t.scalars.indices { t.scalars[i] /= count }
                result = .real(t)
            }
            return [result]
        case "ConstantOfShape":
            guard let shape = try args.integers(0), shape.allSatisfy({ $0 >= 0 }) else {
                throw node.error("needs a non-negative shape")
            }
            try ResourceLimits.checkAllocation(shape, layer: node.label)
            let count = shape.reduce(1, *)
            if let t = node.tensor("value") {
                switch try ONNXTensorDecoder.decode(t, modelFolder: nil, context: node.label) {
                case let .int64(_, v):
                    return [.int64(shape: shape, values: Array(repeating: v.first ?? 0, count: count))]
                case let .real(v):
                    return [
                        .real(
                            try Tensor(shape: shape, scalars: Array(repeating: S(v.scalars.first ?? 0), count: count)))
                    ]
                }
            }
            return [.real(Tensor(zeros: shape))]
        case "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceL2", "ReduceSumSquare":
            let axesAsInput = opset >= 18 || (node.opType == "ReduceSum" && opset >= 13)
            let axes = axesAsInput ? try args.integers(1) : node.ints("axes")
            return [
                .real(
                    try reduce(
                        node, try args.real(0), axes: axes ?? [],
                        keepDimensions: try node.int("keepdims", default: 1) == 1,
                        noopWhenEmpty: try node.int("noop_with_empty_axes", default: 0) == 1))
            ]
        case "Softmax", "LogSoftmax":
            return [.real(try softmax(node, try args.real(0), opset: opset, logarithm: node.opType == "LogSoftmax"))]
        case "GlobalAveragePool", "GlobalMaxPool":
            let x = try args.real(0)
            guard x.rank >= 3 else {
                throw node.error("needs an input of rank 3 or more, got \(describeShape(x.shape))")
            }
            return [
                .real(
                    try reduce(
                        node, x, axes: Array(2..<x.rank), keepDimensions: true, noopWhenEmpty: false,
                        kind: node.opType == "GlobalAveragePool" ? "ReduceMean" : "ReduceMax"))
            ]
        case "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or":
            return [try compare(node, try args.value(0), try args.value(1))]
        case "Not":
            guard case let .int64(shape, v) = try args.value(0) else {
                throw node.error("input 0 must be a boolean tensor")
            }
            return [.int64(shape: shape, values: v.map { $0 == 0 ? 1 : 0 })]
        case "Where":
            return [try select(node, condition: try args.value(0), try args.value(1), try args.value(2))]
        case "Expand":
            guard let shape = try args.integers(1) else { throw node.error("needs a shape input") }
            let x = try args.value(0)
            let (out, sources) = try broadcastShapes(node, [x.shape, shape])
            return [
                try gatherAll(
                    node, try reshaped(node, x, to: sources[0]),
                    ranges: out.indices.map { d in
                        sources[0][d] == 1 ? Array(repeating: 0, count: out[d]) : Array(0..<out[d])
                    })
            ]
        case "Tile":
            let x = try args.value(0)
            guard let repeats = try args.integers(1), repeats.count == x.shape.count, repeats.allSatisfy({ $0 >= 0 })
            else {
                throw node.error("repeats must have one non-negative value per dimension of \(describeShape(x.shape))")
            }
            guard let tiled = ResourceLimits.elementCount(zip(x.shape, repeats).map { $0 * $1 }),
                tiled <= maximumTensorElements
            else {
                throw node.error("the tiled tensor would hold more than \(maximumTensorElements) values")
            }
            return [
                try gatherAll(
                    node, x, ranges: zip(x.shape, repeats).map { n, r in (0..<(n * r)).map { $0 % max(1, n) } })
            ]
        case "Range":
            return [try range(node, try args.value(0), try args.value(1), try args.value(2))]
        case "Split":
            let x = try args.value(0)
            var axis = try node.int("axis", default: 0)
            if axis < 0 { axis += x.shape.count }
            guard axis >= 0 && axis < x.shape.count else {
                throw node.error("axis out of range for \(describeShape(x.shape))")
            }
            let n = x.shape[axis]
            var sizes = (opset >= 13 ? try args.integers(1) : node.ints("split")) ?? []
            if sizes.isEmpty {
                let parts = opset >= 18 ? try node.int("num_outputs", default: node.outputs.count) : node.outputs.count
                guard parts > 0 else { throw node.error("needs at least one output") }
                let size = (n + parts - 1) / parts  // the last part takes what is left, as the specification says
                sizes = (0..<parts).map { Swift.max(0, Swift.min(size, n - $0 * size)) }
            }
            guard sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == n else {
                throw node.error("split sizes \(sizes) do not add up to dimension \(axis) of \(describeShape(x.shape))")
            }
            var start = 0
            return try sizes.map { size in
                defer { start += size }
                return try gatherAll(
                    node, x,
                    ranges: x.shape.indices.map { $0 == axis ? Array(start..<(start + size)) : Array(0..<x.shape[$0]) })
            }
        case "Einsum":
            return [
                .real(
                    try einsum(
                        node,
                        try inputs.map { value -> Tensor<S> in
                            guard case let .real(t)? = value else {
                                throw node.error("Einsum operands must be float tensors")
                            }
                            return t
                        }))
            ]
        case "CumSum":
            let x = try args.real(0)
            guard var axis = try args.integers(1)?.first else { throw node.error("needs an axis input") }
            if axis < 0 { axis += x.rank }
            guard axis >= 0 && axis < x.rank else {
                throw node.error("axis out of range for \(describeShape(x.shape))")
            }
            let (exclusive, reverse) = (
                try node.int("exclusive", default: 0) == 1, try node.int("reverse", default: 0) == 1
            )
            let (outer, n, inner) = (x.shape[..<axis].reduce(1, *), x.shape[axis], x.shape[(axis + 1)...].reduce(1, *))
            var y = x
            for o in 0..<outer {
                for j in 0..<inner {
                    var total = 0.0
                    for step in 0..<n {
                        let k = reverse ? n - 1 - step : step, index = (o * n + k) * inner + j
                        let value = x.scalars[index].float64
                        if !exclusive { total += value }
                        y.scalars[index] = S(total)
                        if exclusive { total += value }
                    }
                }
            }
            return [.real(y)]
        case "Trilu":
            let x = try args.real(0)
            guard x.rank >= 2 else { throw node.error("needs a tensor of rank 2 or more") }
            let k = try args.integers(1)?.first ?? 0, upper = try node.int("upper", default: 1) == 1
            let (rows, columns) = (x.shape[x.rank - 2], x.shape[x.rank - 1])
            var y = x
            for flat in 0..<x.count {
                let (i, j) = ((flat / columns) % rows, flat % columns)
                if upper ? j - i < k : j - i > k { y.scalars[flat] = 0 }
            }
            return [.real(y)]
        default:
            return nil
        }
    }

    /// Einsum without ellipsis: the product of the operands summed over every letter not in the output (implicit
    /// output: the letters that occur once, in alphabetical order), accumulated in Float64.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func einsum<S: TensorScalar>(_ node: ONNXNode, _ operands: [Tensor<S>]) throws -> Tensor<S> {
        let equation = node.string("equation", default: "").filter { !$0.isWhitespace }
        guard !equation.contains("."), !operands.isEmpty else {
            throw node.error("equation '\(equation)' is not supported (no ellipsis)")
        }
        let parts = equation.components(separatedBy: "->")
        let terms = parts[0].split(separator: ",", omittingEmptySubsequences: false).map { Array($0) }
        guard terms.count == operands.count, parts.count <= 2 else {
            throw node.error("equation '\(equation)' does not match \(operands.count) operands")
        }
        var sizes: [Character: Int] = [:]
        for (term, operand) in zip(terms, operands) {
            guard term.count == operand.rank else {
                throw node.error("'\(String(term))' does not match operand \(describeShape(operand.shape))")
            }
            for (letter, size) in zip(term, operand.shape) {
                guard sizes[letter] == nil || sizes[letter] == size else {
                    throw node.error("letter '\(letter)' has two sizes")
                }
                sizes[letter] = size
            }
        }
        let counts = terms.flatMap { $0 }.reduce(into: [Character: Int]()) { $0[$1, default: 0] += 1 }
        let output = parts.count == 2 ? Array(parts[1]) : counts.filter { $0.value == 1 }.keys.sorted()
        guard output.allSatisfy({ sizes[$0] != nil }), Set(output).count == output.count else {
            throw node.error("invalid output '\(String(output))'")
        }
        let summed = sizes.keys.filter { !output.contains($0) }.sorted()
        let outShape = output.map { sizes[$0]! }, sumShape = summed.map { sizes[$0]! }
        try ResourceLimits.checkAllocation(outShape, layer: node.label)
        let (outCount, sumCount) = (outShape.reduce(1, *), sumShape.reduce(1, *))
        guard outCount.multipliedReportingOverflow(by: sumCount).partialValue <= 1 << 34 else {
            throw node.error("too much work")
        }
        let letters = output + summed
        // For each operand, the stride of each letter (0 where the operand lacks it).
        let operandStrides = zip(terms, operands).map { term, operand -> [Int] in
            let st = strides(operand.shape)
            return letters.map { letter in term.indices.filter { term[$0] == letter }.reduce(0) { $0 + st[$1] } }
        }
        let shape = outShape + sumShape, st = strides(shape)
        var result = [S](repeating: 0, count: outCount)
        for o in 0..<outCount {
            var total = 0.0
            for s in 0..<sumCount {
                let flat = o * sumCount + s
                var product = 1.0
                for (operand, strides) in zip(operands, operandStrides) {
                    var index = 0, rest = flat
                    for d in 0..<shape.count {
                        let coordinate = rest / st[d]
                        rest %= st[d]
                        index += coordinate * strides[d]
                    }
                    product *= operand.scalars[index].float64
                }
                total += product
            }
            result[o] = S(total)
        }
        return try Tensor(shape: outShape, scalars: result)
    }

    /// One-input element-wise functions, with the specification's default attributes.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func unary<S: TensorScalar>(_ node: ONNXNode, _ x: Tensor<S>) throws -> Tensor<S> {
        func softplus(_ v: S) -> S { v > 0 ? v + S.log(onePlus: S.exp(-v)) : S.log(onePlus: S.exp(v)) }
        let f: (S) -> S
        switch node.opType {
        case "Abs": f = { Swift.abs($0) }
        case "Neg": f = { -$0 }
        case "Exp": f = { S.exp($0) }
        case "Log": f = { S.log($0) }
        case "Sqrt": f = { $0.squareRoot() }
        case "Reciprocal": f = { 1 / $0 }
        case "Erf": f = { S.erf($0) }
        case "Floor": f = { $0.rounded(.down) }
        case "Ceil": f = { $0.rounded(.up) }
        case "Elu":
            let alpha = S(node.float("alpha", default: 1))
            f = { $0 < 0 ? alpha * (S.exp($0) - 1) : $0 }
        case "Selu":
            let alpha = S(node.float("alpha", default: 1.67326319217681884765625))
            let gamma = S(node.float("gamma", default: 1.05070102214813232421875))
            f = { $0 > 0 ? gamma * $0 : gamma * (alpha * S.exp($0) - alpha) }
        case "Celu":
            let alpha = S(node.float("alpha", default: 1))
            f = { Swift.max(0, $0) + Swift.min(0, alpha * (S.exp($0 / alpha) - 1)) }
        case "Softplus": f = softplus
        case "Softsign": f = { $0 / (1 + Swift.abs($0)) }
        case "HardSigmoid":
            let (alpha, beta) = (S(node.float("alpha", default: 0.2)), S(node.float("beta", default: 0.5)))
            f = { Swift.max(0, Swift.min(1, alpha * $0 + beta)) }
        case "HardSwish": f = { $0 * Swift.max(0, Swift.min(1, $0 / 6 + S(0.5))) }
        case "Mish": f = { $0 * S.tanh(softplus($0)) }
        case "Gelu":
            switch node.string("approximate", default: "none") {
            case "none": f = { S(0.5) * $0 * (1 + S.erf($0 / S(2).squareRoot())) }
            case "tanh":
                let c = S((2 / Double.pi).squareRoot())
                f = { S(0.5) * $0 * (1 + S.tanh(c * ($0 + S(0.044715) * $0 * $0 * $0))) }
            case let other: throw node.error("approximate '\(other)' is not one of none, tanh")
            }
        default: throw node.error("not an element-wise operator")
        }
        var y = x
        y.scalars.withUnsafeMutableBufferPointer { values in
            for i in 0..<values.count { values[i] = f(values[i]) }
        }
        return y
    }

    /// Reductions over `axes` (all axes when empty, unless `noopWhenEmpty`), accumulated in Float64.
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func reduce<S: TensorScalar>(
        _ node: ONNXNode, _ x: Tensor<S>, axes rawAxes: [Int], keepDimensions: Bool, noopWhenEmpty: Bool,
        kind: String? = nil
    ) throws -> Tensor<S> {
        let kind = kind ?? node.opType
        if rawAxes.isEmpty && noopWhenEmpty { return x }
        let rank = x.rank
        let axes = Set((rawAxes.isEmpty ? Array(0..<rank) : rawAxes).map { $0 < 0 ? $0 + rank : $0 })
        guard axes.allSatisfy({ $0 >= 0 && $0 < rank }) else {
            throw node.error("axes \(rawAxes) out of range for rank \(rank)")
        }
        let kept = x.shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
        let outCount = kept.reduce(1, *)
        let (inStrides, outStrides) = (strides(x.shape), strides(kept))
        let start: Double = kind == "ReduceMax" ? -.infinity : kind == "ReduceMin" ? .infinity : 0
        var sums = [Double](repeating: start, count: outCount)
        for flat in 0..<x.count {
            var rest = flat, target = 0
            for d in 0..<rank {
                let coordinate = rest / inStrides[d]
                rest %= inStrides[d]
                if !axes.contains(d) { target += coordinate * outStrides[d] }
            }
            let v = x.scalars[flat].float64
            switch kind {
            case "ReduceMax": sums[target] = v.isNaN || sums[target].isNaN ? .nan : Swift.max(sums[target], v)
            case "ReduceMin": sums[target] = v.isNaN || sums[target].isNaN ? .nan : Swift.min(sums[target], v)
            case "ReduceL2", "ReduceSumSquare": sums[target] += v * v
            default: sums[target] += v
            }
        }
        let reduced = Double(x.count / Swift.max(1, outCount))
        let values = sums.map { sum -> S in
            switch kind {
            case "ReduceMean": return S(sum / reduced)
            case "ReduceL2": return S(sum.squareRoot())
            default: return S(sum)
            }
        }
        let shape = keepDimensions ? kept : x.shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
        return try Tensor(shape: shape, scalars: values)
    }

    /// Softmax / LogSoftmax along `axis` (opset 13+), or over the flattened dimensions from `axis` on (before 13).
    @_specialize(where S == Float)
    @_specialize(where S == Double)
    static func softmax<S: TensorScalar>(
        _ node: ONNXNode, _ x: Tensor<S>, opset: Int, logarithm: Bool
    ) throws -> Tensor<S> {
        var axis = try node.int("axis", default: opset >= 13 ? -1 : 1)
        if axis < 0 { axis += x.rank }
        guard axis >= 0 && axis < Swift.max(1, x.rank) else {
            throw node.error("axis out of range for \(describeShape(x.shape))")
        }
        // Rows of `length` values, `stride` apart, `inner` interleaved rows per block of `length · inner`.
        let (length, inner) =
            opset >= 13 ? (x.shape[axis], x.shape[(axis + 1)...].reduce(1, *)) : (x.shape[axis...].reduce(1, *), 1)
        var y = x
        guard length > 0 else { return y }
        for block in 0..<(x.count / (length * inner)) {
            for j in 0..<inner {
                let base = block * length * inner + j
                var largest = -Double.infinity
                for k in 0..<length { largest = Swift.max(largest, x.scalars[base + k * inner].float64) }
                var total = 0.0
                for k in 0..<length { total += Double.exp(x.scalars[base + k * inner].float64 - largest) }
                for k in 0..<length {
                    let shifted = x.scalars[base + k * inner].float64 - largest
                    y.scalars[base + k * inner] = S(
                        logarithm ? shifted - Double.log(total) : Double.exp(shifted) / total)
                }
            }
        }
        return y
    }

    /// The broadcast shape of several shapes (NumPy rules) and each shape padded with leading ones to its rank.
    static func broadcastShapes(_ node: ONNXNode, _ shapes: [[Int]]) throws -> (out: [Int], padded: [[Int]]) {
        let rank = shapes.map(\.count).max() ?? 0
        let padded = shapes.map { Array(repeating: 1, count: rank - $0.count) + $0 }
        var out = [Int](repeating: 1, count: rank)
        for d in 0..<rank {
            let sizes = Set(padded.map { $0[d] }).subtracting([1])
            guard sizes.count <= 1 else { throw node.error("cannot broadcast shapes \(shapes.map(describeShape))") }
            out[d] = sizes.first ?? padded.map { $0[d] }.min() ?? 1
        }
        try ResourceLimits.checkAllocation(out, layer: node.label)
        return (out, padded)
    }

    /// For each output position, the flat index into each broadcast operand.
    static func broadcastIndices(_ out: [Int], _ padded: [[Int]]) -> [[Int]] {
        let outStrides = strides(out)
        return padded.map { shape in
            let shapeStrides = strides(shape)
            return (0..<out.reduce(1, *)).map { flat in
                var rest = flat, index = 0
                for d in 0..<out.count {
                    let coordinate = rest / outStrides[d]
                    rest %= outStrides[d]
                    if shape[d] != 1 { index += coordinate * shapeStrides[d] }
                }
                return index
            }
        }
    }

    /// Comparisons and logical And/Or, broadcast, as int64 0/1.
    static func compare<S: TensorScalar>(
        _ node: ONNXNode, _ a: TensorValue<S>, _ b: TensorValue<S>
    ) throws -> TensorValue<S> {
        let (out, padded) = try broadcastShapes(node, [a.shape, b.shape])
        let indices = broadcastIndices(out, padded)
        let x = try floats(node, a).map { $0.float64 }, y = try floats(node, b).map { $0.float64 }
        let test: (Double, Double) -> Bool
        switch node.opType {
        case "Equal": test = { $0 == $1 }
        case "Less": test = { $0 < $1 }
        case "Greater": test = { $0 > $1 }
        case "LessOrEqual": test = { $0 <= $1 }
        case "GreaterOrEqual": test = { $0 >= $1 }
        case "And": test = { $0 != 0 && $1 != 0 }
        default: test = { $0 != 0 || $1 != 0 }
        }
        return .int64(
            shape: out, values: (0..<out.reduce(1, *)).map { test(x[indices[0][$0]], y[indices[1][$0]]) ? 1 : 0 })
    }

    /// Where(condition, x, y), broadcast over all three.
    static func select<S: TensorScalar>(
        _ node: ONNXNode, condition: TensorValue<S>, _ a: TensorValue<S>, _ b: TensorValue<S>
    ) throws -> TensorValue<S> {
        guard case let .int64(_, mask) = condition else { throw node.error("the condition must be a boolean tensor") }
        let (out, padded) = try broadcastShapes(node, [condition.shape, a.shape, b.shape])
        let indices = broadcastIndices(out, padded)
        let count = out.reduce(1, *)
        switch (a, b) {
        case let (.int64(_, x), .int64(_, y)):
            return .int64(
                shape: out,
                values: (0..<count).map { mask[indices[0][$0]] != 0 ? x[indices[1][$0]] : y[indices[2][$0]] })
        default:
            let x = try floats(node, a), y = try floats(node, b)
            return .real(
                try Tensor(
                    shape: out,
                    scalars: (0..<count).map { mask[indices[0][$0]] != 0 ? x[indices[1][$0]] : y[indices[2][$0]] }))
        }
    }

    /// Range(start, limit, delta): max(⌈(limit − start) / delta⌉, 0) values, int64 when the inputs are.
    static func range<S: TensorScalar>(
        _ node: ONNXNode, _ start: TensorValue<S>, _ limit: TensorValue<S>, _ delta: TensorValue<S>
    ) throws -> TensorValue<S> {
        let (s, l, d) = (
            try scalar(node)(start).float64, try scalar(node)(limit).float64, try scalar(node)(delta).float64
        )
        guard d != 0, s.isFinite, l.isFinite, d.isFinite else {
            throw node.error("needs finite start and limit and a non-zero delta")
        }
        let count = Swift.max(0.0, ((l - s) / d).rounded(.up))
        guard count <= Double(maximumTensorElements) else {
            throw node.error("would hold more than \(maximumTensorElements) values")
        }
        let n = Int(count)
        if case .int64 = start {
            return .int64(shape: [n], values: (0..<n).map { Int64(s) + Int64($0) * Int64(d) })
        }
        return .real(try Tensor(shape: [n], scalars: (0..<n).map { S(s + Double($0) * d) }))
    }
}
