#ifndef CSMALLBATCH_INTERNAL_H
#define CSMALLBATCH_INTERNAL_H

// What the two-thread team shares with the kernels, and no caller outside this target needs.

#include "CSmallBatch.h"

// The most rows the kernels compute in one pass over the panels: a chunk, whose inputs stay cache-resident
// (48 rows of 1024 floats are 192 KiB).
#define SMALL_BATCH_CHUNK 48

// The most rows of a call whose inputs `isa`'s kernel reads in place even when they are a multiple of
// 2 KiB apart. Such rows fall into one set of the (8-way, 4 KiB-per-way) L1 cache, and a tile's rows all
// stay there only while they are few: up to 8 on AVX-512, one set's ways. The AVX2 tile read in place
// costs an address add per row and input, which outweighs the copy from 5 rows up.
static inline int small_batch_in_place_rows(int isa) {
    switch (isa) {
    case SMALL_BATCH_AVX512: return 8;
    case SMALL_BATCH_AVX2: return 4;
    default: return 0;
    }
}

// Whether the register-blocked kernels read a call's `rows` input rows, `x_stride` floats apart, where
// they lie rather than from a copy. A copy costs a serial pass over the inputs and, when two threads share
// the call, every row crossing between their cores once more; it pays only where a tile's rows would
// evict each other from the L1 cache.
static inline int small_batch_reads_in_place(int isa, int rows, int x_stride) {
    return ((unsigned long)x_stride * sizeof(float)) % 2048 != 0 || rows <= small_batch_in_place_rows(isa);
}

// Whether `isa`'s kernel reads a call's `rows` input rows `x_stride` floats apart from a copy: the one
// rule the copy, the team's buffer for it and the memory estimate of that buffer all follow.
static inline int small_batch_copies_inputs(int isa, int rows, int x_stride) {
    return isa != SMALL_BATCH_PORTABLE && !small_batch_reads_in_place(isa, rows, x_stride);
}

// Copies `rows × inputs` of `x` into `a` (`rows · inputs` floats) in the order `isa`'s kernel reads them
// in one forward pass; returns 0 (and writes nothing) for a kernel that reads these inputs in place.
int small_batch_pack_inputs(int isa, int rows, int inputs, const float *x, int x_stride, float *a);

// `small_batch_forward` over inputs `small_batch_pack_inputs` has copied into `a`.
void small_batch_forward_prepacked(
    int isa, int rows, int outputs, int inputs, const float *packed, const float *a, float *y, int y_stride,
    int relu, int first_panel, int end_panel);

#endif
