import BatchProcessing

/// Runs `body` on a thread of its own and awaits it: a simulation computes for seconds, and blocking the
/// cooperative pool's threads (two on a 2-core machine) that long starves every async test beside it.
func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        WorkerThread(name: "simulation-test") { continuation.resume(returning: body()) }.detach()
    }
}
