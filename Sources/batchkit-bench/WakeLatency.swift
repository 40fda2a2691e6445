import BatchProcessing
import Locking

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// How late threads wake on this machine: a signalled condition variable (an idle worker), a timed
/// wait (the timer thread, at the default 50 µs timer slack) and a short sleep at 1 µs slack (the
/// open loop's generator). Medians, in seconds, for the simulator's cost table.
enum WakeLatency {
    /// The three medians.
    struct Figures {
        var signal: Double
        var timedWait: Double
        var sleep: Double
    }

    static func measure(samples: Int) -> Figures {
        Figures(
            signal: signalLatency(samples: samples), timedWait: timedWaitLate(samples: samples / 4),
            sleep: sleepLate(samples: samples / 4))
    }

    /// From `signal()` to the waiting thread running, median over `samples` ping-pongs.
    private static func signalLatency(samples: Int) -> Double {
        let lock = ConditionLock()
        let condition = Condition()
        let clock = ContinuousClock()
        // Shared under the lock: the round, when it was signalled, and the measured delays.
        final class State: @unchecked Sendable {
            var round = 0
            var signalledAt = ContinuousClock.now
            var delays: [Double] = []
            var waiting = false
        }
        let state = State()
        let waiter = WorkerThread(name: "bench-wake") {
            lock.lock()
            var seen = 0
            while seen < samples {
                state.waiting = true
                while state.round == seen { condition.wait(lock) }
                state.waiting = false
                seen = state.round
                state.delays.append((clock.now - state.signalledAt).inSeconds)
            }
            lock.unlock()
        }
        for _ in 0..<samples {
            // Let the waiter fall asleep in the kernel first, as an idle worker is.
            while !lock.withLock({ state.waiting }) { sched_yield() }
            var pause = timespec(tv_sec: 0, tv_nsec: 200_000)
            nanosleep(&pause, nil)
            lock.withLock {
                state.round += 1
                state.signalledAt = clock.now
                condition.signal()
            }
        }
        waiter.join()
        return median(state.delays)
    }

    /// How much later than asked a 1 ms timed wait on a condition returns.
    private static func timedWaitLate(samples: Int) -> Double {
        let lock = ConditionLock()
        let condition = Condition()
        let clock = ContinuousClock()
        var late: [Double] = []
        lock.lock()
        for _ in 0..<samples {
            let start = clock.now
            condition.wait(lock, timeout: .milliseconds(1))
            late.append(max((clock.now - start).inSeconds - 1e-3, 0))
        }
        lock.unlock()
        return median(late)
    }

    /// How much later than asked a 100 µs sleep returns at 1 µs timer slack (on a thread of its own).
    private static func sleepLate(samples: Int) -> Double {
        let result = Locked([Double]())
        let thread = WorkerThread(name: "bench-sleep") {
            OpenLoop.tightenTimerSlack()
            let clock = ContinuousClock()
            var late: [Double] = []
            for _ in 0..<samples {
                let start = clock.now
                var request = timespec(tv_sec: 0, tv_nsec: 100_000)
                nanosleep(&request, nil)
                late.append(max((clock.now - start).inSeconds - 100e-6, 0))
            }
            result.withLock { $0 = late }
        }
        thread.join()
        return median(result.withLock { $0 })
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[sorted.count / 2]
    }
}
