#include "CVectorKernels.h"
#include <math.h>
#include <stdint.h>

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
        /* A tap at a time over all entries: unit-stride loops that vectorise (a sum over t per entry did not). */ \
        for (long s = 0; s < kw; s++) {                                                                            \
            Scalar *restrict row = out + 2 * s * entries;                                                          \
            for (long t = 0; t < kh; t++) {                                                                        \
                const Scalar *restrict w = taps + (t * kw + s) * entries;                                          \
                Scalar pr = phase_re[t], pi = phase_im[t];                                                         \
                if (t == 0) {                                                                                      \
                    for (long j = 0; j < entries; j++) {                                                           \
                        row[2 * j] = w[j] * pr;                                                                    \
                        row[2 * j + 1] = w[j] * pi;                                                                \
                    }                                                                                              \
                } else {                                                                                           \
                    for (long j = 0; j < entries; j++) {                                                           \
                        row[2 * j] = w[j] * pr + row[2 * j];                                                       \
                        row[2 * j + 1] = w[j] * pi + row[2 * j + 1];                                               \
                    }                                                                                              \
                }                                                                                                  \
            }                                                                                                      \
        }                                                                                                          \
    }                                                                                                              \
                                                                                                                   \
    DS_VECTOR_CLONES                                                                                               \
    void ds_combine_column_phases_##suffix(Scalar *products, const Scalar *phase_re, const Scalar *phase_im,       \
                                           long kw, long outputs, long columns, Scalar *out, long out_stride) {    \
        /* One output row at a time, a tap at a time: unit-stride loops; the products are left zero. */            \
        for (long d = 0; d < outputs; d++) {                                                                       \
            Scalar *restrict target = out + 2 * d * out_stride;                                                    \
            for (long s = 0; s < kw; s++) {                                                                        \
                Scalar *restrict y = products + 2 * (s * outputs + d) * columns;                             \
                const Scalar *restrict pr = phase_re + s * columns, *restrict pi = phase_im + s * columns;         \
                if (s == 0) {                                                                                      \
                    for (long v = 0; v < columns; v++) {                                                           \
                        Scalar yr = y[2 * v], yi = y[2 * v + 1];                                                   \
                        y[2 * v] = y[2 * v + 1] = 0;                                                               \
                        target[2 * v] = pr[v] * yr - pi[v] * yi;                                                   \
                        target[2 * v + 1] = pr[v] * yi + pi[v] * yr;                                               \
                    }                                                                                              \
                } else {                                                                                           \
                    for (long v = 0; v < columns; v++) {                                                           \
                        Scalar yr = y[2 * v], yi = y[2 * v + 1];                                                   \
                        y[2 * v] = y[2 * v + 1] = 0;                                                               \
                        target[2 * v] = pr[v] * yr - pi[v] * yi + target[2 * v];                                   \
                        target[2 * v + 1] = pr[v] * yi + pi[v] * yr + target[2 * v + 1];                           \
                    }                                                                                              \
                }                                                                                                  \
            }                                                                                                      \
        }                                                                                                          \
    }

DS_TRANSFER_FUNCTIONS(f, float)
DS_TRANSFER_FUNCTIONS(d, double)

// Two real planes through one complex FFT (docs/theory.md §1.2): z = s_a·a + i·s_b·b, then
// A(k) = (Z(k) + conj Z(−k)) / (2 s_a) and B(k) = −i (Z(k) − conj Z(−k)) / (2 s_b). The scales are powers of two that
// bring each plane's largest magnitude into [1/2, 1): exact, and they give both planes the same weight in the
// transform's rounding, so a plane next to a much larger one keeps its own relative accuracy.
#define DS_REAL_PAIR_FUNCTIONS(suffix, Scalar, Bits, magnitude_mask, infinity_bits, frexp_, ldexp_)                \
    static Scalar ds_unit_scale_##suffix(Scalar largest) {                                                         \
        int exponent;                                                                                              \
        frexp_(largest, &exponent);                                                                                \
        if (exponent < -100) exponent = -100;                                                                      \
        if (exponent > 100) exponent = 100;                                                                        \
        return largest > 0 ? ldexp_((Scalar)1, -exponent) : (Scalar)1;                                             \
    }                                                                                                              \
                                                                                                                   \
    DS_VECTOR_CLONES                                                                                               \
    int ds_pack_real_pair_##suffix(const Scalar *a, const Scalar *b, long count, Scalar *z, Scalar *scales) {      \
        if (b == 0) {                                                                                              \
            for (long i = 0; i < count; i++) {                                                                     \
                z[2 * i] = a[i];                                                                                   \
                z[2 * i + 1] = 0;                                                                                  \
            }                                                                                                      \
            scales[0] = scales[1] = 1;                                                                             \
            return 1;                                                                                              \
        }                                                                                                          \
        /* |x| compared through its bit pattern (monotonic for IEEE values; NaN and ±inf lie above every */        \
        /* finite value): integer max reductions vectorise, and one comparison at the end finds the */             \
        /* non-finite values. */                                                                                   \
        Bits largestA = 0, largestB = 0;                                                                           \
        for (long i = 0; i < count; i++) {                                                                         \
            Bits x, y;                                                                                             \
            __builtin_memcpy(&x, a + i, sizeof x);                                                                 \
            __builtin_memcpy(&y, b + i, sizeof y);                                                                 \
            x &= magnitude_mask;                                                                                   \
            y &= magnitude_mask;                                                                                   \
            largestA = x > largestA ? x : largestA;                                                                \
            largestB = y > largestB ? y : largestB;                                                                \
        }                                                                                                          \
        if (largestA >= infinity_bits || largestB >= infinity_bits) return 0;                                      \
        Scalar maxA, maxB;                                                                                         \
        __builtin_memcpy(&maxA, &largestA, sizeof maxA);                                                           \
        __builtin_memcpy(&maxB, &largestB, sizeof maxB);                                                           \
        Scalar sa = ds_unit_scale_##suffix(maxA), sb = ds_unit_scale_##suffix(maxB);                               \
        for (long i = 0; i < count; i++) {                                                                         \
            z[2 * i] = a[i] * sa;                                                                                  \
            z[2 * i + 1] = b[i] * sb;                                                                              \
        }                                                                                                          \
        scales[0] = sa;                                                                                            \
        scales[1] = sb;                                                                                            \
        return 1;                                                                                                  \
    }                                                                                                              \
                                                                                                                   \
    DS_VECTOR_CLONES                                                                                               \
    void ds_unpack_real_pair_##suffix(const Scalar *restrict z, long rows, long columns, const Scalar *scales,     \
                                      Scalar *restrict out_a, Scalar *restrict out_b) {                            \
        Scalar ha = (Scalar)0.5 / scales[0], hb = (Scalar)0.5 / scales[1];                                         \
        for (long u = 0; u < rows; u++) {                                                                          \
            const Scalar *row = z + 2 * u * columns, *mirror = z + 2 * ((rows - u) % rows) * columns;              \
            Scalar *ra = out_a + 2 * u * columns, *rb = out_b + 2 * u * columns;                                   \
            /* column 0 is its own mirror; column v mirrors columns − v */                                         \
            Scalar zr = row[0], zi = row[1], wr = mirror[0], wi = mirror[1];                                       \
            ra[0] = (zr + wr) * ha;                                                                                \
            ra[1] = (zi - wi) * ha;                                                                                \
            rb[0] = (zi + wi) * hb;                                                                                \
            rb[1] = (wr - zr) * hb;                                                                                \
            for (long v = 1; v < columns; v++) {                                                                   \
                Scalar zr = row[2 * v], zi = row[2 * v + 1];                                                       \
                Scalar wr = mirror[2 * (columns - v)], wi = mirror[2 * (columns - v) + 1];                         \
                ra[2 * v] = (zr + wr) * ha;                                                                        \
                ra[2 * v + 1] = (zi - wi) * ha;                                                                    \
                rb[2 * v] = (zi + wi) * hb;                                                                        \
                rb[2 * v + 1] = (wr - zr) * hb;                                                                    \
            }                                                                                                      \
        }                                                                                                          \
    }

DS_REAL_PAIR_FUNCTIONS(f, float, uint32_t, 0x7fffffffu, 0x7f800000u, frexpf, ldexpf)
DS_REAL_PAIR_FUNCTIONS(d, double, uint64_t, 0x7fffffffffffffffull, 0x7ff0000000000000ull, frexp, ldexp)

// e^x in float, vectorisable (Cephes' expf: Cody–Waite reduction by ln 2, a degree-6 polynomial, 2^n from the
// exponent bits; about 1 ulp): libm's expf is a call per element. Overflow gives +inf, results below the smallest
// normal float flush to 0.
static inline float ds_expf(float x) {
    float clamped = x > 88.0f ? 88.0f : (x < -87.0f ? -87.0f : x);
    float n = __builtin_floorf(clamped * 1.44269504088896341f + 0.5f);
    float r = clamped - n * 0.693359375f - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    union { int bits; float value; } scale = {((int)n + 127) << 23};
    float result = p * scale.value;
    return x > 88.72283f ? __builtin_inff() : (x < -87.33654f ? 0.0f : result);
}

// σ(x) = 1 / (1 + e^−x), or x·σ(x) (SiLU) with times_input: Float32 with the vectorised e^x, Float64 with libm's.
#define DS_LOGISTIC(suffix, Scalar, exp_)                                                                          \
    DS_VECTOR_CLONES                                                                                               \
    void ds_logistic_##suffix(const Scalar *restrict x, Scalar *restrict y, long count, int times_input) {         \
        if (times_input) {                                                                                         \
            for (long i = 0; i < count; i++) y[i] = x[i] / (1 + exp_(-x[i]));                                      \
        } else {                                                                                                   \
            for (long i = 0; i < count; i++) y[i] = 1 / (1 + exp_(-x[i]));                                         \
        }                                                                                                          \
    }

DS_LOGISTIC(f, float, ds_expf)
DS_LOGISTIC(d, double, exp)

// NaN and ±inf have every exponent bit set: counted on the bit patterns, an integer loop that vectorises.
#define DS_COUNT_NONFINITE(suffix, Scalar, Bits, exponent_bits)                                                    \
    DS_VECTOR_CLONES                                                                                               \
    long ds_count_nonfinite_##suffix(const Scalar *values, long count) {                                           \
        long nonFinite = 0;                                                                                        \
        for (long i = 0; i < count; i++) {                                                                         \
            Bits bits;                                                                                             \
            __builtin_memcpy(&bits, values + i, sizeof bits);                                                      \
            nonFinite += (bits & exponent_bits) == exponent_bits;                                                  \
        }                                                                                                          \
        return nonFinite;                                                                                          \
    }

DS_COUNT_NONFINITE(f, float, uint32_t, 0x7f800000u)
DS_COUNT_NONFINITE(d, double, uint64_t, 0x7ff0000000000000ull)

#define DS_RELU_BACKWARD(suffix, Scalar)                                                                           \
    DS_VECTOR_CLONES                                                                                               \
    void ds_relu_backward_##suffix(const Scalar *input, Scalar *gradient, long count) {                           \
        for (long i = 0; i < count; i++) gradient[i] = input[i] > 0 ? gradient[i] : 0;                            \
    }

DS_RELU_BACKWARD(f, float)
DS_RELU_BACKWARD(d, double)
