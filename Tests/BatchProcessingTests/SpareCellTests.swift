import Foundation
import Testing

@testable import BatchProcessing

/// ``SpareCell``: a thread's finished request cell is reused for its next item only once nothing else
/// references it, so a future the caller still holds keeps its own result.
@Suite struct SpareCellTests {
    /// An item type no other test uses, so no other test's spare cells can be taken here.
    struct Marker: Sendable, Equatable {
        let value: Int
    }

    typealias Cell = RequestCell<Marker, Int>

    /// The placeholder cells are made with, as ``SchedulerStorage`` keeps one.
    let template = ResultCell<Result<Int, BatchProcessorError>>(placeholder: .failure(.cancelled))

    func make(_ value: Int) -> Cell {
        Cell.make(item: Marker(value: value), assembly: nil, cellClass: Cell.self, placeholderOf: template)
    }

    @Test func aNewCellStartsPendingWithTheTemplateUntouched() throws {
        let cell = make(1)
        #expect(cell.value == nil, "the placeholder is never read as a result")
        #expect(cell.item == Marker(value: 1))
        #expect(cell.complete(.success(10)))
        #expect(!cell.complete(.success(11)))
        #expect(try cell.value?.get() == 10)
        #expect(template.value == nil, "the template is copied, never completed")
        #expect(make(2).value == nil)
    }

    @Test func aSpareIsReusedOnlyOnceNothingElseHoldsIt() throws {
        // No suspension below: every call runs on the same thread, whose slots these are.
        var held: Cell? = Cell(item: Marker(value: 1))
        #expect(held!.complete(.success(10)))
        SpareCell.keep(held!)
        #expect(SpareCell.take(kind: Cell.self) == nil, "the test still holds the cell")
        let identity = ObjectIdentifier(held!)
        held = nil

        let reused = make(2)
        #expect(ObjectIdentifier(reused) == identity)
        #expect(reused.item == Marker(value: 2))
        #expect(reused.value == nil, "a reused cell starts pending, its old result unreadable")
        #expect(reused.completionInstant == nil)
        #expect(reused.complete(.success(20)))
        #expect(!reused.complete(.success(30)), "and still completes exactly once")
        #expect(try reused.value?.get() == 20)
        // Taken out of its slot: the next item gets a new cell.
        #expect(ObjectIdentifier(make(3)) != identity)
    }

    @Test func aSpareOfAnotherTypeIsNotTaken() {
        SpareCell.keep(RequestCell<Marker, String>(item: Marker(value: 1)))
        SpareCell.keep(RequestCell<Marker, String>(item: Marker(value: 2)))
        #expect(SpareCell.take(kind: Cell.self) == nil)
    }

    static func processor() throws -> BatchProcessor<Int, Int> {
        var configuration = BatchProcessorConfiguration()
        configuration.health.enabled = false
        configuration.workers.count = 1
        let processor = try BatchProcessor<Int, Int>(configuration: configuration)
        try processor.start { batch in batch.map { $0 * 10 } }
        return processor
    }

    @Test func aHeldFutureKeepsItsResultWhileItsThreadSubmitsMore() async throws {
        let processor = try Self.processor()
        let results = try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(
                    with: Result { () throws -> (first: Int, again: Int, others: [Int]) in
                        let kept = try processor.enqueuePredict(1)
                        let first = try kept.result()
                        var others: [Int] = []
                        for item in 2...200 { others.append(try processor.enqueuePredict(item).result()) }
                        return (first, try kept.result(), others)
                    })
            }
        }
        #expect(results.first == 10 && results.again == 10)
        #expect(results.others == (2...200).map { $0 * 10 })
        await processor.stop()
    }

    @Test func aHeldFutureKeepsItsResultWhileTasksSubmitMore() async throws {
        let processor = try Self.processor()
        let kept = try await processor.enqueuePredict(1)
        #expect(try await kept.value == 10)
        for item in 2...200 { #expect(try await processor.predict(item) == item * 10) }
        #expect(try await kept.value == 10)
        #expect(kept.isDone)
        await processor.stop()
    }
}
