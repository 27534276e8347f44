#ifndef DECODER_SPECTRA_VECTOR_KERNELS_H
#define DECODER_SPECTRA_VECTOR_KERNELS_H

/// Sums of a comparison of two spectra planes (docs/theory.md §7): Σ|y − x|², Σ|x|², Σ|y|² and Σ|x|·|y|.
typedef struct {
    double difference;
    double reference;
    double predicted;
    double magnitudeProduct;
} ds_plane_sums;

/// One pass over one complex plane x (interleaved re, im; `count` values) of an actual spectrum, in Float64:
/// - power[f] += |x_f|² where power is not NULL, magnitude[f] += |x_f| · magnitude_scale where magnitude is not NULL;
/// - where predicted is not NULL, the sums of its comparison with x are added to *sums.
/// The statistics of the analysis make one such pass per (image, channel) instead of several (|x|² once, √ once);
/// Swift keeps such loops scalar (√ guards a libm call per element). Built for AVX-512, AVX2 and baseline x86-64,
/// the best one chosen when the program starts (target_clones); the sums run in vector lanes, so their rounding
/// differs from a sequential sum by a few ulps.
void ds_fold_plane_f(const float *actual, const float *predicted, long count, double *power, double *magnitude,
                     double magnitude_scale, ds_plane_sums *sums);

/// `ds_fold_plane_f` for Float64 spectra.
void ds_fold_plane_d(const double *actual, const double *predicted, long count, double *power, double *magnitude,
                     double magnitude_scale, ds_plane_sums *sums);

#endif
