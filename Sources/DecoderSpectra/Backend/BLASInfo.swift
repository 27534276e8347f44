import RealModule
import COpenBLAS

/// What OpenBLAS reports about itself; `bench` prints it so that timings can be compared across machines.
public enum BLASInfo {
    public static var coreName: String { String(cString: openblas_get_corename()) }
    public static var configuration: String { String(cString: openblas_get_config()) }
    public static var threads: Int { Int(openblas_get_num_threads()) }
}
