#include "CSignalCleanup.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// The handler may run on any thread at any moment, so it reads only these atomics and calls only
// async-signal-safe functions (unlink, sigaction, raise). Registration is serialised by `lock`,
// which the handler never takes.
enum { slot_count = 64 };
static const int cleanup_signals[] = {SIGINT, SIGTERM, SIGHUP};
enum { signal_count = sizeof cleanup_signals / sizeof cleanup_signals[0] };

static _Atomic(char *) slots[slot_count];
static struct sigaction previous[signal_count];
static int registered;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void handle(int received) {
    for (int slot = 0; slot < slot_count; slot++) {
        char *path = atomic_load(&slots[slot]);
        if (path != NULL) unlink(path);
    }
    // Whatever the process had before (the default: terminate) now acts on the signal.
    for (int index = 0; index < signal_count; index++) {
        if (cleanup_signals[index] == received) sigaction(received, &previous[index], NULL);
    }
    raise(received);
}

int batchkit_cleanup_register(const char *path) {
    char *copy = strdup(path);
    if (copy == NULL) return -1;
    pthread_mutex_lock(&lock);
    int taken = -1;
    for (int slot = 0; slot < slot_count && taken < 0; slot++) {
        char *expected = NULL;
        if (atomic_compare_exchange_strong(&slots[slot], &expected, copy)) taken = slot;
    }
    if (taken >= 0 && registered++ == 0) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = handle;
        sigemptyset(&action.sa_mask);
        for (int index = 0; index < signal_count; index++) {
            sigaction(cleanup_signals[index], &action, &previous[index]);
        }
    }
    pthread_mutex_unlock(&lock);
    if (taken < 0) free(copy);
    return taken;
}

void batchkit_cleanup_unregister(int slot) {
    if (slot < 0 || slot >= slot_count) return;
    pthread_mutex_lock(&lock);
    char *path = atomic_exchange(&slots[slot], NULL);
    if (path != NULL && --registered == 0) {
        for (int index = 0; index < signal_count; index++) {
            sigaction(cleanup_signals[index], &previous[index], NULL);
        }
    }
    pthread_mutex_unlock(&lock);
    free(path);
}
