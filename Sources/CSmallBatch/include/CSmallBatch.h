#ifndef CSMALLBATCH_H
#define CSMALLBATCH_H

/// Whether this CPU runs the multi-row kernel (x86-64 with AVX2 and FMA); without it callers keep to
/// one `cblas_sgemv` per row.
int small_batch_kernel_available(void);

/// Computes `y[r][j] = sum_i w[j][i] * x[r][i]` for the `rows` rows of `x`, reading each row of the
/// row-major `outputs × inputs` weight matrix `w` once per four input rows.
///
/// `x_stride` and `y_stride` are the distances between rows in floats. Fast only where
/// `small_batch_kernel_available()` returns 1; elsewhere plain loops compute the same, slowly.
void small_batch_gemv(
    int rows, int outputs, int inputs, const float *w, const float *x, int x_stride, float *y, int y_stride);

#endif
