import Dispatch
import Foundation
import Testing

@testable import BatchProcessing

/// The blocking side of ``ResultCell``: each thread reuses one waiter, which must never carry a stale
/// wake-up from an earlier wait into a later one.
@Suite struct ResultCellTests {
    @Test func timedOutWaitDoesNotWakeTheThreadsNextWait() async throws {
        let first = ResultCell<Int>()
        let second = ResultCell<Int>()
        let outcome = ResultCell<([Int?], Duration)>()
        Thread.detachNewThread {
            var seen: [Int?] = []
            seen.append(first.waitBlocking(timeout: .milliseconds(1)))
            // `first` completes before this thread waits on `second`: the signal it sends to the
            // waiter still registered with it must not end the next wait early.
            first.complete(1)
            let clock = ContinuousClock()
            let start = clock.now
            seen.append(second.waitBlocking(timeout: .milliseconds(50)))
            let waited = clock.now - start
            second.complete(2)
            seen.append(second.waitBlocking(timeout: nil))
            outcome.complete((seen, waited))
        }
        let (seen, waited) = await outcome.wait()
        #expect(seen == [nil, nil, 2])
        #expect(waited >= .milliseconds(45))
    }

    @Test func oneThreadWaitsManyTimesInTurn() async throws {
        let rounds = 2000
        let cells = (0..<rounds).map { _ in ResultCell<Int>() }
        let total = ResultCell<Int>()
        Thread.detachNewThread {
            var sum = 0
            for cell in cells { sum += cell.waitBlocking(timeout: nil) ?? -1_000_000 }
            total.complete(sum)
        }
        DispatchQueue.global().async {
            for (index, cell) in cells.enumerated() { cell.complete(index) }
        }
        #expect(await total.wait() == (0..<rounds).reduce(0, +))
    }
}
