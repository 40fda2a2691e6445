/// Runs a user's batch function: items in, exactly one result per item out.
final class FunctionRunner<Item: Sendable, Output: Sendable>: BatchRunner {
    private let function: @Sendable ([Item]) throws -> [Output]

    init(_ function: @escaping @Sendable ([Item]) throws -> [Output]) {
        self.function = function
    }

    func run(_ parts: [SchedulerPart<Item, Output>]) -> [Result<Output, BatchProcessorError>?] {
        let items = parts.map(\.element.item)
        let outputs: [Output]
        do {
            outputs = try function(items)
        } catch {
            let failure = BatchProcessorError.processingFailed(error)
            return Array(repeating: .failure(failure), count: parts.count)
        }
        guard outputs.count == items.count else {
            let failure = BatchProcessorError.resultCountMismatch(expected: items.count, got: outputs.count)
            return Array(repeating: .failure(failure), count: parts.count)
        }
        return outputs.map { .success($0) }
    }
}
