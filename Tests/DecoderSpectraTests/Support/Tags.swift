import Testing

/// What kind of check a suite is, for reports and IDEs (`make test` runs them all; `swift test --filter`/`--skip`
/// select by suite name, e.g. `--skip CLITests`).
extension Tag {
    /// One component against an independent computation (naive loops, a naive DFT, finite differences, Monte Carlo).
    @Tag static var unit: Self
    /// Agreement with what real tools produce: onnxruntime, PyTorch, Pillow, files written by common tools.
    @Tag static var conformance: Self
    /// The `decoder-spectra` executable run as a child process.
    @Tag static var cli: Self
    /// report.html in headless Chromium.
    @Tag static var browser: Self
}
