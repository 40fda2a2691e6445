import Dispatch
import Foundation
import Testing

@testable import BatchProcessing

/// ``ResultCell``: a claimed value stays invisible until published, and on the blocking side each
/// thread reuses one waiter, which must never carry a stale wake-up from an earlier wait into a later one.
@Suite struct ResultCellTests {
    /// A worker claims a result, records statistics, then publishes: a caller looking in between must
    /// not see the result (it would read statistics that do not count it yet), and nothing else may
    /// complete the cell meanwhile.
    @Test func aClaimedValueIsInvisibleUntilPublished() async throws {
        let cell = ResultCell<Int>(placeholder: 0)
        let wake = try #require(cell.claim(1))
        #expect(cell.value == nil)
        #expect(!cell.complete(2))
        #expect(cell.claim(3) == nil)
        let waiter = Task { await cell.wait() }
        wake.run()
        #expect(cell.value == 1)
        #expect(await waiter.value == 1)
    }

    @Test func timedOutWaitDoesNotWakeTheThreadsNextWait() async throws {
        let first = ResultCell<Int>(placeholder: 0)
        let second = ResultCell<Int>(placeholder: 0)
        let outcome = ResultCell<([Int?], Duration)>(placeholder: ([], .zero))
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
        let cells = (0..<rounds).map { _ in ResultCell<Int>(placeholder: 0) }
        let total = ResultCell<Int>(placeholder: 0)
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
