import Foundation
import SpectraCore
import SpectraNetwork
import SpectraONNX

extension ModelGraph {
    /// Loads a model by what `--model` takes.
    ///
    /// - Parameters:
    ///   - nameOrPath: a built-in name (`BuiltinModels.names`), a model JSON file (`ModelFile`), or an ONNX file
    ///     exported by `torch.onnx.export` (read by `ONNXModel`, imported into the graph; weights are constants).
    ///   - seed: the seed of the initial weights of a built-in or JSON model without weight files (default 0);
    ///     ignored for ONNX files, whose weights are in the file.
    ///   - fusingModules: for ONNX files, fold the node patterns torch exports for one module (GroupNorm, SiLU) into
    ///     one node each (`ModelGraph(onnx:fusingModules:)`); false keeps every exported node.
    /// - Returns: the model as a graph (a chain of layer nodes, or the imported ONNX graph).
    /// - Throws: `SpectraError.unknownModel` with the built-in names when the name is neither built in nor a file;
    ///   `.invalidModel`/`.invalidFile` naming the file and what is wrong in it.
    public static func load(_ nameOrPath: String, seed: UInt64? = nil, fusingModules: Bool = true) throws -> ModelGraph
    {
        if BuiltinModels.entry(named: nameOrPath) == nil, nameOrPath.lowercased().hasSuffix(".onnx") {
            guard FileManager.default.fileExists(atPath: nameOrPath) else {
                throw SpectraError.unknownModel(name: nameOrPath, known: BuiltinModels.names)
            }
            return try ModelGraph(
                onnx: try ONNXModel.load(URL(fileURLWithPath: nameOrPath)), fusingModules: fusingModules)
        }
        return ModelGraph(chain: try ModelResolver.resolve(nameOrPath, seed: seed))
    }
}
