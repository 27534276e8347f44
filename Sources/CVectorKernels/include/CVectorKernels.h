#ifndef DECODER_SPECTRA_VECTOR_KERNELS_H
#define DECODER_SPECTRA_VECTOR_KERNELS_H

/// output[i] = sqrt(input[i]) for i < count, two lanes at a time (SSE2 sqrtpd). Swift's squareRoot() in a loop
/// stays scalar (a branch per element guards the libm call), which made √ the bottleneck of the statistics.
/// Negative inputs give NaN, as IEEE 754 says. input and output may be the same array.
void ds_square_roots(const double *input, double *output, long count);

#endif
