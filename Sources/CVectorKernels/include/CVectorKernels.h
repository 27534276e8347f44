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

/// The conv rule of one frequency row u (Theorem 3.2), factored as T(u, v) = Σ_s e_s(v) · A_s(u) with A_s(u) =
/// Σ_t e_t(u) · W[·, ·, t, s]: out[s] (interleaved re, im; `entries` values each, an entry one (output, input) channel
/// pair in the taps' order) = Σ_t (phase_re[t] + i·phase_im[t]) · taps[(t·kw + s)·entries + ·] for every column
/// tap s < kw. Stacked over s it is the [kw·outputs, inputs] matrix one GEMM applies to a whole row of spectra.
void ds_transfer_row_matrix_f(const float *taps, const float *phase_re, const float *phase_im, long kh, long kw,
                              long entries, float *out);
void ds_transfer_row_matrix_d(const double *taps, const double *phase_re, const double *phase_im, long kh, long kw,
                              long entries, double *out);

/// The column phases applied to that GEMM's product: out[d·out_stride + v] = Σ_s (phase_re[s·columns + v] +
/// i·phase_im[s·columns + v]) · products[(s·outputs + d)·columns + v], interleaved complex, for d < outputs and
/// v < columns (out_stride in complex values: one output row per channel plane). `products` is left zero, ready for
/// the next GEMM to accumulate into (β = 1 needs no pass over it).
void ds_combine_column_phases_f(float *products, const float *phase_re, const float *phase_im, long kw,
                                long outputs, long columns, float *out, long out_stride);
void ds_combine_column_phases_d(double *products, const double *phase_re, const double *phase_im, long kw,
                                long outputs, long columns, double *out, long out_stride);

/// Two real planes a, b of `count` values packed as one complex plane z = s_a·a + i·s_b·b for one FFT (interleaved;
/// scales[0], scales[1] = s_a, s_b: powers of two that bring each plane's largest magnitude into [1/2, 1)). With b NULL,
/// z = a + 0i and both scales 1. Returns 0, having written nothing useful, when a or b holds a NaN or an infinity
/// (such planes are transformed one by one, so that one cannot spoil the other).
int ds_pack_real_pair_f(const float *a, const float *b, long count, float *z, float *scales);
int ds_pack_real_pair_d(const double *a, const double *b, long count, double *z, double *scales);

/// The spectra of the two planes from Z = FFT(z), a rows × columns complex plane: A(k) = (Z(k) + conj Z(−k))/(2 s_a)
/// into out_a and B(k) = −i (Z(k) − conj Z(−k))/(2 s_b) into out_b (−k taken modulo the sides).
void ds_unpack_real_pair_f(const float *z, long rows, long columns, const float *scales, float *out_a, float *out_b);
void ds_unpack_real_pair_d(const double *z, long rows, long columns, const double *scales, double *out_a,
                           double *out_b);

/// The logistic function y = 1 / (1 + e^−x), or y = x / (1 + e^−x) (SiLU) with times_input, for `count` values: in
/// Float32 with a vectorised e^x (Cephes' expf, about 1 ulp; libm's is a call per element), in Float64 with libm's.
void ds_logistic_f(const float *x, float *y, long count, int times_input);
void ds_logistic_d(const double *x, double *y, long count, int times_input);

/// The number of NaN and infinite values among `count` (the check every analysed stage gets).
long ds_count_nonfinite_f(const float *values, long count);
long ds_count_nonfinite_d(const double *values, long count);

/// The gradient of ReLU in place: gradient[i] = 0 where input[i] ≤ 0 (or NaN), as torch's threshold_backward (a select,
/// not a product: an infinite gradient stays 0 there). Swift's loop compiled to a branch per element.
void ds_relu_backward_f(const float *input, float *gradient, long count);
void ds_relu_backward_d(const double *input, double *gradient, long count);

#endif
