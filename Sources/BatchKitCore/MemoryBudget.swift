public import DenseKernels

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// How much memory `infer` may plan for, and how much a run with given flags needs, so a batch size
/// that cannot fit is refused with one line before anything is allocated (rather than the process
/// aborting in `malloc` or being killed).
public enum MemoryBudget {
    /// The bytes this process may reasonably use: half of the smallest of the machine's physical
    /// memory, the cgroup's `memory.max` and the address-space limit (`ulimit -v`), with a description
    /// of which one it is.
    public static func available() -> (bytes: Double, source: String) {
        var limits: [(Double, String)] = []
        let pages = sysconf(Int32(_SC_PHYS_PAGES))
        let pageSize = sysconf(Int32(_SC_PAGESIZE))
        if pages > 0, pageSize > 0 { limits.append((Double(pages) * Double(pageSize), "the machine's memory")) }
        if let cgroup = cgroupLimit() { limits.append((cgroup, "the cgroup's memory.max")) }
        var limit = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max {
            limits.append((Double(limit.rlim_cur), "the address-space limit (ulimit -v)"))
        }
        guard let smallest = limits.min(by: { $0.0 < $1.0 }) else { return (.infinity, "no known limit") }
        return (smallest.0 / 2, "half of \(smallest.1)")
    }

    /// `/sys/fs/cgroup/memory.max` (cgroup v2) when it holds a number.
    private static func cgroupLimit() -> Double? {
        guard let file = fopen("/sys/fs/cgroup/memory.max", "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 64)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        let text = String(decoding: buffer.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return Double(text)
    }

    /// The bytes a run needs: the weights, each worker's batch slabs (input, intermediates, output for
    /// `rowCap` rows, and on two small-batch threads the input copy, as `estimate` counts them), and
    /// `window` items in flight (``bytesPerItemInFlight(model:)`` each).
    public static func needed(
        model: DenseModel, estimate: MemoryEstimate, rowCap: Int, workers: Int, window: Int
    ) -> Double {
        let batches = Double(workers) * Double(estimate.bytes(rows: rowCap) - estimate.weightBytes)
        return Double(estimate.weightBytes) + batches + Double(window) * Double(bytesPerItemInFlight(model: model))
    }

    /// The bytes one item in flight holds: its input and output row and some bookkeeping.
    public static func bytesPerItemInFlight(model: DenseModel) -> Int {
        (model.inputWidth + model.outputWidth) * MemoryLayout<Float>.stride + 256
    }
}
