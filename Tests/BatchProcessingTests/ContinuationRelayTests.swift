import Foundation
import Synchronization
import Testing

@testable import BatchProcessing

/// ``ContinuationRelay``: continuations handed over from threads outside the cooperative pool are each
/// resumed once, by the relay task, which a hand-over wakes only when it is parked; once closed, the
/// handing thread resumes them itself. And the scheduler routes every awaiting task of a batch through
/// it, after letting go of the batch's cells, so each caller finds its finished cell free for reuse.
@Suite(.timeLimit(.minutes(1))) struct ContinuationRelayTests {
    typealias Continuation = ContinuationRelay.Continuation

    /// Tasks suspended on continuations the test holds, and how many of them have been resumed.
    final class Sleepers: Sendable {
        final class Shared: Sendable {
            let waiting = Mutex<[Continuation]>([])
            let resumed = Atomic<Int>(0)
        }
        private let shared = Shared()
        private let tasks: [Task<Void, Never>]

        init(count: Int) {
            let shared = shared
            tasks = (0..<count).map { _ in
                Task {
                    await withUnsafeContinuation { (continuation: Continuation) in
                        shared.waiting.withLock { $0.append(continuation) }
                    }
                    shared.resumed.add(1, ordering: .relaxed)
                }
            }
        }

        /// The continuations, once every task has suspended.
        func continuations() async -> [Continuation] {
            while true {
                let taken: [Continuation]? = shared.waiting.withLock { list in
                    guard list.count == tasks.count else { return nil }
                    defer { list = [] }
                    return list
                }
                if let taken { return taken }
                await Task.yield()
            }
        }

        /// Waits for every task to end; returns how many passed their resumption.
        func finish() async -> Int {
            for task in tasks { await task.value }
            return shared.resumed.load(ordering: .relaxed)
        }
    }

    /// Runs `body` on a thread of its own, outside the cooperative pool, as a batch worker would.
    static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: body()) }
        }
    }

    @Test func everyHandedContinuationIsResumedByTheRelay() async {
        let relay = ContinuationRelay()
        let rounds = 5
        let perRound = 40
        var sleepers: [Sleepers] = []
        for _ in 0..<rounds {
            let round = Sleepers(count: perRound)
            let list = await round.continuations()
            let leftEmpty = await Self.onOwnThread {
                var handed = list
                relay.hand(&handed)
                return handed.isEmpty
            }
            #expect(leftEmpty)
            sleepers.append(round)
        }
        for round in sleepers { #expect(await round.finish() == perRound) }
        let counts = relay.counts
        #expect(counts.handOvers == rounds)
        #expect(counts.relayed == rounds * perRound)
        #expect(counts.resumedInPlace == 0)
        #expect((1...rounds).contains(counts.wakeUps))
        relay.close()
    }

    @Test func anEmptyListIsNotAHandOver() {
        let relay = ContinuationRelay()
        var none: [Continuation] = []
        relay.hand(&none)
        #expect(relay.counts == ContinuationRelay.Counts())
    }

    @Test func onceClosedTheHandingThreadResumesThem() async {
        let relay = ContinuationRelay()
        let first = Sleepers(count: 10)
        var list = await first.continuations()
        relay.hand(&list)
        relay.close()
        let second = Sleepers(count: 10)
        list = await second.continuations()
        relay.hand(&list)
        #expect(list.isEmpty)
        #expect(await first.finish() == 10)
        #expect(await second.finish() == 10)
        let counts = relay.counts
        #expect(counts.relayed == 10)
        #expect(counts.resumedInPlace == 10)
    }

    @Test func closedBeforeAnyHandOverTheRelayNeverStarts() async {
        let relay = ContinuationRelay()
        relay.close()
        let sleepers = Sleepers(count: 5)
        var list = await sleepers.continuations()
        relay.hand(&list)
        #expect(await sleepers.finish() == 5)
        #expect(relay.counts.wakeUps == 0)
        #expect(relay.counts.resumedInPlace == 5)
    }

    static func processor() throws -> BatchProcessor<Int, Int> {
        var configuration = BatchProcessorConfiguration()
        configuration.health.enabled = false
        configuration.workers.count = 1
        configuration.batching.maxSize = 16
        configuration.batching.initialSize = 16
        configuration.batching.timeout = .milliseconds(1)
        let processor = try BatchProcessor<Int, Int>(configuration: configuration)
        try processor.start { batch in batch.map { $0 * 10 } }
        return processor
    }

    @Test func awaitingTasksAreResumedThroughTheRelayAtMostOneWakeUpPerBatch() async throws {
        let processor = try Self.processor()
        let relay = try processor.running().relay
        let (tasks, rounds) = (32, 20)
        let sums = await withTaskGroup(of: Int.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    var sum = 0
                    for round in 0..<rounds { sum += (try? await processor.predict(task * rounds + round)) ?? -1 }
                    return sum
                }
            }
            return await group.reduce(0, +)
        }
        #expect(sums == (0..<(tasks * rounds)).reduce(0) { $0 + $1 * 10 })
        let counts = relay.counts
        // A task whose result was published before it came to wait takes it without suspending. How
        // many do depends on how the two threads interleave (a full batch is published within
        // microseconds of its last submission), so only the bounds are certain.
        #expect(counts.relayed > 0 && counts.relayed <= tasks * rounds)
        #expect(counts.wakeUps <= processor.stats().window.totalBatches)
        // Blocked threads are signalled by the worker itself.
        let blocking = await Self.onOwnThread { (try? processor.enqueuePredict(7).result()) ?? -1 }
        #expect(blocking == 70)
        #expect(relay.counts.relayed == counts.relayed)
        await processor.stop()
        #expect(relay.counts.resumedInPlace == 0)
    }

    /// The item type of the cell tests, which no other test uses: tests run in parallel on the same
    /// pool threads, and a spare cell of another test's type is never taken here.
    struct Tagged: Sendable {
        let value: Int
    }

    typealias TaggedCell = RequestCell<Tagged, Int>

    static func taggedProcessor(maxBatch: Int) throws -> BatchProcessor<Tagged, Int> {
        var configuration = BatchProcessorConfiguration()
        configuration.health.enabled = false
        configuration.workers.count = 1
        configuration.batching.maxSize = maxBatch
        configuration.batching.initialSize = maxBatch
        let processor = try BatchProcessor<Tagged, Int>(configuration: configuration)
        try processor.start { batch in batch.map { $0.value * 10 } }
        return processor
    }

    /// Submits `item` and waits for it from this thread; returns its cell's identity and the result,
    /// with the future gone, so that only the thread's spare slot may still hold the cell.
    static func predictBlocking(_ processor: BatchProcessor<Tagged, Int>, _ item: Int) -> (ObjectIdentifier, Int?) {
        guard let future = try? processor.enqueuePredict(Tagged(value: item)) else {
            return (ObjectIdentifier(Self.self), nil)
        }
        return (ObjectIdentifier(future.cell), try? future.result())
    }

    /// As ``predictBlocking(_:_:)``, awaiting the result.
    static func predictAwaiting(_ processor: BatchProcessor<Tagged, Int>, _ item: Int) async -> (
        ObjectIdentifier, Int?
    ) {
        guard let future = try? await processor.enqueuePredict(Tagged(value: item)) else {
            return (ObjectIdentifier(Self.self), nil)
        }
        let identity = ObjectIdentifier(future.cell)
        return (identity, try? await future.value)
    }

    /// Empties this thread's spare slots, so the next check sees only the next item's cell.
    static func clearSpares() {
        while SpareCell.take(kind: TaggedCell.self) != nil {}
    }

    /// Whether the cell identified is this thread's spare with no other reference: taken out of the
    /// slot, so the next item on the thread starts from empty slots again.
    static func spareIsFree(_ identity: ObjectIdentifier) -> Bool {
        let taken = SpareCell.take(kind: TaggedCell.self).map(ObjectIdentifier.init)
        clearSpares()
        return taken == identity
    }

    /// Callers in batches of several: the worker wakes them one after the other, so the first ones run
    /// while it still wakes the rest, and would find their cells still held if it woke them before
    /// letting go of the batch.
    static let callers = 8
    static let itemsPerCaller = 50
    /// A few rounds in a hundred.
    static let allowedMisses = callers * itemsPerCaller / 25

    @Test func wokenThreadsFindTheirCellsReferencedByNothingElse() async throws {
        let processor = try Self.taggedProcessor(maxBatch: Self.callers)
        let misses = await withTaskGroup(of: Int.self) { group in
            for caller in 0..<Self.callers {
                group.addTask {
                    await Self.onOwnThread {
                        Self.clearSpares()
                        var misses = 0
                        for round in 0..<Self.itemsPerCaller {
                            let item = caller * Self.itemsPerCaller + round
                            let (identity, result) = Self.predictBlocking(processor, item)
                            if result != item * 10 || !Self.spareIsFree(identity) { misses += 1 }
                        }
                        return misses
                    }
                }
            }
            return await group.reduce(0, +)
        }
        // The worker lets go of each cell just after publishing it; a caller that finds its result
        // already there may look in that instant and miss. Without the release order, nearly every
        // round would.
        #expect(misses <= Self.allowedMisses)
        await processor.stop()
    }

    @Test func resumedTasksFindTheirCellsReferencedByNothingElse() async throws {
        let processor = try Self.taggedProcessor(maxBatch: Self.callers)
        let misses = await withTaskGroup(of: Int.self) { group in
            for caller in 0..<Self.callers {
                group.addTask {
                    var misses = 0
                    for round in 0..<Self.itemsPerCaller {
                        let item = caller * Self.itemsPerCaller + round
                        let (identity, result) = await Self.predictAwaiting(processor, item)
                        // No suspension since the resumption: this is the thread whose slot took the cell.
                        if result != item * 10 || !Self.spareIsFree(identity) { misses += 1 }
                    }
                    return misses
                }
            }
            return await group.reduce(0, +)
        }
        // The worker lets go of each cell just after publishing it; a caller that finds its result
        // already there may look in that instant and miss. Without the release order, nearly every
        // round would.
        #expect(misses <= Self.allowedMisses)
        await processor.stop()
    }
}
