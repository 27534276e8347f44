#ifndef DECODER_SPECTRA_SYSTEM_SHIMS_H
#define DECODER_SPECTRA_SYSTEM_SHIMS_H

/// Swaps two paths atomically (Linux renameat2 with RENAME_EXCHANGE): both must exist; after the call each name
/// refers to what the other did. Returns 0, or -1 with errno set (ENOSYS/EINVAL where the kernel or file system
/// lacks the flag). Glibc declares renameat2 only under _GNU_SOURCE, which Swift's Glibc module does not import.
int ds_exchange_paths(const char *first, const char *second);

/// Stops OpenBLAS's idle worker threads (its `blas_thread_shutdown_`, which its fork handler uses; the next threaded
/// BLAS call starts them again). An idle OpenBLAS thread spins on sched_yield for about 2^28 cycles (~0.1 s) after it
/// starts or finishes work, taking a core from callers that run their own threads. Only safe while no other thread is
/// inside a BLAS call. Returns 1, or 0 where the OpenBLAS in use has no such function (it is then a no-op).
int ds_openblas_stop_idle_threads(void);

#endif
