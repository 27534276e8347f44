// libFuzzer entry point for the file readers (see FuzzTargets). Built only by `make fuzz`
// (`swift build --sanitize=fuzzer --sanitize=address`), which supplies main; in an ordinary build this executable is
// empty. The reader is chosen with DS_FUZZ_TARGET=npy|image|model-json|onnx|summary.
import Foundation
import DecoderSpectra
import FuzzTargets

private let target: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["DS_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        FileHandle.standardError.write(
            Data("set DS_FUZZ_TARGET to one of \(FuzzTarget.allCases.map(\.rawValue))\n".utf8))
        exit(2)
    }
    // A small cap keeps every execution fast and within libFuzzer's memory limit; the checks are the same at any cap.
    ResourceLimits.maximumTensorElements = 1 << 20
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    target.run(Data(bytes: start, count: count))
    return 0
}
