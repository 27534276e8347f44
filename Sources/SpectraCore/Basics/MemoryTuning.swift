#if os(Linux)
/// glibc's `int mallopt(int param, int value)` (malloc.h is not part of the Glibc module).
@_silgen_name("mallopt") private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
private let M_TRIM_THRESHOLD: Int32 = -1, M_MMAP_THRESHOLD: Int32 = -3
#endif

/// Process-wide allocator settings for large tensors. glibc serves allocations above 128 KiB with fresh mmap
/// pages and returns them on free, so every new feature map or spectrum pays page faults and zeroing again
/// (measured by `bench`: the FFT path took 4.8x the bare FFTW time, all of it first-touch faults). Keeping
/// freed memory in the heap lets the next tensor of the same size reuse already-mapped pages.
package enum MemoryTuning {
    package static func keepFreedMemoryMapped() {
        #if os(Linux)
        _ = mallopt(M_MMAP_THRESHOLD, 1 << 30)
        _ = mallopt(M_TRIM_THRESHOLD, 1 << 30)
        #endif
    }
}
