extension SystemProbe {
    /// The resident set size in pages: the second field of `/proc/self/statm`.
    ///
    /// - Returns: `nil` if the text does not start with two non-negative integers.
    static func residentPages(statm text: String) -> Int? {
        var fields = text.split(whereSeparator: \.isWhitespace).makeIterator()
        guard fields.next().flatMap({ Int($0) }) != nil, let resident = fields.next().flatMap({ Int($0) }),
            resident >= 0
        else { return nil }
        return resident
    }

    /// The process's user plus system CPU time in clock ticks: fields 14 and 15 of `/proc/self/stat`.
    ///
    /// The command name (field 2) is in parentheses and may itself hold spaces and parentheses, so the
    /// fields are counted from the *last* `)`.
    ///
    /// - Returns: `nil` if the text has no `)` or too few numeric fields after it.
    static func cpuTicks(stat text: String) -> UInt64? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        // After the name: state (3), ppid (4), … utime (14), stime (15), so positions 11 and 12 here.
        var fields = text[text.index(after: close)...].split(separator: " ").dropFirst(11).makeIterator()
        guard let user = fields.next().flatMap({ UInt64($0) }), let system = fields.next().flatMap({ UInt64($0) })
        else { return nil }
        let (total, overflow) = user.addingReportingOverflow(system)
        return overflow ? nil : total
    }

    /// The share of memory in use, in percent, from `/proc/meminfo`: `100 × (1 − MemAvailable / MemTotal)`.
    ///
    /// - Returns: `nil` if `MemTotal` or `MemAvailable` is missing or not a number, `MemTotal` is zero,
    ///   or `MemAvailable` exceeds it. (`MemAvailable` exists since Linux 3.14.)
    static func memoryUsePercent(meminfo text: String) -> Double? {
        var total: Int?
        var available: Int?
        for line in text.split(separator: "\n") {
            // Lines look like `MemTotal:       16314672 kB`; only the two needed are read.
            if line.hasPrefix("MemTotal:") {
                total = meminfoValue(line.dropFirst("MemTotal:".count))
            } else if line.hasPrefix("MemAvailable:") {
                available = meminfoValue(line.dropFirst("MemAvailable:".count))
            }
            if total != nil && available != nil { break }
        }
        guard let total, let available, total > 0, (0...total).contains(available) else { return nil }
        return 100 * (1 - Double(available) / Double(total))
    }

    /// The number in the value part of a meminfo line, such as `   16314672 kB`.
    private static func meminfoValue(_ text: Substring) -> Int? {
        guard let number = text.split(separator: " ", omittingEmptySubsequences: true).first else { return nil }
        return Int(number)
    }

    /// The CPU use between two samples in percent of one core: CPU seconds over wall seconds × 100.
    ///
    /// - Returns: `nil` if `later` is not after `earlier` or its tick count went backwards.
    static func cpuPercent(from earlier: CPUSample, to later: CPUSample, ticksPerSecond: Int) -> Double? {
        guard later.takenAt > earlier.takenAt, later.ticks >= earlier.ticks, ticksPerSecond > 0 else { return nil }
        let wall = (later.takenAt - earlier.takenAt).inSeconds
        let cpu = Double(later.ticks - earlier.ticks) / Double(ticksPerSecond)
        return 100 * cpu / wall
    }
}
