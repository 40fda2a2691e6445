import BatchProcessing

/// Turns fuzzer bytes into configuration values, favouring the edges: zero, ±1, the extremes of the
/// type, and small values, besides arbitrary bit patterns.
///
/// When the bytes run out, every field keeps its default, so short inputs still reach the checks that
/// run after a successful validation.
struct FuzzInput {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// A configuration with each field, in declaration order, replaced by a value read from the input.
    mutating func configuration() -> BatchProcessorConfiguration {
        var c = BatchProcessorConfiguration()
        c.batching.initialSize = int(c.batching.initialSize)
        c.batching.minSize = int(c.batching.minSize)
        c.batching.maxSize = int(c.batching.maxSize)
        c.batching.timeout = duration(c.batching.timeout)
        c.batching.itemTimeout = duration(c.batching.itemTimeout)
        c.queue.capacity = int(c.queue.capacity)
        c.queue.prioritized = bool(c.queue.prioritized)
        c.workers.count = int(c.workers.count)
        c.batching.minInterval = duration(c.batching.minInterval)
        if let selector = next() { c.queue.agingLimit = selector & 1 == 0 ? nil : duration(.seconds(1)) }
        if let selector = next() { c.memory.maxBatchMB = selector & 1 == 0 ? nil : int(64) }
        c.memory.trimsUnderPressure = bool(c.memory.trimsUnderPressure)
        c.memory.warningPercent = double(c.memory.warningPercent)
        c.memory.criticalPercent = double(c.memory.criticalPercent)
        if let byte = next() {
            let strategies = BatchProcessingStrategy.allCases
            c.batching.strategy = strategies[Int(byte) % strategies.count]
        }
        c.failures.shrinksBatches = bool(c.failures.shrinksBatches)
        c.monitoring.statistics = bool(c.monitoring.statistics)
        c.monitoring.window = int(c.monitoring.window)
        c.health.enabled = bool(c.health.enabled)
        c.health.checkInterval = duration(c.health.checkInterval)
        c.health.queueWarning = int(c.health.queueWarning)
        c.health.queueCritical = int(c.health.queueCritical)
        c.failures.maxRetries = int(c.failures.maxRetries)
        c.failures.retryDelay = duration(c.failures.retryDelay)
        return c
    }

    private mutating func next() -> UInt8? {
        guard index < bytes.count else { return nil }
        defer { index += 1 }
        return bytes[index]
    }

    /// The next `count` bytes (up to 8) as a little-endian integer; missing bytes count as zero.
    private mutating func raw(_ count: Int) -> UInt64 {
        var value: UInt64 = 0
        for shift in 0..<count { value |= UInt64(next() ?? 0) << (8 * shift) }
        return value
    }

    private mutating func bool(_ fallback: Bool) -> Bool {
        next().map { $0 & 1 == 1 } ?? fallback
    }

    private mutating func int(_ fallback: Int) -> Int {
        guard let selector = next() else { return fallback }
        switch selector % 10 {
        case 0: return 0
        case 1: return 1
        case 2: return -1
        case 3: return .min
        case 4: return .max
        case 5: return fallback
        case 6: return Int(Int8(bitPattern: next() ?? 0))
        case 7: return Int(raw(2))
        case 8: return Int(Int32(truncatingIfNeeded: raw(4)))
        default: return Int(truncatingIfNeeded: raw(8))
        }
    }

    private mutating func duration(_ fallback: Duration) -> Duration {
        guard let selector = next() else { return fallback }
        switch selector % 12 {
        case 0: return .zero
        case 1: return Duration(secondsComponent: 0, attosecondsComponent: 1)
        case 2: return Duration(secondsComponent: 0, attosecondsComponent: -1)
        case 3: return .seconds(Int64.max)
        case 4: return .seconds(Int64.min)
        case 5: return fallback
        case 6: return .milliseconds(Int64(Int8(bitPattern: next() ?? 0)))
        case 7: return .nanoseconds(Int64(truncatingIfNeeded: raw(8)))
        case 8: return .seconds(Int64(truncatingIfNeeded: raw(8)))
        case 9:
            // Both components arbitrary: the attoseconds need not be below 10¹⁸, as the initialiser allows.
            let seconds = Int64(truncatingIfNeeded: raw(8))
            return Duration(secondsComponent: seconds, attosecondsComponent: Int64(truncatingIfNeeded: raw(8)))
        case 10:
            // Seconds as a Double, kept inside the range `Duration.seconds(_:)` can represent.
            let value = Double(bitPattern: raw(8))
            return value.isFinite && abs(value) < 1e20 ? .seconds(value) : fallback
        default: return fallback * Int(Int8(bitPattern: next() ?? 0))
        }
    }

    private mutating func double(_ fallback: Double) -> Double {
        guard let selector = next() else { return fallback }
        switch selector % 8 {
        case 0: return 0
        case 1: return 100
        case 2: return -0.0
        case 3: return .nan
        case 4: return .infinity
        case 5: return fallback
        case 6: return Double(next() ?? 0)
        default: return Double(bitPattern: raw(8))
        }
    }
}
