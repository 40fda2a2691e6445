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

/// The most rows in one register tile of `isa`'s kernel: 12 (AVX-512), 6 (AVX2) or 4 (portable).
int small_batch_tile_rows(int isa);

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

/// How many chunks the kernels split a call of `rows` rows into: chunks of at most 48 rows, whose inputs
/// stay in a core's L2 cache while every panel of a layer streams past them.
int small_batch_chunk_count(int rows);

/// The first row of chunk `index` of a call of `rows` rows (`rows` for `index ==
/// small_batch_chunk_count(rows)`). The rows are split evenly, larger chunks first, and a call of exactly
/// one chunk's rows tiles them as the larger call does, so it gives each row the same bits.
int small_batch_chunk_start(int rows, int index);

/// A helper thread that computes half of each `small_batch_team_forward`: two threads on one batch, with
/// nothing allocated per call (OpenBLAS allocates a job array per threaded call).
typedef struct small_batch_team small_batch_team;

/// Starts the helper thread; NULL if the thread could not be created.
small_batch_team *small_batch_team_create(void);

/// Stops and joins the helper thread and frees the team. No call may be running.
void small_batch_team_destroy(small_batch_team *team);

/// `small_batch_forward` over every panel, on the caller's thread and the helper's: both claim units of the
/// call (blocks of rows, or ranges of panels: see `small_batch_team_splits_rows`) until none is left, so a
/// helper that is asleep or descheduled costs the call its help, never a wait; returns when every unit is
/// done. Products too small to be worth a hand-off (and single-panel layers) run on the caller's thread
/// alone. One caller at a time per team.
///
/// The helper spins for about 0.2 ms after each call before it sleeps, so back-to-back calls (the layers
/// of one forward pass, the batches of a busy worker) wake it in well under a microsecond.
void small_batch_team_forward(
    small_batch_team *team, int isa, int rows, int outputs, int inputs, const float *packed, const float *x,
    int x_stride, float *y, int y_stride, int relu);

/// Whether `small_batch_team_forward` shares a call of this shape out by rows (each thread computes every
/// output of its rows) rather than by panels (each computes some outputs of every row, after the caller
/// copies all the inputs into the order both read, where the kernel reads them from a copy): from 8 rows,
/// or at any size when the `outputs × inputs` weights fit in 512 KiB, a share of a core's L2 cache, and the
/// call is more than one register tile of rows; never for the portable kernel. Either way every row gets
/// the same bits as on one thread.
int small_batch_team_splits_rows(int isa, int rows, int outputs, int inputs);

/// The most rows of a call that `small_batch_team_forward` copies for an `outputs × inputs` layer packed
/// for `isa`, its input rows `x_stride` floats apart: the calls it shares out by panels (0 when the kernel
/// reads these inputs in place: always for the portable kernel; for the others, when the rows are not a
/// multiple of 2 KiB apart, or those calls have at most 8 rows on AVX-512, 4 on AVX2).
int small_batch_team_copy_rows(int isa, int outputs, int inputs, int x_stride);

/// The bytes the team holds for its calls' input copy: grown to the largest `rows · inputs` floats a call
/// copied (rounded up to 64 bytes), never shrunk; 0 for a NULL team.
size_t small_batch_team_copy_bytes(const small_batch_team *team);

#endif
