/// Runs a user's batch function: items in, exactly one result per item out.
final class FunctionRunner<Item: Sendable, Output: Sendable>: BatchRunner {
    private let function: @Sendable ([Item]) throws -> [Output]
    /// Reused batch to batch (see ``DenseRunner``); if the function keeps the items array, the next
    /// batch simply gets a new buffer.
    private var items: [Item] = []
    private var results: [Result<Output, BatchProcessorError>?] = []

    init(_ function: @escaping @Sendable ([Item]) throws -> [Output]) {
        self.function = function
    }

    func run(_ parts: [SchedulerPart]) -> BatchRunResult<Output> {
        // The lists are moved into locals for the loops: each access to a class's stored property is
        // a dynamic exclusivity check, which per item cost more than the append.
        var items: [Item] = []
        swap(&items, &self.items)
        items.removeAll(keepingCapacity: true)
        items.reserveCapacity(parts.count)
        for index in parts.indices { items.append(parts[index].element.item(Item.self, Output.self)) }
        defer {
            items.removeAll(keepingCapacity: true)
            swap(&items, &self.items)
        }
        let outputs: [Output]
        do {
            outputs = try function(items)
        } catch {
            let underlying = (error as? NonRetryable)?.underlying ?? error
            return .failed(.processingFailed(underlying), retryable: !(error is any NonRetryableError))
        }
        guard outputs.count == items.count else {
            // A contract violation, not bad luck: running it again, whole or split, would only repeat it
            // (and the function's side effects).
            return .resultCountMismatch(expected: items.count, got: outputs.count)
        }
        var results: [Result<Output, BatchProcessorError>?] = []
        swap(&results, &self.results)
        results.removeAll(keepingCapacity: true)
        results.reserveCapacity(outputs.count)
        for index in outputs.indices { results.append(.success(outputs[index])) }
        self.results = results
        return .completed(results)
    }
}
