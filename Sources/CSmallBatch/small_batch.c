#include "CSmallBatch.h"
#include "small_batch_internal.h"

// Why these kernels exist: OpenBLAS packs the weights on every sgemm call, so a GEMM of a few rows on a
// 1024 × 1024 layer costs several times a row's sgemv, and sgemv row by row streams the weights once per
// row. Here the weights are packed once, when the layer is made, into panels the kernel streams front to
// back (as MLAS and BLIS lay out their packed operand), and each panel is read once per tile of rows.

#define SB_CHUNK SMALL_BATCH_CHUNK
#define PORTABLE_NR 16
#define PORTABLE_MR 4
#define AVX2_MR 6
#define AVX512_MR 12

static int panel_width(int isa) { return isa == SMALL_BATCH_AVX512 ? 32 : 16; }

int small_batch_panel_width(int isa) { return panel_width(isa); }

int small_batch_tile_rows(int isa) {
    switch (isa) {
    case SMALL_BATCH_AVX512: return AVX512_MR;
    case SMALL_BATCH_AVX2: return AVX2_MR;
    default: return PORTABLE_MR;
    }
}

int small_batch_chunk_count(int rows) { return rows > 0 ? (rows + SB_CHUNK - 1) / SB_CHUNK : 0; }

int small_batch_chunk_start(int rows, int index) {
    const int chunks = small_batch_chunk_count(rows);
    if (chunks == 0) return 0;
    const int base = rows / chunks, extra = rows % chunks;
    return index * base + (index < extra ? index : extra);
}

int small_batch_panel_count(int isa, int outputs) {
    const int width = panel_width(isa);
    return (outputs + width - 1) / width;
}

size_t small_batch_packed_count(int isa, int outputs, int inputs) {
    const size_t padded = (size_t)small_batch_panel_count(isa, outputs) * (size_t)panel_width(isa);
    return padded * ((size_t)inputs + 1);
}

void small_batch_pack(int isa, int outputs, int inputs, const float *weights, const float *bias, float *packed) {
    const int width = panel_width(isa);
    const int panels = small_batch_panel_count(isa, outputs);
    float *biases = packed + (size_t)panels * (size_t)width * (size_t)inputs;
    for (int p = 0; p < panels; p++) {
        float *panel = packed + (size_t)p * (size_t)width * (size_t)inputs;
        for (int j = 0; j < width; j++) {
            const int output = p * width + j;
            if (output < outputs) {
                const float *source = weights + (size_t)output * (size_t)inputs;
                for (int k = 0; k < inputs; k++) panel[(size_t)k * (size_t)width + (size_t)j] = source[k];
            } else {
                for (int k = 0; k < inputs; k++) panel[(size_t)k * (size_t)width + (size_t)j] = 0;
            }
            biases[p * width + j] = output < outputs ? bias[output] : 0;
        }
    }
}

// Plain C over the same layout; the compiler vectorises the loops over a panel's outputs for whatever the
// baseline instruction set is (SSE2 on x86-64, NEON on arm64).
static void portable_forward(
    int rows, int outputs, int inputs, const float *packed, const float *x, int x_stride, float *y, int y_stride,
    int relu, int first_panel, int end_panel) {
    const int panels = small_batch_panel_count(SMALL_BATCH_PORTABLE, outputs);
    const float *biases = packed + (size_t)panels * PORTABLE_NR * (size_t)inputs;
    for (int p = first_panel; p < end_panel; p++) {
        const float *panel = packed + (size_t)p * PORTABLE_NR * (size_t)inputs;
        const float *bias = biases + (size_t)p * PORTABLE_NR;
        const int cols = outputs - p * PORTABLE_NR < PORTABLE_NR ? outputs - p * PORTABLE_NR : PORTABLE_NR;
        for (int start = 0; start < rows; start += PORTABLE_MR) {
            const int mr = rows - start < PORTABLE_MR ? rows - start : PORTABLE_MR;
            float acc[PORTABLE_MR][PORTABLE_NR] = {{0}};
            for (int k = 0; k < inputs; k++) {
                const float *w = panel + (size_t)k * PORTABLE_NR;
                for (int r = 0; r < mr; r++) {
                    const float value = x[(size_t)(start + r) * (size_t)x_stride + (size_t)k];
                    for (int j = 0; j < PORTABLE_NR; j++) acc[r][j] += w[j] * value;
                }
            }
            for (int r = 0; r < mr; r++) {
                float *row = y + (size_t)(start + r) * (size_t)y_stride + (size_t)p * PORTABLE_NR;
                for (int j = 0; j < cols; j++) {
                    const float value = acc[r][j] + bias[j];
                    row[j] = relu && value < 0 ? 0 : value;
                }
            }
        }
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

static int cpu_has(int isa) {
    __builtin_cpu_init();
    switch (isa) {
    case SMALL_BATCH_PORTABLE: return 1;
    case SMALL_BATCH_AVX2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case SMALL_BATCH_AVX512: return __builtin_cpu_supports("avx512f");
    default: return 0;
    }
}

// AVX2 + FMA: 6 rows × 16 outputs, 12 of the 16 ymm registers accumulating (the Haswell shape of BLIS).
#define SB_NAME(x) x##_avx2
#define SB_ISA SMALL_BATCH_AVX2
#define SB_TARGET __attribute__((target("avx2,fma")))
#define SB_VEC __m256
#define SB_VW 8
#define SB_NV 2
#define SB_MR AVX2_MR
#define SB_KC 256
#define SB_LOAD(p) _mm256_loadu_ps(p)
#define SB_STORE(p, v) _mm256_storeu_ps(p, v)
#define SB_BCAST(p) _mm256_broadcast_ss(p)
#define SB_FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define SB_ADD(a, b) _mm256_add_ps(a, b)
#define SB_MAX(a, b) _mm256_max_ps(a, b)
#define SB_ZERO() _mm256_setzero_ps()
#include "kernel_template.h"
#undef SB_NAME
#undef SB_ISA
#undef SB_TARGET
#undef SB_VEC
#undef SB_VW
#undef SB_NV
#undef SB_MR
#undef SB_KC
#undef SB_LOAD
#undef SB_STORE
#undef SB_BCAST
#undef SB_FMA
#undef SB_ADD
#undef SB_MAX
#undef SB_ZERO

// AVX-512F: 12 rows × 32 outputs, 24 of the 32 zmm registers accumulating (the shape of MLAS's kernel).
// Slices of 256 inputs: a panel's slice (32 KiB) fills the L1 cache rather than half of it, but a
// 256-input layer then takes one pass instead of two (no partial sums stored and reloaded per tile), and
// a 1024-input one four instead of eight; on Zen 4 that ran 3–5 % faster than 128 from 4 rows up.
#define SB_NAME(x) x##_avx512
#define SB_ISA SMALL_BATCH_AVX512
#define SB_TARGET __attribute__((target("avx512f")))
#define SB_VEC __m512
#define SB_VW 16
#define SB_NV 2
#define SB_MR AVX512_MR
#define SB_KC 256
#define SB_LOAD(p) _mm512_loadu_ps(p)
#define SB_STORE(p, v) _mm512_storeu_ps(p, v)
#define SB_BCAST(p) _mm512_set1_ps(*(p))
#define SB_FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define SB_ADD(a, b) _mm512_add_ps(a, b)
#define SB_MAX(a, b) _mm512_max_ps(a, b)
#define SB_ZERO() _mm512_setzero_ps()
#include "kernel_template.h"

#else

static int cpu_has(int isa) { return isa == SMALL_BATCH_PORTABLE; }

#endif

int small_batch_isa_supported(int isa) { return cpu_has(isa); }

int small_batch_best_isa(void) {
    if (cpu_has(SMALL_BATCH_AVX512)) return SMALL_BATCH_AVX512;
    if (cpu_has(SMALL_BATCH_AVX2)) return SMALL_BATCH_AVX2;
    return SMALL_BATCH_PORTABLE;
}

static void forward_any(
    int isa, int rows, int outputs, int inputs, const float *packed, const float *x, int x_stride,
    const float *prepacked, float *y, int y_stride, int relu, int first_panel, int end_panel) {
    if (rows <= 0 || first_panel >= end_panel) return;
    switch (isa) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    case SMALL_BATCH_AVX512:
        forward_avx512(
            rows, outputs, inputs, packed, x, x_stride, prepacked, y, y_stride, relu, first_panel, end_panel);
        return;
    case SMALL_BATCH_AVX2:
        forward_avx2(rows, outputs, inputs, packed, x, x_stride, prepacked, y, y_stride, relu, first_panel, end_panel);
        return;
#endif
    default:
        portable_forward(rows, outputs, inputs, packed, x, x_stride, y, y_stride, relu, first_panel, end_panel);
        return;
    }
}

void small_batch_forward(
    int isa, int rows, int outputs, int inputs, const float *packed, const float *x, int x_stride, float *y,
    int y_stride, int relu, int first_panel, int end_panel) {
    forward_any(isa, rows, outputs, inputs, packed, x, x_stride, NULL, y, y_stride, relu, first_panel, end_panel);
}

int small_batch_pack_inputs(int isa, int rows, int inputs, const float *x, int x_stride, float *a) {
    if (!small_batch_copies_inputs(isa, rows, x_stride)) return 0;
    switch (isa) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    case SMALL_BATCH_AVX512: pack_inputs_avx512(rows, inputs, x, x_stride, a); return 1;
    case SMALL_BATCH_AVX2: pack_inputs_avx2(rows, inputs, x, x_stride, a); return 1;
#endif
    default: return 0;
    }
}

void small_batch_forward_prepacked(
    int isa, int rows, int outputs, int inputs, const float *packed, const float *a, float *y, int y_stride,
    int relu, int first_panel, int end_panel) {
    forward_any(isa, rows, outputs, inputs, packed, NULL, inputs, a, y, y_stride, relu, first_panel, end_panel);
}
