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

// The kernels of the row-wise conv rule (Theorem 3.2), one instantiation per precision. The sums over t and s run
// in ascending order in the run's precision.
#define DS_TRANSFER_FUNCTIONS(suffix, Scalar)                                                                      \
    DS_VECTOR_CLONES                                                                                               \
    void ds_transfer_row_matrix_##suffix(const Scalar *taps, const Scalar *phase_re, const Scalar *phase_im,       \
                                         long kh, long kw, long entries, Scalar *out) {                            \
        for (long s = 0; s < kw; s++) {                                                                            \
            Scalar *row = out + 2 * s * entries;                                                                   \
            for (long j = 0; j < entries; j++) {                                                                   \
                Scalar re = 0, im = 0;                                                                             \
                for (long t = 0; t < kh; t++) {                                                                    \
                    Scalar w = taps[(t * kw + s) * entries + j];                                                   \
                    re = w * phase_re[t] + re;                                                                     \
                    im = w * phase_im[t] + im;                                                                     \
                }                                                                                                  \
                row[2 * j] = re;                                                                                   \
                row[2 * j + 1] = im;                                                                               \
            }                                                                                                      \
        }                                                                                                          \
    }                                                                                                              \
                                                                                                                   \
    DS_VECTOR_CLONES                                                                                               \
    void ds_combine_column_phases_##suffix(const Scalar *products, const Scalar *phase_re, const Scalar *phase_im, \
                                           long kw, long outputs, long columns, Scalar *out, long out_stride) {    \
        /* One output row at a time, a column tap at a time: unit-stride loops over the row that vectorise. */     \
        for (long d = 0; d < outputs; d++) {                                                                       \
            Scalar *restrict target = out + 2 * d * out_stride;                                                    \
            for (long s = 0; s < kw; s++) {                                                                        \
                const Scalar *restrict y = products + 2 * (s * outputs + d) * columns;                             \
                const Scalar *restrict pr = phase_re + s * columns, *restrict pi = phase_im + s * columns;         \
                if (s == 0) {                                                                                      \
                    for (long v = 0; v < columns; v++) {                                                           \
                        Scalar yr = y[2 * v], yi = y[2 * v + 1];                                                   \
                        target[2 * v] = pr[v] * yr - pi[v] * yi;                                                   \
                        target[2 * v + 1] = pr[v] * yi + pi[v] * yr;                                               \
                    }                                                                                              \
                } else {                                                                                           \
                    for (long v = 0; v < columns; v++) {                                                           \
                        Scalar yr = y[2 * v], yi = y[2 * v + 1];                                                   \
                        target[2 * v] = pr[v] * yr - pi[v] * yi + target[2 * v];                                   \
                        target[2 * v + 1] = pr[v] * yi + pi[v] * yr + target[2 * v + 1];                           \
                    }                                                                                              \
                }                                                                                                  \
            }                                                                                                      \
        }                                                                                                          \
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
