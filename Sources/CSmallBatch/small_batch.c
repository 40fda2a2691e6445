#include "CSmallBatch.h"

#include <stddef.h>

// One weight row against one input row, plainly: the odd last weight row of the AVX2 kernel, and every
// product where that kernel is not compiled.
static inline float scalar_dot(const float *w, const float *x, int count) {
    float sum = 0;
    for (int k = 0; k < count; k++) sum += w[k] * x[k];
    return sum;
}

// Why this kernel exists: OpenBLAS packs the weights on every sgemm call, so a GEMM of 2–8 rows on a
// 1024 × 1024 layer costs several times a row's sgemv, and sgemv row by row streams the weights once per
// row. A small batch on large layers is bound by reading the weights; this reads each weight row once for
// up to four input rows, which makes a second row nearly free when the weights come from memory.

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

int small_batch_kernel_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

__attribute__((target("avx2,fma"))) static inline float horizontal_sum(__m256 v) {
    __m128 sum = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
    sum = _mm_add_ss(sum, _mm_movehdup_ps(sum));
    return _mm_cvtss_f32(sum);
}

// Two weight rows at a time against ROWS input rows: 2 × ROWS accumulators (at most 8 of the 16 ymm
// registers), two weight loads and ROWS input loads per 2 × ROWS fused multiply-adds.
#define SMALL_BATCH_KERNEL(ROWS)                                                                            \
    __attribute__((target("avx2,fma"))) static void small_batch_gemv_##ROWS(                                \
        int outputs, int inputs, const float *w, const float *x, int x_stride, float *y, int y_stride) {   \
        int j = 0;                                                                                          \
        for (; j + 2 <= outputs; j += 2) {                                                                  \
            const float *w0 = w + (size_t)j * (size_t)inputs;                                               \
            const float *w1 = w0 + inputs;                                                                  \
            __m256 a0[ROWS], a1[ROWS];                                                                      \
            for (int r = 0; r < ROWS; r++) {                                                                \
                a0[r] = _mm256_setzero_ps();                                                                \
                a1[r] = _mm256_setzero_ps();                                                                \
            }                                                                                               \
            int i = 0;                                                                                      \
            for (; i + 8 <= inputs; i += 8) {                                                               \
                __m256 v0 = _mm256_loadu_ps(w0 + i);                                                        \
                __m256 v1 = _mm256_loadu_ps(w1 + i);                                                        \
                for (int r = 0; r < ROWS; r++) {                                                            \
                    __m256 xv = _mm256_loadu_ps(x + (size_t)r * (size_t)x_stride + i);                      \
                    a0[r] = _mm256_fmadd_ps(v0, xv, a0[r]);                                                 \
                    a1[r] = _mm256_fmadd_ps(v1, xv, a1[r]);                                                 \
                }                                                                                           \
            }                                                                                               \
            for (int r = 0; r < ROWS; r++) {                                                                \
                const float *xr = x + (size_t)r * (size_t)x_stride;                                         \
                float s0 = horizontal_sum(a0[r]);                                                           \
                float s1 = horizontal_sum(a1[r]);                                                           \
                for (int k = i; k < inputs; k++) {                                                          \
                    s0 += w0[k] * xr[k];                                                                    \
                    s1 += w1[k] * xr[k];                                                                    \
                }                                                                                           \
                y[(size_t)r * (size_t)y_stride + j] = s0;                                                   \
                y[(size_t)r * (size_t)y_stride + j + 1] = s1;                                               \
            }                                                                                               \
        }                                                                                                   \
        for (; j < outputs; j++) {                                                                          \
            const float *w0 = w + (size_t)j * (size_t)inputs;                                               \
            for (int r = 0; r < ROWS; r++) {                                                                \
                y[(size_t)r * (size_t)y_stride + j] = scalar_dot(w0, x + (size_t)r * (size_t)x_stride, inputs); \
            }                                                                                               \
        }                                                                                                   \
    }

SMALL_BATCH_KERNEL(1)
SMALL_BATCH_KERNEL(2)
SMALL_BATCH_KERNEL(3)
SMALL_BATCH_KERNEL(4)

void small_batch_gemv(
    int rows, int outputs, int inputs, const float *w, const float *x, int x_stride, float *y, int y_stride) {
    for (int start = 0; start < rows; start += 4) {
        const float *xs = x + (size_t)start * (size_t)x_stride;
        float *ys = y + (size_t)start * (size_t)y_stride;
        switch (rows - start) {
        case 1: small_batch_gemv_1(outputs, inputs, w, xs, x_stride, ys, y_stride); break;
        case 2: small_batch_gemv_2(outputs, inputs, w, xs, x_stride, ys, y_stride); break;
        case 3: small_batch_gemv_3(outputs, inputs, w, xs, x_stride, ys, y_stride); break;
        default: small_batch_gemv_4(outputs, inputs, w, xs, x_stride, ys, y_stride); break;
        }
    }
}

#else

int small_batch_kernel_available(void) { return 0; }

// Never called by DenseKernels here (it checks availability), but a caller that does still gets the
// right numbers rather than untouched output.
void small_batch_gemv(
    int rows, int outputs, int inputs, const float *w, const float *x, int x_stride, float *y, int y_stride) {
    for (int r = 0; r < rows; r++) {
        for (int j = 0; j < outputs; j++) {
            y[(size_t)r * (size_t)y_stride + j] =
                scalar_dot(w + (size_t)j * (size_t)inputs, x + (size_t)r * (size_t)x_stride, inputs);
        }
    }
}

#endif
