import RealModule
import SpectraCore

/// Weight initialisation, reproducible from a seed (`SeededGenerator`).
public enum Initializer: Sendable, Equatable {
    /// PyTorch's default for Conv2d/ConvTranspose2d: kaiming_uniform(a=√5) for the weight, i.e. U(−1/√fan_in, 1/√fan_in),
    /// and the same bound for the bias. fan_in = size(1)·kH·kW of the weight tensor, as in
    /// `torch.nn.init._calculate_fan_in_and_fan_out` (so for ConvTranspose2d it is out_channels·kH·kW).
    case pytorchDefault
    /// i.i.d. N(mean, std²) for every weight, as the paper assumes (docs/theory.md §4.1, Assumption 4.1); biases zero.
    case normal(mean: Double, std: Double)

    /// Fills a weight tensor of the given shape ([dim0, dim1, kH, kW]).
    func weight(shape: [Int], using generator: inout SeededGenerator) -> Tensor<Float> {
        switch self {
        case .pytorchDefault:
            let bound = 1 / Double(fanIn(shape)).squareRoot()
            return Tensor(shape: shape) { _ in Float(generator.nextUniform(-bound, bound)) }
        case let .normal(mean, std):
            return Tensor(shape: shape) { _ in Float(mean + std * generator.nextNormal()) }
        }
    }

    /// Fills a bias of `count` values for a weight of shape `weightShape`.
    func bias(count: Int, weightShape: [Int], using generator: inout SeededGenerator) -> Tensor<Float> {
        switch self {
        case .pytorchDefault:
            let bound = 1 / Double(fanIn(weightShape)).squareRoot()
            return Tensor(shape: [count]) { _ in Float(generator.nextUniform(-bound, bound)) }
        case .normal:
            return Tensor(zeros: [count])
        }
    }

    private func fanIn(_ shape: [Int]) -> Int { max(1, shape.dropFirst().reduce(1, *)) }
}
