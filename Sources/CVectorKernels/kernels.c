#include "CVectorKernels.h"

// One clone per vector width, chosen at load time by the CPU (GNU ifunc); elsewhere the plain build.
#if defined(__x86_64__) && defined(__linux__)
#define DS_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define DS_VECTOR_CLONES
#endif

// The loop, instantiated below with constant flags so that each variant has no branch per element. √ is
// __builtin_elementwise_sqrt (no errno, so it vectorises); reassociation lets the sums use vector lanes.
#define DS_FOLD_BODY(Scalar, addPower, addMagnitude, compare)                                                                  \
    do {                                                                                                           \
        _Pragma("clang fp reassociate(on)") double difference = 0, reference = 0, predictedPower = 0, product = 0; \
        for (long f = 0; f < count; f++) {                                                                         \
            double xr = (double)actual[2 * f], xi = (double)actual[2 * f + 1];                                     \
            double px = xr * xr + xi * xi;                                                                         \
            if (addPower) power[f] += px;                                                                          \
            if (addMagnitude) magnitude[f] += __builtin_elementwise_sqrt(px) * magnitude_scale;                    \
            if (compare) {                                                                                         \
                double yr = (double)predicted[2 * f], yi = (double)predicted[2 * f + 1];                           \
                double py = yr * yr + yi * yi, dr = yr - xr, di = yi - xi;                                         \
                difference += dr * dr + di * di;                                                                   \
                reference += px;                                                                                   \
                predictedPower += py;                                                                              \
                product += __builtin_elementwise_sqrt(px) * __builtin_elementwise_sqrt(py);                        \
            }                                                                                                      \
        }                                                                                                          \
        if (compare) {                                                                                             \
            sums->difference += difference;                                                                        \
            sums->reference += reference;                                                                          \
            sums->predicted += predictedPower;                                                                     \
            sums->magnitudeProduct += product;                                                                     \
        }                                                                                                          \
    } while (0)

#define DS_FOLD_FUNCTION(name, Scalar)                                                                             \
    DS_VECTOR_CLONES                                                                                               \
    void name(const Scalar *actual, const Scalar *predicted, long count, double *power, double *magnitude,         \
              double magnitude_scale, ds_plane_sums *sums) {                                                       \
        int addPower = power != 0, addMagnitude = magnitude != 0, compare = predicted != 0 && sums != 0;          \
        if (addPower && addMagnitude && compare) {                                                                 \
            DS_FOLD_BODY(Scalar, 1, 1, 1);                                                                         \
        } else if (addPower && addMagnitude && !compare) {                                                         \
            DS_FOLD_BODY(Scalar, 1, 1, 0);                                                                         \
        } else if (!addPower && !addMagnitude && compare) {                                                        \
            DS_FOLD_BODY(Scalar, 0, 0, 1);                                                                         \
        } else if (addPower && !addMagnitude && !compare) {                                                        \
            DS_FOLD_BODY(Scalar, 1, 0, 0);                                                                         \
        } else {                                                                                                   \
            DS_FOLD_BODY(Scalar, addPower, addMagnitude, compare);                                                 \
        }                                                                                                          \
    }

DS_FOLD_FUNCTION(ds_fold_plane_f, float)
DS_FOLD_FUNCTION(ds_fold_plane_d, double)

// T(u, v) = Σ_s phase_s · R_s, element j's real part written at out[RE·j], its imaginary part at out[IM + RE·j]
// (interleaved: RE 2, IM 1).
#define DS_TRANSFER_MATRIX_BODY(Scalar, RE, IM)                                                                    \
    do {                                                                                                           \
        if (kw == 3) { /* the common 3-wide kernel in one pass */                                                  \
            const Scalar *r0 = row_sums, *i0 = row_sums + entries, *r1 = row_sums + 2 * entries,                   \
                         *i1 = row_sums + 3 * entries, *r2 = row_sums + 4 * entries, *i2 = row_sums + 5 * entries; \
            Scalar c0r = phase_re[0], c0i = phase_im[0], c1r = phase_re[1], c1i = phase_im[1];                     \
            Scalar c2r = phase_re[2], c2i = phase_im[2];                                                           \
            for (long j = 0; j < entries; j++) {                                                                   \
                Scalar sumRe = c0r * r0[j] - c0i * i0[j], sumIm = c0r * i0[j] + c0i * r0[j];                       \
                sumRe = c1r * r1[j] - c1i * i1[j] + sumRe;                                                         \
                sumIm = c1r * i1[j] + c1i * r1[j] + sumIm;                                                         \
                out[(RE) * j] = c2r * r2[j] - c2i * i2[j] + sumRe;                                                 \
                out[(IM) + (RE) * j] = c2r * i2[j] + c2i * r2[j] + sumIm;                                          \
            }                                                                                                      \
            break;                                                                                                 \
        }                                                                                                          \
        for (long j = 0; j < entries; j++) out[(RE) * j] = out[(IM) + (RE) * j] = 0;                               \
        for (long s = 0; s < kw; s++) {                                                                            \
            const Scalar *sr = row_sums + (2 * s) * entries, *si = row_sums + (2 * s + 1) * entries;               \
            Scalar cr = phase_re[s], ci = phase_im[s];                                                             \
            for (long j = 0; j < entries; j++) {                                                                   \
                out[(RE) * j] = cr * sr[j] - ci * si[j] + out[(RE) * j];                                           \
                out[(IM) + (RE) * j] = cr * si[j] + ci * sr[j] + out[(IM) + (RE) * j];                             \
            }                                                                                                      \
        }                                                                                                          \
    } while (0)

// The transfer-matrix kernels (Theorem 3.2), one instantiation per precision.
#define DS_TRANSFER_FUNCTIONS(suffix, Scalar)                                                                      \
    DS_VECTOR_CLONES                                                                                               \
    void ds_transfer_row_sums_##suffix(const Scalar *taps, const Scalar *phase_re, const Scalar *phase_im, long kh, \
                                       long kw, long entries, Scalar *row_sums) {                                  \
        for (long s = 0; s < kw; s++) {                                                                            \
            Scalar *re = row_sums + (2 * s) * entries, *im = row_sums + (2 * s + 1) * entries;                     \
            for (long j = 0; j < entries; j++) re[j] = im[j] = 0;                                                  \
            for (long t = 0; t < kh; t++) {                                                                        \
                const Scalar *tap = taps + (t * kw + s) * entries;                                                 \
                Scalar pr = phase_re[t], pi = phase_im[t];                                                         \
                for (long j = 0; j < entries; j++) {                                                               \
                    re[j] = tap[j] * pr + re[j];                                                                   \
                    im[j] = tap[j] * pi + im[j];                                                                   \
                }                                                                                                  \
            }                                                                                                      \
        }                                                                                                          \
    }                                                                                                              \
                                                                                                                   \
    DS_VECTOR_CLONES                                                                                               \
    void ds_transfer_matrix_##suffix(const Scalar *row_sums, const Scalar *phase_re, const Scalar *phase_im,       \
                                     long kw, long entries, Scalar *out) {                                         \
        DS_TRANSFER_MATRIX_BODY(Scalar, 2, 1);                                                                     \
    }

DS_TRANSFER_FUNCTIONS(f, float)
DS_TRANSFER_FUNCTIONS(d, double)

#define DS_RELU_BACKWARD(suffix, Scalar)                                                                           \
    DS_VECTOR_CLONES                                                                                               \
    void ds_relu_backward_##suffix(const Scalar *input, Scalar *gradient, long count) {                           \
        for (long i = 0; i < count; i++) gradient[i] = input[i] > 0 ? gradient[i] : 0;                            \
    }

DS_RELU_BACKWARD(f, float)
DS_RELU_BACKWARD(d, double)
