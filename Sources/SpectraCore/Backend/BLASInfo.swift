import RealModule
import COpenBLAS
import CSystemShims

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

    /// `withThreads(1, body)` with OpenBLAS's pool threads stopped before `body` and again after the thread count is
    /// restored: an idle pool thread spins for ~0.1 s after it starts (at program load, or when the count is raised)
    /// or finishes work, against callers that run their own threads (`ds_openblas_stop_idle_threads`); the next
    /// threaded BLAS call restarts the pool. Only where no other thread is in a BLAS call meanwhile (the CLI's
    /// analysis: its probe and its workers).
    package static func withIdlePoolStopped<T>(_ body: () throws -> T) rethrows -> T {
        defer { _ = ds_openblas_stop_idle_threads() }
        return try withThreads(1) {
            _ = ds_openblas_stop_idle_threads()
            return try body()
        }
    }
}
