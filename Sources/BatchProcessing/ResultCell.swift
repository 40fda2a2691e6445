import Synchronization

/// A value set exactly once and awaited by any number of tasks or blocked threads.
///
/// It is the heart of the exactly-once guarantee: a result, a timeout, a cancellation and a shutdown
/// may race to complete the same request, and only the first ``complete(_:)`` wins; the others learn
/// they lost and do nothing. Waiters are resumed after the cell's lock is released.
final class ResultCell<Value: Sendable>: Sendable {
    private enum Waiter {
        case task(UnsafeContinuation<Value, Never>)
        case thread(BlockingWaiter)

        func wake(with value: Value) {
            switch self {
            case .task(let continuation): continuation.resume(returning: value)
            case .thread(let waiter): waiter.signal()
            }
        }
    }

    private enum Waiters {
        case none
        case one(Waiter)
        case many([Waiter])

        mutating func add(_ waiter: Waiter) {
            switch self {
            case .none: self = .one(waiter)
            case .one(let first): self = .many([first, waiter])
            case .many(var all):
                self = .none
                all.append(waiter)
                self = .many(all)
            }
        }
    }

    private enum State {
        case pending(Waiters)
        case done(Value)
    }

    private let state = Mutex<State>(.pending(.none))

    init() {}

    /// Sets the value if none is set yet and wakes every waiter.
    ///
    /// - Returns: `true` if this call set the value, `false` if the cell was already complete.
    @discardableResult
    func complete(_ value: Value) -> Bool {
        let waiters: Waiters? = state.withLock { state in
            guard case .pending(let waiters) = state else { return nil }
            state = .done(value)
            return waiters
        }
        guard let waiters else { return false }
        switch waiters {
        case .none: break
        case .one(let waiter): waiter.wake(with: value)
        case .many(let all): for waiter in all { waiter.wake(with: value) }
        }
        return true
    }

    /// The value, if set.
    var value: Value? {
        state.withLock { state in
            if case .done(let value) = state { return value }
            return nil
        }
    }

    /// Suspends until the value is set.
    func wait() async -> Value {
        await withUnsafeContinuation { continuation in
            let ready: Value? = state.withLock { state in
                switch state {
                case .done(let value): return value
                case .pending(var waiters):
                    state = .pending(.none)
                    waiters.add(.task(continuation))
                    state = .pending(waiters)
                    return nil
                }
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Blocks the calling thread until the value is set or `timeout` passes.
    func waitBlocking(timeout: Duration?) -> Value? {
        let waiter = BlockingWaiter()
        let ready: Value? = state.withLock { state in
            switch state {
            case .done(let value): return value
            case .pending(var waiters):
                state = .pending(.none)
                waiters.add(.thread(waiter))
                state = .pending(waiters)
                return nil
            }
        }
        if let ready { return ready }
        _ = waiter.wait(timeout: timeout)
        // On timeout the waiter stays registered; signalling it later is harmless.
        return value
    }
}
