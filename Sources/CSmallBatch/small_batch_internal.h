#ifndef CSMALLBATCH_INTERNAL_H
#define CSMALLBATCH_INTERNAL_H

// What the two-thread team shares with the kernels, and no caller outside this target needs.

// The most rows the kernels compute in one pass over the panels: a chunk, whose inputs stay cache-resident
// (48 rows of 1024 floats are 192 KiB).
#define SMALL_BATCH_CHUNK 48

// Copies `rows × inputs` of `x` into `a` (`rows · inputs` floats) in the order `isa`'s kernel reads them
// in one forward pass; returns 0 (and writes nothing) for a kernel that reads its inputs in place.
int small_batch_pack_inputs(int isa, int rows, int inputs, const float *x, int x_stride, float *a);

// `small_batch_forward` over inputs `small_batch_pack_inputs` has copied into `a`.
void small_batch_forward_prepacked(
    int isa, int rows, int outputs, int inputs, const float *packed, const float *a, float *y, int y_stride,
    int relu, int first_panel, int end_panel);

#endif
