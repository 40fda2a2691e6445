#ifndef CSMALLBATCH_H
#define CSMALLBATCH_H

#include <stddef.h>

/// The instruction sets the packed small-batch kernels are written for, best last.
#define SMALL_BATCH_PORTABLE 0
#define SMALL_BATCH_AVX2 1
#define SMALL_BATCH_AVX512 2

/// The best kernel this CPU runs: `SMALL_BATCH_AVX512` (AVX-512F), `SMALL_BATCH_AVX2` (AVX2 and FMA) or
/// `SMALL_BATCH_PORTABLE` (plain C the compiler vectorises for the baseline instruction set).
int small_batch_best_isa(void);

/// Whether this CPU runs the kernel for `isa` (the portable one runs everywhere).
int small_batch_isa_supported(int isa);

/// The number of outputs in one packed panel for `isa`: 16 (portable, AVX2) or 32 (AVX-512).
int small_batch_panel_width(int isa);

/// The number of panels an `outputs`-wide layer packs into for `isa`.
int small_batch_panel_count(int isa, int outputs);

/// The number of floats `small_batch_pack` writes for an `outputs × inputs` layer.
size_t small_batch_packed_count(int isa, int outputs, int inputs);

/// Packs the row-major `outputs × inputs` weights and the `outputs` biases for `isa`'s kernel.
///
/// Panel `p` holds outputs `p·NR ..< (p+1)·NR` (NR from `small_batch_panel_width`) as `inputs` groups of
/// NR consecutive floats, one group per input, so the kernel streams a panel front to back; the outputs
/// past the last are zero. The biases follow the last panel, padded to whole panels the same way.
/// `packed` holds `small_batch_packed_count` floats; 64-byte alignment makes every panel load aligned.
void small_batch_pack(int isa, int outputs, int inputs, const float *weights, const float *bias, float *packed);

/// Computes `y[r][j] = act(b[j] + sum_i w[j][i] * x[r][i])` for the `rows` rows of `x` and the outputs of
/// panels `first_panel ..< end_panel`, where `act` is `max(·, 0)` if `relu` is non-zero and the identity
/// otherwise.
///
/// `packed` comes from `small_batch_pack` with the same `isa`, which the CPU must support. Rows are
/// computed in register tiles (up to 6 rows × 16 outputs with AVX2, 12 × 32 with AVX-512) that read each
/// panel once per tile. `x_stride` and `y_stride` are the distances between rows in floats. Two callers
/// may compute disjoint panel ranges of the same product at once.
void small_batch_forward(
    int isa, int rows, int outputs, int inputs, const float *packed, const float *x, int x_stride, float *y,
    int y_stride, int relu, int first_panel, int end_panel);

#endif
