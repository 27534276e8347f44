#ifndef DECODER_SPECTRA_SYSTEM_SHIMS_H
#define DECODER_SPECTRA_SYSTEM_SHIMS_H

/// Swaps two paths atomically (Linux renameat2 with RENAME_EXCHANGE): both must exist; after the call each name
/// refers to what the other did. Returns 0, or -1 with errno set (ENOSYS/EINVAL where the kernel or file system
/// lacks the flag). Glibc declares renameat2 only under _GNU_SOURCE, which Swift's Glibc module does not import.
int ds_exchange_paths(const char *first, const char *second);

#endif
