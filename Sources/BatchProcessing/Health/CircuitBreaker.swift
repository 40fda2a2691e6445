/// The circuit breaker's state, advanced by results and time; no clock of its own.
struct CircuitBreaker {
    /// The three states of a circuit breaker.
    enum State: Equatable {
        case closed
        case open(until: Duration)
        case halfOpen(admitted: Int)
    }

    let settings: CircuitBreakerConfiguration
    private(set) var state = State.closed
    private(set) var timesOpened = 0
    // Results in `bucketCount` time buckets covering `settings.window`, as a ring.
    private static var bucketCount: Int { 10 }
    private var successes = [Int](repeating: 0, count: 10)
    private var failures = [Int](repeating: 0, count: 10)
    private var currentBucket: Int64 = 0

    init(settings: CircuitBreakerConfiguration) {
        self.settings = settings
    }

    /// Whether a new item may enter at `now`.
    mutating func admit(now: Duration) -> Bool {
        switch state {
        case .closed:
            return true
        case .open(let until):
            guard now >= until else { return false }
            state = .halfOpen(admitted: 1)
            return true
        case .halfOpen(let admitted):
            guard admitted < settings.probeItems else { return false }
            state = .halfOpen(admitted: admitted + 1)
            return true
        }
    }

    /// Items finished at `now`: `succeeded` with a result, `failed` with a processing error or timeout.
    mutating func record(succeeded: Int, failed: Int, now: Duration) {
        guard succeeded > 0 || failed > 0 else { return }
        switch state {
        case .halfOpen:
            if failed > 0 {
                open(now: now)
            } else {
                state = .closed
                clear()
            }
        case .open:
            // Items admitted before opening may still finish; they do not change the decision.
            break
        case .closed:
            advance(to: now)
            let index = Int(currentBucket % Int64(Self.bucketCount))
            successes[index] += succeeded
            failures[index] += failed
            let failedTotal = failures.reduce(0, +)
            let total = failedTotal + successes.reduce(0, +)
            if total >= settings.minimumItems, Double(failedTotal) >= settings.errorRateThreshold * Double(total) {
                open(now: now)
            }
        }
    }

    /// The failed fraction over the window (closed state), for health reports.
    var errorRate: Double {
        let failedTotal = failures.reduce(0, +)
        let total = failedTotal + successes.reduce(0, +)
        return total == 0 ? 0 : Double(failedTotal) / Double(total)
    }

    private mutating func open(now: Duration) {
        state = .open(until: now + settings.coolDown)
        timesOpened += 1
        clear()
    }

    private mutating func clear() {
        for index in 0..<Self.bucketCount {
            successes[index] = 0
            failures[index] = 0
        }
    }

    private mutating func advance(to now: Duration) {
        let width = settings.window / Self.bucketCount
        guard width > .zero else { return }
        let bucket = Int64(now / width)
        guard bucket > currentBucket else { return }
        // Clear the buckets that fell out of the window since the last result.
        let steps = min(bucket - currentBucket, Int64(Self.bucketCount))
        for step in 1...steps {
            let index = Int((currentBucket + step) % Int64(Self.bucketCount))
            successes[index] = 0
            failures[index] = 0
        }
        currentBucket = bucket
    }
}
