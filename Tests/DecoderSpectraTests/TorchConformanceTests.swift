import DecoderSpectra
import Foundation
import Testing

/// Every layer against outputs recorded with PyTorch (scripts/make_torch_fixtures.py). The layers run in Float32, as
/// PyTorch did; summation order differs, so agreement is to about 1e-6 relative: 1e-5 is the bound.
@Suite(.tags(.conformance)) struct TorchConformanceTests {
    struct Manifest: Decodable {
        struct Case: Decodable {
            let name: String
            let layer: [String: JSONValue]
        }
        let cases: [Case]
    }

    static let manifest: Manifest = {
        let url = fixturesURL.appendingPathComponent("torch/manifest.json")
        return try! JSONDecoder().decode(Manifest.self, from: Data(contentsOf: url))
    }()

    @Test(arguments: manifest.cases.map(\.name))
    func layerMatchesPyTorch(name: String) throws {
        let entry = Self.manifest.cases.first { $0.name == name }!
        let folder = fixturesURL.appendingPathComponent("torch/\(name)")
        let x = try Tensor<Float>.readNpy(folder.appendingPathComponent("input.npy"))
        let expected = try Tensor<Float>.readNpy(folder.appendingPathComponent("output.npy"))
        var layerEntry = entry.layer
        layerEntry["name"] = .string("layer")
        let spec = ModelSpec(
            name: name, description: "", input: .init(channels: x.channels, height: x.height, width: x.width),
            layers: [layerEntry])
        var model = try ModelFile.build(spec, file: name)
        for (parameter, _) in model.layers[0].layer.parameters {
            try model.layers[0].layer.setParameter(
                parameter, try Tensor<Float>.readNpy(folder.appendingPathComponent("\(parameter).npy")))
        }
        let y = try model.forward(x)
        #expect(y.shape == expected.shape)
        #expect(maxRelativeDifference(y.scalars, expected.scalars) < 1e-5)
    }
}
