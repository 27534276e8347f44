import Foundation
import SpectraCore
import SpectraNetwork
import SpectraONNX

extension ModelGraph {
    /// A built-in name, a model JSON file, or an ONNX file exported by `torch.onnx.export` (what `--model` takes).
    public static func load(_ nameOrPath: String, seed: UInt64? = nil) throws -> ModelGraph {
        if BuiltinModels.entry(named: nameOrPath) == nil, nameOrPath.lowercased().hasSuffix(".onnx") {
            guard FileManager.default.fileExists(atPath: nameOrPath) else {
                throw SpectraError.unknownModel(name: nameOrPath, known: BuiltinModels.names)
            }
            return try ModelGraph(onnx: try ONNXModel.load(URL(fileURLWithPath: nameOrPath)))
        }
        return ModelGraph(chain: try ModelResolver.resolve(nameOrPath, seed: seed))
    }
}
