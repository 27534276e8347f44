import DecoderSpectra
import Foundation
import FuzzTargets
import Testing

/// Replays every input that ever crashed a reader under libFuzzer (`make fuzz` copies new findings into
/// Fixtures/fuzz-regressions/<target>/ once fixed), and the seed files of each target: every one must be read or
/// refused without a crash.
@Suite(.tags(.unit)) struct FuzzRegressionTests {
    static let folder = fixturesURL.appendingPathComponent("fuzz-regressions")

    @Test(arguments: FuzzTarget.allCases)
    func regressionCorpusReplays(_ target: FuzzTarget) throws {
        let files =
            ((try? FileManager.default.contentsOfDirectory(
                at: Self.folder.appendingPathComponent(target.rawValue), includingPropertiesForKeys: nil)) ?? [])
        for file in files { target.run(try Data(contentsOf: file)) }
    }

    /// The targets accept their own seeds (a target that refused everything would fuzz nothing).
    @Test func targetsReadValidSeeds() throws {
        let npy = fixturesURL.appendingPathComponent("onnx/dcgan/input.npy")
        #expect(try NpyFile.parse(try Data(contentsOf: npy), file: npy.path).shape.count == 4)
        FuzzTarget.npy.run(try Data(contentsOf: npy))
        let png = fixturesURL.appendingPathComponent("images/rgb8.png")
        #expect(try PNGImage.decode(try Data(contentsOf: png), file: png).shape == [1, 3, 6, 9])
        let onnx = fixturesURL.appendingPathComponent("onnx/subpixel/model.onnx")
        #expect(try ONNXModel.decode(try Data(contentsOf: onnx), file: onnx).nodes.count > 0)
        for target in FuzzTarget.allCases { target.run(Data()) }
    }
}
