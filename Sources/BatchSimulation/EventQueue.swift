/// The pending events, earliest first: a binary heap.
struct EventQueue {
    private var heap: [SimulationEvent] = []
    private var sequence: UInt64 = 0

    init() { heap.reserveCapacity(1024) }

    var isEmpty: Bool { heap.isEmpty }

    /// Schedules `kind` at `time` nanoseconds.
    mutating func schedule(_ kind: SimulationEvent.Kind, at time: Int64) {
        sequence += 1
        heap.append(SimulationEvent(time: time, sequence: sequence, kind: kind))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest event.
    mutating func pop() -> SimulationEvent? {
        guard !heap.isEmpty else { return nil }
        let first = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                guard left < heap.count else { break }
                var child = left
                if left + 1 < heap.count, heap[left + 1].precedes(heap[left]) { child = left + 1 }
                guard heap[child].precedes(heap[parent]) else { break }
                heap.swapAt(child, parent)
                parent = child
            }
        }
        return first
    }
}
