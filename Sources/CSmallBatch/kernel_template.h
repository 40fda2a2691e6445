// The register-blocked kernel over packed panels, written once and included by small_batch.c for each
// instruction set, with these defined first:
//   SB_NAME(x)   the function name for this instruction set
//   SB_ISA       its SMALL_BATCH_* constant
//   SB_TARGET    the `target` attribute that lets these functions use it without global -m flags
//   SB_VEC       the vector type; SB_VW floats per vector, SB_NV vectors per panel row
//   SB_MR        the most rows in one register tile
//   SB_KC        the most inputs in one pass: a panel's slice of SB_KC inputs stays in the L1 cache
//                while every tile of rows streams past it
//   SB_LOAD, SB_STORE, SB_BCAST, SB_FMA, SB_ADD, SB_MAX, SB_ZERO   the vector operations
//
// A tile is `mr` rows × one panel (SB_VW · SB_NV outputs) accumulated in registers over every input: one
// panel row load per input feeds mr · SB_NV fused multiply-adds, so the panel is read once per tile and
// the inputs once per panel. Few rows give too few accumulators to hide the FMA latency, so those tiles
// split the inputs over `ku` independent accumulator sets, summed at the end. A layer with more than
// SB_KC inputs is computed in passes over slices of them: every pass but the first resumes from the
// partial sums in `y`, and only the last adds the bias and applies relu.

#define SB_NR (SB_VW * SB_NV)

// The loops over a tile's rows and vectors inside the loop over inputs must unroll completely, or the
// accumulators cannot stay in registers: left to its heuristics, clang unrolled the 12-row tile only by
// two and kept its 24 accumulators on the stack, a load and a store around every multiply-add. (Marking
// the loops outside it as well made clang spill elsewhere.)
#ifndef SB_UNROLL
#if defined(__clang__)
#define SB_UNROLL _Pragma("clang loop unroll(full)")
#elif defined(__GNUC__)
#define SB_UNROLL _Pragma("GCC unroll 64")
#else
#define SB_UNROLL
#endif
#endif

SB_TARGET __attribute__((always_inline)) static inline void SB_NAME(tile)(
    const int mr, const int ku, int inputs, const float *panel, const float *bias, const float *a, const size_t ak,
    const size_t ar, float *y, size_t ys, int cols, int relu, int resume, int finish) {
    SB_VEC acc[4][SB_MR][SB_NV];
    for (int s = 0; s < ku; s++)
        for (int r = 0; r < mr; r++)
            for (int v = 0; v < SB_NV; v++) acc[s][r][v] = SB_ZERO();
    if (resume) {
        for (int r = 0; r < mr; r++) {
            const float *row = y + (size_t)r * ys;
            for (int v = 0; v < SB_NV; v++) {
                if (cols == SB_NR) {
                    acc[0][r][v] = SB_LOAD(row + v * SB_VW);
                } else {
                    float lanes[SB_VW] = {0};
                    for (int l = 0; l < SB_VW && v * SB_VW + l < cols; l++) lanes[l] = row[v * SB_VW + l];
                    acc[0][r][v] = SB_LOAD(lanes);
                }
            }
        }
    }
    int k = 0;
    for (; k + ku <= inputs; k += ku) {
        for (int s = 0; s < ku; s++) {
            const float *w = panel + (size_t)(k + s) * SB_NR;
            SB_VEC wv[SB_NV];
            SB_UNROLL
            for (int v = 0; v < SB_NV; v++) wv[v] = SB_LOAD(w + v * SB_VW);
            SB_UNROLL
            for (int r = 0; r < mr; r++) {
                SB_VEC xv = SB_BCAST(a + (size_t)(k + s) * ak + (size_t)r * ar);
                SB_UNROLL
                for (int v = 0; v < SB_NV; v++) acc[s][r][v] = SB_FMA(wv[v], xv, acc[s][r][v]);
            }
        }
    }
    for (; k < inputs; k++) {
        const float *w = panel + (size_t)k * SB_NR;
        SB_UNROLL
        for (int r = 0; r < mr; r++) {
            SB_VEC xv = SB_BCAST(a + (size_t)k * ak + (size_t)r * ar);
            SB_UNROLL
            for (int v = 0; v < SB_NV; v++) acc[0][r][v] = SB_FMA(SB_LOAD(w + v * SB_VW), xv, acc[0][r][v]);
        }
    }
    for (int s = 1; s < ku; s++)
        for (int r = 0; r < mr; r++)
            for (int v = 0; v < SB_NV; v++) acc[0][r][v] = SB_ADD(acc[0][r][v], acc[s][r][v]);
    for (int r = 0; r < mr; r++) {
        float *row = y + (size_t)r * ys;
        for (int v = 0; v < SB_NV; v++) {
            SB_VEC out = acc[0][r][v];
            if (finish) out = SB_ADD(out, SB_LOAD(bias + v * SB_VW));
            // max(0, x) in this order: the instruction returns its second operand when either is NaN,
            // so a NaN stays NaN (as the epilogue and NumPy give it) instead of becoming 0.
            if (finish && relu) out = SB_MAX(SB_ZERO(), out);
            if (cols == SB_NR) {
                SB_STORE(row + v * SB_VW, out);
            } else {
                // The last panel of a layer whose width is not a multiple of the panel's: the padded
                // outputs were computed (their weights are zero) but have no place in `y`.
                float lanes[SB_VW];
                SB_STORE(lanes, out);
                for (int l = 0; l < SB_VW && v * SB_VW + l < cols; l++) row[v * SB_VW + l] = lanes[l];
            }
        }
    }
}

// One tile of `mr` rows (1 ≤ mr ≤ SB_MR), with the accumulator split that keeps at least eight
// independent fused multiply-add chains in flight. Its inputs are the rows themselves, `a_stride` floats
// apart, when `in_place`; otherwise their copy, input-major. Each way is a tile of its own, whose
// addressing the compiler sees whole.
SB_TARGET static void SB_NAME(block)(
    int mr, int inputs, const float *panel, const float *bias, const float *a, int in_place, size_t a_stride,
    float *y, size_t ys, int cols, int relu, int resume, int finish) {
#define SB_TILE(ROWS, KU)                                                                                   \
    case ROWS:                                                                                              \
        if (in_place)                                                                                       \
            SB_NAME(tile)(ROWS, KU, inputs, panel, bias, a, 1, a_stride, y, ys, cols, relu, resume, finish); \
        else                                                                                                \
            SB_NAME(tile)(ROWS, KU, inputs, panel, bias, a, ROWS, 1, y, ys, cols, relu, resume, finish);   \
        break;
    switch (mr) {
        SB_TILE(1, 4)
        SB_TILE(2, 2)
        SB_TILE(3, 2)
        SB_TILE(4, 1)
        SB_TILE(5, 1)
        SB_TILE(6, 1)
#if SB_MR > 6
        SB_TILE(7, 1)
        SB_TILE(8, 1)
        SB_TILE(9, 1)
        SB_TILE(10, 1)
        SB_TILE(11, 1)
        SB_TILE(12, 1)
#endif
    default: break;
    }
#undef SB_TILE
}

// Rows in chunks of at most SB_CHUNK (whose inputs stay in the L2 cache while every panel streams past),
// each chunk's rows split evenly into tiles: 7 rows as 4 + 3, not 6 + 1, so no tile starves the FMA units;
// inputs in slices of at most SB_KC, each panel's slice read from memory once per chunk and from L1 by
// every tile of it. Rows a multiple of 2 KiB apart (1024 floats, say) have each tile's slice of the
// inputs first copied input-major (`a[k][r]`), as BLIS packs its A operand: read in place, a tile's rows
// would fall into one or two L1 sets and evict each other. Calls of few rows, which fit in one set, and
// rows at other strides, which spread over the sets, are read in place (`small_batch_reads_in_place`): the
// copy is a scalar transpose made once per chunk, which a layer of few outputs (few panels) cannot spread
// thin. Either way each row is summed in the same order, to the same bits.
//
// The copies of the whole input, laid end to end in the order the loops below read them, are what
// `pack_inputs` writes: chunk by chunk, in each chunk slice by slice, in each slice tile by tile. With
// `prepacked` the forward pass reads them from there (two threads sharing one call copy the inputs once,
// not once per claim of panels); without, it copies each chunk's slice into a buffer on the stack.
#define SB_CHUNKS(rows) (((rows) + SB_CHUNK - 1) / SB_CHUNK)
#define SB_CHUNK_ROWS(rows, chunk_start, c, chunks) (((rows) - (chunk_start) + ((chunks) - (c)) - 1) / ((chunks) - (c)))
#define SB_TILE_ROWS(chunk_rows, done, t, tiles) (((chunk_rows) - (done) + ((tiles) - (t)) - 1) / ((tiles) - (t)))
// Where `pack_inputs` puts, and `forward` finds, the copy of one chunk's slice of inputs starting at k0.
#define SB_SLICE_OFFSET(chunk_start, chunk_rows, k0, inputs)                                                \
    ((size_t)(chunk_start) * (size_t)(inputs) + (size_t)(chunk_rows) * (size_t)(k0))

SB_TARGET static void SB_NAME(pack_slice)(
    int chunk_rows, int kc, const float *x, size_t xs, float *a) {
    const int tiles = (chunk_rows + SB_MR - 1) / SB_MR;
    int packed_rows = 0;
    for (int t = 0; t < tiles; t++) {
        const int mr = SB_TILE_ROWS(chunk_rows, packed_rows, t, tiles);
        float *tile = a + (size_t)packed_rows * (size_t)kc;
        for (int r = 0; r < mr; r++) {
            const float *source = x + (size_t)(packed_rows + r) * xs;
            for (int k = 0; k < kc; k++) tile[(size_t)k * (size_t)mr + (size_t)r] = source[k];
        }
        packed_rows += mr;
    }
}

SB_TARGET static void SB_NAME(pack_inputs)(int rows, int inputs, const float *x, int x_stride, float *a) {
    const size_t xs = (size_t)x_stride;
    const int chunks = SB_CHUNKS(rows);
    int chunk_start = 0;
    for (int c = 0; c < chunks; c++) {
        const int chunk_rows = SB_CHUNK_ROWS(rows, chunk_start, c, chunks);
        for (int k0 = 0; k0 < inputs; k0 += SB_KC) {
            const int kc = inputs - k0 < SB_KC ? inputs - k0 : SB_KC;
            SB_NAME(pack_slice)(
                chunk_rows, kc, x + (size_t)chunk_start * xs + (size_t)k0, xs,
                a + SB_SLICE_OFFSET(chunk_start, chunk_rows, k0, inputs));
        }
        chunk_start += chunk_rows;
    }
}

SB_TARGET static void SB_NAME(forward)(
    int rows, int outputs, int inputs, const float *packed, const float *x, int x_stride, const float *prepacked,
    float *y, int y_stride, int relu, int first_panel, int end_panel) {
    const int panels = (outputs + SB_NR - 1) / SB_NR;
    const float *biases = packed + (size_t)panels * SB_NR * (size_t)inputs;
    const size_t xs = (size_t)x_stride, ys = (size_t)y_stride;
    const int in_place = !prepacked && small_batch_reads_in_place(SB_ISA, rows, x_stride);
    const int chunks = SB_CHUNKS(rows);
    float local[SB_CHUNK * SB_KC] __attribute__((aligned(64)));
    int chunk_start = 0;
    for (int c = 0; c < chunks; c++) {
        const int chunk_rows = SB_CHUNK_ROWS(rows, chunk_start, c, chunks);
        const int tiles = (chunk_rows + SB_MR - 1) / SB_MR;
        for (int k0 = 0; k0 < inputs; k0 += SB_KC) {
            const int kc = inputs - k0 < SB_KC ? inputs - k0 : SB_KC;
            const float *a;
            if (in_place) {
                a = x + (size_t)chunk_start * xs + (size_t)k0;
            } else if (prepacked) {
                a = prepacked + SB_SLICE_OFFSET(chunk_start, chunk_rows, k0, inputs);
            } else {
                SB_NAME(pack_slice)(chunk_rows, kc, x + (size_t)chunk_start * xs + (size_t)k0, xs, local);
                a = local;
            }
            for (int p = first_panel; p < end_panel; p++) {
                const float *panel = packed + ((size_t)p * (size_t)inputs + (size_t)k0) * SB_NR;
                const int cols = outputs - p * SB_NR < SB_NR ? outputs - p * SB_NR : SB_NR;
                int start = 0;
                for (int t = 0; t < tiles; t++) {
                    const int mr = SB_TILE_ROWS(chunk_rows, start, t, tiles);
                    const size_t row = (size_t)(chunk_start + start);
                    const float *tile_inputs = a + (size_t)start * (in_place ? xs : (size_t)kc);
                    SB_NAME(block)(
                        mr, kc, panel, biases + (size_t)p * SB_NR, tile_inputs, in_place, xs,
                        y + row * ys + (size_t)p * SB_NR, ys, cols, relu, k0 > 0, k0 + kc >= inputs);
                    start += mr;
                }
            }
        }
        chunk_start += chunk_rows;
    }
}

#undef SB_CHUNKS
#undef SB_CHUNK_ROWS
#undef SB_TILE_ROWS
#undef SB_SLICE_OFFSET
#undef SB_NR
