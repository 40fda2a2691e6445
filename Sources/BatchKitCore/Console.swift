#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Progress to standard error, environment variables and the load average, without Foundation's file handles.
public enum Console {
    /// Writes `line` and a newline to standard error, so progress never mixes with the table or JSON.
    public static func progress(_ line: String) {
        emit(line + "\n")
    }

    /// Writes `text` to standard error as it is.
    public static func emit(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }

    /// The 1, 5 and 15 minute load averages, or nothing where the system does not report them.
    public static func loadAverage() -> [Double] {
        var values = [Double](repeating: 0, count: 3)
        let count = getloadavg(&values, 3)
        return count > 0 ? Array(values.prefix(Int(count))) : []
    }

    /// The machine's CPU time so far from `/proc/stat`, in clock ticks: all of it, and the part the
    /// hypervisor gave to other guests ("steal"); `nil` where the file is missing.
    public static func cpuTicks() -> (total: Int, steal: Int)? {
        guard let file = fopen("/proc/stat", "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 512)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // "cpu  user nice system idle iowait irq softirq steal guest guest_nice"
        let fields = line.split(separator: " ").dropFirst().compactMap { Int($0) }
        guard fields.count >= 8 else { return nil }
        return (fields.prefix(8).reduce(0, +), fields[7])
    }

    /// The share of the machine's CPU time the hypervisor stole since `start` (a ``cpuTicks()``
    /// reading), in percent; `nil` without readings or without ticks in between.
    public static func stealPercent(since start: (total: Int, steal: Int)?) -> Double? {
        guard let start, let end = cpuTicks(), end.total > start.total else { return nil }
        return 100 * Double(end.steal - start.steal) / Double(end.total - start.total)
    }

    /// The value of environment variable `name`, or `unset`.
    public static func environment(_ name: String) -> String {
        guard let value = getenv(name) else { return "unset" }
        return String(cString: value)
    }
}
