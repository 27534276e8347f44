#include "CVectorKernels.h"
#include <math.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

void ds_square_roots(const double *input, double *output, long count) {
    long i = 0;
#if defined(__SSE2__)
    for (; i + 2 <= count; i += 2) {
        _mm_storeu_pd(output + i, _mm_sqrt_pd(_mm_loadu_pd(input + i)));
    }
#endif
    for (; i < count; i++) {
        output[i] = __builtin_sqrt(input[i]);
    }
}
