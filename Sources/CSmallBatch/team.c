#include "CSmallBatch.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define SPIN_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define SPIN_PAUSE() __asm__ __volatile__("yield")
#else
#define SPIN_PAUSE() ((void)0)
#endif

// Multiply-adds below which one thread does the whole product: a hand-off costs about a microsecond
// (two cache-line transfers and the slower thread's finish), as much as ~30 k multiply-adds.
#define TEAM_MIN_WORK 32768.0
// How long the helper spins for the next call before it sleeps on the condition variable.
#define TEAM_SPIN_NS 200000

struct small_batch_team {
    pthread_t thread;
    pthread_mutex_t mutex;
    pthread_cond_t wake;
    // The call: written by the caller before it publishes `posted`, read by the helper after it sees it.
    int isa, rows, outputs, inputs, x_stride, y_stride, relu, first_panel, end_panel;
    const float *packed, *x;
    float *y;
    // Calls posted by the caller and finished by the helper; `quit` asks the helper to exit.
    _Atomic unsigned long posted;
    _Atomic unsigned long finished;
    _Atomic int quit;
};

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void *helper_main(void *argument) {
    small_batch_team *team = argument;
    unsigned long seen = 0;
    for (;;) {
        long long spin_start = now_ns();
        unsigned long posted;
        int polls = 0;
        while ((posted = atomic_load_explicit(&team->posted, memory_order_acquire)) == seen &&
               !atomic_load_explicit(&team->quit, memory_order_acquire)) {
            SPIN_PAUSE();
            if (++polls % 256 == 0 && now_ns() - spin_start > TEAM_SPIN_NS) {
                pthread_mutex_lock(&team->mutex);
                while (atomic_load_explicit(&team->posted, memory_order_acquire) == seen &&
                       !atomic_load_explicit(&team->quit, memory_order_acquire))
                    pthread_cond_wait(&team->wake, &team->mutex);
                pthread_mutex_unlock(&team->mutex);
                spin_start = now_ns();
            }
        }
        if (atomic_load_explicit(&team->quit, memory_order_acquire)) return NULL;
        small_batch_forward(
            team->isa, team->rows, team->outputs, team->inputs, team->packed, team->x, team->x_stride, team->y,
            team->y_stride, team->relu, team->first_panel, team->end_panel);
        seen = posted;
        atomic_store_explicit(&team->finished, posted, memory_order_release);
    }
}

small_batch_team *small_batch_team_create(void) {
    small_batch_team *team = calloc(1, sizeof *team);
    if (!team) return NULL;
    pthread_mutex_init(&team->mutex, NULL);
    pthread_cond_init(&team->wake, NULL);
    atomic_init(&team->posted, 0);
    atomic_init(&team->finished, 0);
    atomic_init(&team->quit, 0);
    if (pthread_create(&team->thread, NULL, helper_main, team) != 0) {
        pthread_cond_destroy(&team->wake);
        pthread_mutex_destroy(&team->mutex);
        free(team);
        return NULL;
    }
    return team;
}

void small_batch_team_destroy(small_batch_team *team) {
    if (!team) return;
    pthread_mutex_lock(&team->mutex);
    atomic_store_explicit(&team->quit, 1, memory_order_release);
    pthread_cond_signal(&team->wake);
    pthread_mutex_unlock(&team->mutex);
    pthread_join(team->thread, NULL);
    pthread_cond_destroy(&team->wake);
    pthread_mutex_destroy(&team->mutex);
    free(team);
}

void small_batch_team_forward(
    small_batch_team *team, int isa, int rows, int outputs, int inputs, const float *packed, const float *x,
    int x_stride, float *y, int y_stride, int relu) {
    const int panels = small_batch_panel_count(isa, outputs);
    if (!team || panels < 2 || (double)rows * outputs * inputs < TEAM_MIN_WORK) {
        small_batch_forward(isa, rows, outputs, inputs, packed, x, x_stride, y, y_stride, relu, 0, panels);
        return;
    }
    const int split = panels / 2;
    team->isa = isa;
    team->rows = rows;
    team->outputs = outputs;
    team->inputs = inputs;
    team->packed = packed;
    team->x = x;
    team->x_stride = x_stride;
    team->y = y;
    team->y_stride = y_stride;
    team->relu = relu;
    team->first_panel = split;
    team->end_panel = panels;
    const unsigned long call = atomic_load_explicit(&team->posted, memory_order_relaxed) + 1;
    atomic_store_explicit(&team->posted, call, memory_order_release);
    // Taking the mutex orders this signal after a helper that is about to sleep has re-checked `posted`.
    pthread_mutex_lock(&team->mutex);
    pthread_cond_signal(&team->wake);
    pthread_mutex_unlock(&team->mutex);
    small_batch_forward(isa, rows, outputs, inputs, packed, x, x_stride, y, y_stride, relu, 0, split);
    while (atomic_load_explicit(&team->finished, memory_order_acquire) != call) SPIN_PAUSE();
}
