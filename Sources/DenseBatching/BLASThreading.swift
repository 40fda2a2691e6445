/// How many threads OpenBLAS may use per call while a dense-model processor runs.
///
/// OpenBLAS keeps one process-wide thread count and serialises concurrent callers into its threaded
/// mode, so the useful combinations are few: many workers each running single-threaded GEMMs (best
/// throughput for the small and medium batches a server forms), or one worker whose GEMMs use every
/// core (best for very large batches).
public enum BLASThreading: Sendable, Equatable {
    /// Set OpenBLAS to one thread; each of the `workers.count` workers runs its own GEMM. The default.
    case perWorker
    /// Set OpenBLAS to this many threads per call (the processor still runs `workers.count` workers).
    case threads(Int)
    /// Leave OpenBLAS's thread count as the process has it.
    case unchanged
}
