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

/// The row sums of a convolution's transfer matrices for one frequency row u (Theorem 3.2, assembled from the kernel
/// taps): R_s[j] = Σ_t (phase_re[t] + i·phase_im[t]) · taps[(t·kw + s)·entries + j] for every column tap s < kw and
/// entry j < entries (an entry is one (output, input) channel pair), written as row_sums[(2s)·entries + j] (real) and
/// row_sums[(2s + 1)·entries + j] (imaginary).
void ds_transfer_row_sums_f(const float *taps, const float *phase_re, const float *phase_im, long kh, long kw,
                            long entries, float *row_sums);
void ds_transfer_row_sums_d(const double *taps, const double *phase_re, const double *phase_im, long kh, long kw,
                            long entries, double *row_sums);

/// T(u, v) from the row sums of row u and the column phases of v: out[j] = Σ_s (phase_re[s] + i·phase_im[s]) · R_s[j]
/// for j < entries, the sum over s in ascending order, interleaved (re, im).
void ds_transfer_matrix_f(const float *row_sums, const float *phase_re, const float *phase_im, long kw, long entries,
                          float *out);
void ds_transfer_matrix_d(const double *row_sums, const double *phase_re, const double *phase_im, long kw,
                          long entries, double *out);

/// The gradient of ReLU in place: gradient[i] = 0 where input[i] ≤ 0 (or NaN), as torch's threshold_backward (a select,
/// not a product: an infinite gradient stays 0 there). Swift's loop compiled to a branch per element.
void ds_relu_backward_f(const float *input, float *gradient, long count);
void ds_relu_backward_d(const double *input, double *gradient, long count);

#endif
