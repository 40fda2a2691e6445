import Locking

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads the process's memory and CPU use and the system's memory use from `/proc` (Linux).
///
/// Meant to be called periodically, e.g. at every health check: each ``snapshot()`` reads three small
/// files (`/proc/self/statm`, `/proc/self/stat`, `/proc/meminfo`) and keeps only the previous CPU
/// sample, against which it measures the process's CPU use. The parsing is done by pure functions on
/// the files' text, so a malformed file becomes a ``SystemProbeError``, never a crash.
///
/// ```swift
/// let probe = SystemProbe()
/// let snapshot = try probe.snapshot()
/// if snapshot.systemMemoryPercent > configuration.memory.criticalPercent { /* shed memory */ }
/// ```
public final class SystemProbe: Sendable {
    /// One reading of the process's CPU time.
    struct CPUSample: Sendable {
        var ticks: UInt64
        var takenAt: ContinuousClock.Instant
    }

    /// The directory standing for `/proc`; tests point it at fixture files.
    let procDirectory: String
    private let clock = ContinuousClock()
    private let pageSize: Int
    private let ticksPerSecond: Int
    private let previous: Locked<CPUSample?>

    /// Creates a probe and takes the first CPU sample, so the first ``snapshot()`` reports CPU use
    /// since now.
    public convenience init() {
        self.init(procDirectory: "/proc")
    }

    /// Creates a probe reading `procDirectory` in place of `/proc`.
    init(procDirectory: String) {
        self.procDirectory = procDirectory
        self.pageSize = max(sysconf(Int32(_SC_PAGESIZE)), 1)
        self.ticksPerSecond = max(sysconf(Int32(_SC_CLK_TCK)), 1)
        self.previous = Locked(nil)
        // Failing here only leaves the first snapshot without a CPU figure; it reports the error itself.
        let baseline = try? cpuSample()
        previous.withLock { $0 = baseline }
    }

    /// The number of processors currently online (at least 1).
    public static var cpuCount: Int {
        max(sysconf(Int32(_SC_NPROCESSORS_ONLN)), 1)
    }

    /// Reads the current figures; CPU use is measured since the previous snapshot (or since `init`).
    ///
    /// - Throws: ``SystemProbeError`` if a file cannot be read or has an unexpected form.
    public func snapshot() throws(SystemProbeError) -> SystemSnapshot {
        let sample = try cpuSample()
        let statmPath = procDirectory + "/self/statm"
        guard let pages = Self.residentPages(statm: try Self.readText(statmPath)) else {
            throw .malformed(path: statmPath, detail: "expected at least two page counts")
        }
        let (rssBytes, overflow) = pages.multipliedReportingOverflow(by: pageSize)
        guard !overflow else { throw .malformed(path: statmPath, detail: "\(pages) resident pages overflow") }
        let meminfoPath = procDirectory + "/meminfo"
        guard let memoryPercent = Self.memoryUsePercent(meminfo: try Self.readText(meminfoPath)) else {
            throw .malformed(path: meminfoPath, detail: "expected MemTotal > 0 and MemAvailable ≤ MemTotal in kB")
        }
        let cpuPercent: Double? = previous.withLock { stored in
            // Concurrent snapshots may finish out of order: only a later sample replaces the baseline.
            guard let earlier = stored else {
                stored = sample
                return nil
            }
            guard sample.takenAt > earlier.takenAt else { return nil }
            stored = sample
            return Self.cpuPercent(from: earlier, to: sample, ticksPerSecond: ticksPerSecond)
        }
        return SystemSnapshot(
            rssBytes: rssBytes, processCPUPercent: cpuPercent, systemMemoryPercent: memoryPercent,
            cores: Self.cpuCount, takenAt: sample.takenAt)
    }

    /// The process's CPU time so far, with the time it was read.
    private func cpuSample() throws(SystemProbeError) -> CPUSample {
        let path = procDirectory + "/self/stat"
        let text = try Self.readText(path)
        let takenAt = clock.now
        guard let ticks = Self.cpuTicks(stat: text) else {
            throw .malformed(path: path, detail: "expected utime and stime after the command name")
        }
        return CPUSample(ticks: ticks, takenAt: takenAt)
    }
}
