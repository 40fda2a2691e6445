extension BatchProcessor {
    /// Reads system memory use and this process's resident memory and CPU from /proc.
    ///
    /// A failed read yields an empty sample: the memory checks are then skipped rather than guessed.
    static func defaultSampler() -> @Sendable () -> ResourceSample {
        let probe = SystemProbe()
        return {
            guard let snapshot = try? probe.snapshot() else { return ResourceSample() }
            return ResourceSample(
                systemMemoryPercent: snapshot.systemMemoryPercent, residentBytes: snapshot.rssBytes,
                processCPUPercent: snapshot.processCPUPercent)
        }
    }
}
