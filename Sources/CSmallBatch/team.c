#include "CSmallBatch.h"
#include "small_batch_internal.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
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

// Multiply-adds below which one thread does the whole product. Splitting work W pays only if the hand-off
// h costs less than the half it saves, W > 2·h·rate: on 2-vCPU guests h measured ~3 µs (the post, the
// helper's first claim, the slower thread's finish, on cores the hypervisor shares), and the kernel runs
// ~50 G multiply-adds/s, so ~300 k. linear256 (65 k a row) lost with two threads up to 4 rows and won
// from 6; one row of a 1024 × 1024 layer (1 M) wins.
#define TEAM_MIN_WORK 300000.0
// How long the helper spins for the next call before it sleeps on the condition variable.
#define TEAM_SPIN_NS 200000
// How long the caller spins for the helper's last unit before it yields its core at every check.
#define TEAM_YIELD_AFTER_NS 20000
// A call is shared out by rows — each thread computes every output of its rows, copying its own inputs —
// from this many rows, or from more than one register tile of rows when the layer's weights stay in a
// core's L2 cache (so the second thread's reading of all of them costs no memory traffic). At least 8, so
// that even a single tile of this many rows splits into halves of 4 rows or more (`chunk_split`). Below
// it, by panels: each thread reads half the weights, which matters when a few rows cannot amortise
// streaming all of a large layer's weights, but the caller must first copy every input row into the order
// both threads read, alone (a helper descheduled mid-copy would hold every panel up).
#define TEAM_ROWS_MIN 8
_Static_assert(TEAM_ROWS_MIN >= 8, "one tile of TEAM_ROWS_MIN rows must split into tiles of 4 rows or more");
#define TEAM_L2_WEIGHT_BYTES (512.0 * 1024)

// The work of a call is shared out dynamically: both threads claim units — ranges of panels, or blocks of
// rows — from `work`, so a helper that is asleep, or descheduled (two cores shared with OpenBLAS's spinning
// threads), leaves its share to the caller instead of holding the call up. `work` packs the call's number
// (24 bits), its unit count and the next unclaimed unit (20 bits each), so a late helper can never claim a
// unit of a call that has moved on. The call's other fields are read by the helper only after a successful
// claim, and the caller cannot finish a call (and overwrite them) before every claimed unit is done.
#define CALL_BITS 24
#define PANEL_BITS 20
#define PANEL_MASK ((1ULL << PANEL_BITS) - 1)
#define CALL_MASK ((1ULL << CALL_BITS) - 1)

struct small_batch_team {
    pthread_t thread;
    pthread_mutex_t mutex;
    pthread_cond_t wake;
    // The call: written by the caller before it publishes `work`.
    int isa, rows, outputs, inputs, x_stride, y_stride, relu, chunk;
    // Units are blocks of rows (see `unit_rows`), `row_units` of them; 0: units are panels.
    int row_units;
    const float *packed, *x;
    float *y;
    // The call's inputs as the kernel reads them, copied once by the caller (NULL: read `x` in place).
    const float *prepacked;
    // Owned by the caller's side: grown (never shrunk) to the largest call's `rows · inputs` floats.
    float *buffer;
    size_t capacity;
    _Atomic uint64_t work;
    // The latest call posted, which wakes the helper; the helper's finished panels as (call << 32 | count).
    _Atomic uint64_t posted;
    _Atomic uint64_t helper_done;
    _Atomic int quit;
};

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

// Claims the next chunk of `call`'s units; returns its size (0 when none is left or the call is over)
// and its first unit in `first`.
static int claim(small_batch_team *team, uint64_t call, int chunk, int *first) {
    uint64_t current = atomic_load_explicit(&team->work, memory_order_acquire);
    for (;;) {
        if ((current >> (2 * PANEL_BITS)) != (call & CALL_MASK)) return 0;
        const int panels = (int)((current >> PANEL_BITS) & PANEL_MASK);
        const int next = (int)(current & PANEL_MASK);
        if (next >= panels) return 0;
        const int count = panels - next < chunk ? panels - next : chunk;
        if (atomic_compare_exchange_weak_explicit(
                &team->work, &current, current + (uint64_t)count, memory_order_acq_rel, memory_order_acquire)) {
            *first = next;
            return count;
        }
    }
}

// The units of a call of `rows` rows shared by rows: the one-thread kernel's chunks, and when their count
// is odd (one chunk, or three…) the last split in two, so the threads finish together.
static int row_unit_count(int rows) {
    const int chunks = small_batch_chunk_count(rows);
    return chunks % 2 == 0 ? chunks : chunks + 1;
}

// The fewest rows in any tile when the kernel splits `rows` rows of one chunk into tiles (evenly, larger
// first).
static int smallest_tile(int isa, int rows) {
    const int tiles = (rows + small_batch_tile_rows(isa) - 1) / small_batch_tile_rows(isa);
    return rows / tiles;
}

// Where to split a chunk of `size` rows in two so that each row is summed in the same order as on one
// thread. A tile's sums run input by input, the same for every tile size from 4 rows up; tiles of 1–3 rows
// split their inputs over several accumulators. So the split nearest the middle whose halves tile into
// tiles of 4 rows or more, when the one-thread split has none smaller either; otherwise the boundary
// between the one-thread split's tiles nearest the middle.
static int chunk_split(int isa, int size) {
    if (smallest_tile(isa, size) >= 4) {
        for (int offset = 0; offset <= size / 2; offset++) {
            for (int sign = 1; sign >= -1; sign -= 2) {
                const int first = (size + 1) / 2 + sign * offset;
                if (first > 0 && first < size && smallest_tile(isa, first) >= 4 &&
                    smallest_tile(isa, size - first) >= 4)
                    return first;
            }
        }
    }
    const int tiles = (size + small_batch_tile_rows(isa) - 1) / small_batch_tile_rows(isa);
    const int first_tiles = (tiles + 1) / 2;
    return first_tiles * (size / tiles) + (first_tiles < size % tiles ? first_tiles : size % tiles);
}

// The rows `*start ..< *end` of one unit: a whole chunk of the one-thread kernel's split (chunks of at most
// SMALL_BATCH_CHUNK rows, larger first), or one side of the last chunk's `chunk_split`.
static void unit_rows(int isa, int rows, int unit, int *start, int *end) {
    const int chunks = small_batch_chunk_count(rows);
    const int split = chunks % 2 == 0 ? chunks : chunks - 1;
    const int chunk = unit < split ? unit : split;
    *start = small_batch_chunk_start(rows, chunk);
    *end = small_batch_chunk_start(rows, chunk + 1);
    if (unit < split) return;
    const int middle = *start + chunk_split(isa, *end - *start);
    if (unit == split) *end = middle; else *start = middle;
}

static void run_units(small_batch_team *team, int first, int count) {
    if (team->row_units > 0) {
        const int panels = small_batch_panel_count(team->isa, team->outputs);
        for (int unit = first; unit < first + count; unit++) {
            int start, end;
            unit_rows(team->isa, team->rows, unit, &start, &end);
            small_batch_forward(
                team->isa, end - start, team->outputs, team->inputs, team->packed,
                team->x + (size_t)start * (size_t)team->x_stride, team->x_stride,
                team->y + (size_t)start * (size_t)team->y_stride, team->y_stride, team->relu, 0, panels);
        }
    } else if (team->prepacked) {
        small_batch_forward_prepacked(
            team->isa, team->rows, team->outputs, team->inputs, team->packed, team->prepacked, team->y,
            team->y_stride, team->relu, first, first + count);
    } else {
        small_batch_forward(
            team->isa, team->rows, team->outputs, team->inputs, team->packed, team->x, team->x_stride, team->y,
            team->y_stride, team->relu, first, first + count);
    }
}

static void *helper_main(void *argument) {
    small_batch_team *team = argument;
    uint64_t seen = 0;
    for (;;) {
        long long spin_start = now_ns();
        uint64_t posted;
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
        seen = posted;
        uint64_t done = 0;
        int first;
        // The call's fields are read only while a claimed chunk is unreported (the caller cannot move on),
        // so the first claim is of one panel, before the chunk size is known.
        int count = claim(team, posted, 1, &first);
        while (count > 0) {
            const int chunk = team->chunk;
            run_units(team, first, count);
            done += (uint64_t)count;
            atomic_store_explicit(&team->helper_done, (posted << 32) | done, memory_order_release);
            count = claim(team, posted, chunk, &first);
        }
    }
}

small_batch_team *small_batch_team_create(void) {
    small_batch_team *team = calloc(1, sizeof *team);
    if (!team) return NULL;
    pthread_mutex_init(&team->mutex, NULL);
    pthread_cond_init(&team->wake, NULL);
    atomic_init(&team->work, 0);
    atomic_init(&team->posted, 0);
    atomic_init(&team->helper_done, 0);
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
    free(team->buffer);
    free(team);
}

// Prepares a call shared by panels: both threads read every input row, so where the kernel does not read
// them in place the caller copies them into its order once here, instead of each claim copying them again
// (eight claims a call: eight copies).
static void share_panels(
    small_batch_team *team, int isa, int rows, int inputs, const float *x, int x_stride, int panels) {
    const size_t count = small_batch_copies_inputs(isa, rows, x_stride) ? (size_t)rows * (size_t)inputs : 0;
    if (count > team->capacity) {
        float *grown = aligned_alloc(64, (count * sizeof(float) + 63) / 64 * 64);
        if (grown) {
            free(team->buffer);
            team->buffer = grown;
            team->capacity = count;
        }
    }
    const int copied = count > 0 && count <= team->capacity &&
                       small_batch_pack_inputs(isa, rows, inputs, x, x_stride, team->buffer);
    team->prepacked = copied ? team->buffer : NULL;
    // About eight chunks a call: few enough claims to keep the shared line quiet, enough to balance.
    team->chunk = panels / 8 > 1 ? panels / 8 : 1;
}

void small_batch_team_forward(
    small_batch_team *team, int isa, int rows, int outputs, int inputs, const float *packed, const float *x,
    int x_stride, float *y, int y_stride, int relu) {
    const int panels = small_batch_panel_count(isa, outputs);
    if (!team || panels < 2 || panels > (int)PANEL_MASK || (double)rows * outputs * inputs < TEAM_MIN_WORK) {
        small_batch_forward(isa, rows, outputs, inputs, packed, x, x_stride, y, y_stride, relu, 0, panels);
        return;
    }
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
    int units;
    if (small_batch_team_splits_rows(isa, rows, outputs, inputs)) {
        units = row_unit_count(rows);
        team->row_units = units;
        team->prepacked = NULL;
        team->chunk = 1;
    } else {
        units = panels;
        team->row_units = 0;
        share_panels(team, isa, rows, inputs, x, x_stride, panels);
    }
    const uint64_t call = (atomic_load_explicit(&team->posted, memory_order_relaxed) + 1) & 0xffffffffULL;
    atomic_store_explicit(
        &team->work, ((call & CALL_MASK) << (2 * PANEL_BITS)) | ((uint64_t)units << PANEL_BITS),
        memory_order_release);
    atomic_store_explicit(&team->posted, call, memory_order_release);
    // Taking the mutex orders this signal after a helper that is about to sleep has re-checked `posted`.
    pthread_mutex_lock(&team->mutex);
    pthread_cond_signal(&team->wake);
    pthread_mutex_unlock(&team->mutex);
    int mine = 0, first, claimed;
    while ((claimed = claim(team, call, team->chunk, &first)) > 0) {
        run_units(team, first, claimed);
        mine += claimed;
    }
    if (mine < units) {
        const uint64_t expected = (call << 32) | (uint64_t)(units - mine);
        // A helper that is still on its unit after a while may be waiting for this very core: a helper
        // woken from its sleep often starts on its waker's core and takes milliseconds to be moved. Spinning
        // on would hold its unit up until the next scheduler tick, so yield the core to it.
        const long long wait_start = now_ns();
        int polls = 0;
        while (atomic_load_explicit(&team->helper_done, memory_order_acquire) != expected) {
            SPIN_PAUSE();
            if (++polls % 64 == 0 && now_ns() - wait_start > TEAM_YIELD_AFTER_NS) sched_yield();
        }
    }
}

int small_batch_team_splits_rows(int isa, int rows, int outputs, int inputs) {
    // The portable kernel tiles otherwise, and copies nothing either way.
    if (isa == SMALL_BATCH_PORTABLE) return 0;
    if (rows >= TEAM_ROWS_MIN) return 1;
    // Fewer rows in one tile cannot be split without changing how they are summed (`chunk_split`).
    return rows > small_batch_tile_rows(isa) && 4.0 * outputs * inputs <= TEAM_L2_WEIGHT_BYTES;
}

int small_batch_team_copy_rows(int isa, int outputs, int inputs, int x_stride) {
    // The calls shared by panels are those below TEAM_ROWS_MIN rows that are not split by rows; the copy
    // of the largest of them, if it is copied at all, holds every smaller one's.
    int rows = TEAM_ROWS_MIN - 1;
    while (rows > 0 && small_batch_team_splits_rows(isa, rows, outputs, inputs)) rows--;
    return rows > 0 && small_batch_copies_inputs(isa, rows, x_stride) ? rows : 0;
}

size_t small_batch_team_copy_bytes(const small_batch_team *team) {
    return team && team->buffer ? (team->capacity * sizeof(float) + 63) / 64 * 64 : 0;
}
