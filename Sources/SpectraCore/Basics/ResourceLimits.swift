/// Caps on every size that comes from a file or an option (tensor shapes, layer hyper-parameters, image sizes), so
/// that a hostile or mistaken input is refused with an error instead of exhausting memory, overflowing an index or
/// looping for hours. Sizes are checked with overflow-reporting arithmetic before anything is allocated.
public enum ResourceLimits {
    /// The most elements one tensor (or work buffer) may hold. Default 2^28: 1 GiB of Float32, 2 GiB of Float64.
    /// The CLI raises it with `--max-elements`; set it before loading models or data.
    nonisolated(unsafe) public static var maximumTensorElements = 1 << 28

    /// The largest kernel size, stride, dilation, padding, scale factor or block size a layer accepts (2^16). Keeping
    /// hyper-parameters this small guarantees that shape arithmetic on capped tensors cannot overflow 64-bit integers.
    public static let maximumHyperparameter = 1 << 16

    /// The number of elements of `shape`, or nil when a dimension is negative or the product overflows.
    public static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for d in shape {
            guard d >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { return nil }
            count = product
        }
        return count
    }

    /// Throws `SpectraError.tooLarge` naming `layer` when `shape` would hold more than the cap (or is invalid).
    public static func checkAllocation(_ shape: [Int], layer: String, what: String = "its output") throws {
        guard let count = elementCount(shape), count <= maximumTensorElements else {
            throw SpectraError.tooLarge(
                place: "layer '\(layer)'", what: what, shape: shape, limit: maximumTensorElements)
        }
    }

    /// Throws naming `layer` and `name` unless every value is within 0...maximumHyperparameter (or 1... if `positive`).
    public static func checkHyperparameters(_ values: [Int], name: String, layer: String, positive: Bool = true) throws
    {
        let low = positive ? 1 : 0
        guard values.allSatisfy({ $0 >= low && $0 <= maximumHyperparameter }) else {
            throw SpectraError.invalidLayer(
                layer: layer, reason: "\(name) \(values) must be between \(low) and \(maximumHyperparameter)")
        }
    }

    /// The caps every convolution layer checks: channels, kernel and stride positive and capped, padding capped, and
    /// the weight [out, in, kH, kW] within the element cap.
    package static func checkConvolution(
        layer: String, inChannels: Int, outChannels: Int, kernelSize: (Int, Int), stride: (Int, Int),
        padding: (Int, Int)
    ) throws {
        try checkHyperparameters(
            [inChannels, outChannels, kernelSize.0, kernelSize.1, stride.0, stride.1],
            name: "channels, kernel_size and stride", layer: layer)
        try checkHyperparameters([padding.0, padding.1], name: "padding", layer: layer, positive: false)
        guard let weights = elementCount([inChannels, outChannels, kernelSize.0, kernelSize.1]),
            weights <= maximumTensorElements
        else {
            throw SpectraError.invalidLayer(
                layer: layer,
                reason: "weight of \(outChannels)x\(inChannels)x\(kernelSize.0)x\(kernelSize.1) is too large")
        }
    }
}

/// The element cap in force (`ResourceLimits.maximumTensorElements`).
public var maximumTensorElements: Int { ResourceLimits.maximumTensorElements }
