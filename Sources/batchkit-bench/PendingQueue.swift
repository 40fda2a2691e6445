import Locking

/// Work waiting for any of several worker threads, for the bare pipelines the benchmark measures the
/// processor against: callers append, a worker takes what is pending (up to a batch) or sleeps until
/// something is, and after ``close()`` the workers drain what is left and stop.
final class PendingQueue<Element>: @unchecked Sendable {
    // @unchecked: every field is read and written with `lock` held.
    private let lock = ConditionLock()
    private let available = Condition()
    private var pending: [Element] = []
    private var sleeping = 0
    private var closed = false
    private var batches = 0
    private var rows = 0

    /// An empty queue with room for `capacity` elements before it grows.
    init(capacity: Int) {
        pending.reserveCapacity(capacity)
    }

    /// Appends one element, waking a sleeping worker.
    func append(_ element: Element) {
        lock.lock()
        pending.append(element)
        let wake = sleeping > 0
        lock.unlock()
        if wake { available.signal() }
    }

    /// Waits until something is pending, then moves elements into `batch` (which should be empty) in
    /// order while their rows (`rows` of each) stay within `limit`; the first is taken whatever its size.
    ///
    /// - Returns: the rows taken, or `nil` once the queue is closed and drained.
    func take(into batch: inout [Element], limit: Int, rows rowsOf: (Element) -> Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        while pending.isEmpty && !closed {
            sleeping += 1
            available.wait(lock)
            sleeping -= 1
        }
        if pending.isEmpty { return nil }
        var (count, taken) = (0, 0)
        for element in pending {
            let rows = rowsOf(element)
            if count > 0 && taken + rows > limit { break }
            count += 1
            taken += rows
        }
        batch.append(contentsOf: pending[..<count])
        pending.removeFirst(count)
        batches += 1
        rows += taken
        return taken
    }

    /// Batches taken and the rows in them so far.
    var counts: (batches: Int, rows: Int) { lock.withLock { (batches, rows) } }

    /// Lets the workers stop once nothing is pending.
    func close() {
        lock.withLock { closed = true }
        available.broadcast()
    }
}
