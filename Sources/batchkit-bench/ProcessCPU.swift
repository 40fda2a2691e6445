#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// CPU time consumed by this process, all threads, user and system.
///
/// Wall-clock rates on a shared machine move with everyone else's load; CPU time per item moves much
/// less, because time spent waiting for a core is not counted. The benchmark reports both.
enum ProcessCPU {
    /// Seconds of CPU used so far.
    static func seconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
}
