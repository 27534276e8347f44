/// Whether the spectra being propagated are those of real feature maps, H(−u, −v) = conj H(u, v) (docs/theory.md
/// §1.2), so that a rule may compute half of each plane and mirror the rest. Every operator here is real (real
/// weights, real nonlinearities), so the spectral tracer, which starts from the DFT of real tensors, sets it around
/// its rules; a direct call to a layer's `propagate` with a spectrum of any other origin does not, and gets every
/// frequency computed.
///
/// A task-local value, like `LayerScope`: each thread or task sees its own.
public enum HermitianSymmetry {
    @TaskLocal public static var isAssumed = false

    /// Runs `body` with the spectra it propagates declared to be those of real maps.
    public static func assuming<T>(_ body: () throws -> T) rethrows -> T {
        try $isAssumed.withValue(true, operation: body)
    }
}
