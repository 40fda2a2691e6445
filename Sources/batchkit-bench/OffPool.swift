import BatchProcessing

/// Runs blocking work (joining threads, timed loops) on a thread of its own and awaits the result, so
/// the benchmark never blocks a thread of Swift's cooperative pool.
func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        WorkerThread(name: "bench-offpool") { continuation.resume(returning: body()) }.detach()
    }
}
