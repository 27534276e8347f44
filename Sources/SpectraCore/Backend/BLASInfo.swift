import RealModule
import COpenBLAS

/// What OpenBLAS reports about itself; `bench` prints it so that timings can be compared across machines.
package enum BLASInfo {
    package static var coreName: String { String(cString: openblas_get_corename()) }
    package static var configuration: String { String(cString: openblas_get_config()) }
    package static var threads: Int { Int(openblas_get_num_threads()) }

    /// Runs `body` with OpenBLAS on `count` threads, then restores the previous count. Where the caller runs work on
    /// every core itself, one BLAS thread per caller avoids OpenBLAS's idle threads spinning against it.
    package static func withThreads<T>(_ count: Int, _ body: () throws -> T) rethrows -> T {
        let previous = openblas_get_num_threads()
        openblas_set_num_threads(Int32(count))
        defer { openblas_set_num_threads(previous) }
        return try body()
    }
}
