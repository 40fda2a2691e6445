import Locking

/// Fans health events out to every `alerts()` subscriber.
final class AlertHub: Sendable {
    private let subscribers = Locked<(next: UInt64, all: [UInt64: AsyncStream<HealthEvent>.Continuation])>((0, [:]))

    /// A new stream of the events published from now on.
    func subscribe() -> AsyncStream<HealthEvent> {
        let (stream, continuation) = AsyncStream<HealthEvent>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let id = subscribers.withLock { state in
            state.next += 1
            state.all[state.next] = continuation
            return state.next
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.all.removeValue(forKey: id) }
        }
        return stream
    }

    /// Delivers `events` to every subscriber (never under the scheduler's lock).
    func publish(_ events: [HealthEvent]) {
        guard !events.isEmpty else { return }
        let all = subscribers.withLock { Array($0.all.values) }
        for continuation in all {
            for event in events { continuation.yield(event) }
        }
    }
}
