#ifndef CSMALLBATCH_INTERNAL_H
#define CSMALLBATCH_INTERNAL_H

// What the two-thread team shares with the kernels, and no caller outside this target needs.

#include "CSmallBatch.h"

// The most rows the kernels compute in one pass over the panels: a chunk, whose inputs stay cache-resident
// (48 rows of 1024 floats are 192 KiB).
#define SMALL_BATCH_CHUNK 48

// Whether the register-blocked kernels read input rows `x_stride` floats apart where they lie, rather
// than from a copy: unless the rows are a multiple of 2 KiB apart, when a tile's rows would share one or
// two sets of the (8-way, 4 KiB-per-way) L1 cache and evict each other.
static inline int small_batch_reads_in_place(int x_stride) {
    return ((unsigned long)x_stride * sizeof(float)) % 2048 != 0;
}

// Whether `isa`'s kernel reads input rows `x_stride` floats apart from a copy: the one rule the copy,
// the team's buffer for it and the memory estimate of that buffer all follow.
static inline int small_batch_copies_inputs(int isa, int x_stride) {
    return isa != SMALL_BATCH_PORTABLE && !small_batch_reads_in_place(x_stride);
}

// Copies `rows × inputs` of `x` into `a` (`rows · inputs` floats) in the order `isa`'s kernel reads them
// in one forward pass; returns 0 (and writes nothing) for a kernel that reads these inputs in place.
int small_batch_pack_inputs(int isa, int rows, int inputs, const float *x, int x_stride, float *a);

// `small_batch_forward` over inputs `small_batch_pack_inputs` has copied into `a`.
void small_batch_forward_prepacked(
    int isa, int rows, int outputs, int inputs, const float *packed, const float *a, float *y, int y_stride,
    int relu, int first_panel, int end_panel);

#endif
