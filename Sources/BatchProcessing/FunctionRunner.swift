/// Runs a user's batch function: items in, exactly one result per item out.
final class FunctionRunner<Item: Sendable, Output: Sendable>: BatchRunner {
    private let function: @Sendable ([Item]) throws -> [Output]

    init(_ function: @escaping @Sendable ([Item]) throws -> [Output]) {
        self.function = function
    }

    func run(_ parts: [SchedulerPart<Item, Output>]) -> BatchRunResult<Output> {
        let items = parts.map(\.element.item)
        let outputs: [Output]
        do {
            outputs = try function(items)
        } catch {
            let underlying = (error as? NonRetryable)?.underlying ?? error
            return .failed(.processingFailed(underlying), retryable: !(error is any NonRetryableError))
        }
        guard outputs.count == items.count else {
            // A contract violation, not bad luck: running it again would only repeat it.
            return .failed(.resultCountMismatch(expected: items.count, got: outputs.count), retryable: false)
        }
        return .completed(outputs.map { .success($0) })
    }
}
