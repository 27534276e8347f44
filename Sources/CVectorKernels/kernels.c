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
