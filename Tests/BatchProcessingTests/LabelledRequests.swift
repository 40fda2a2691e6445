@testable import BatchProcessing

/// The cell of a request a state-machine test names: the machine carries ``QueuedRequest``s, and the
/// tests tell them apart by label.
final class LabelledCell: Sendable {
    let label: String

    init(_ label: String) { self.label = label }
}

extension QueuedRequest {
    /// A request the tests know as `label`.
    static func labelled(_ label: String) -> QueuedRequest {
        QueuedRequest(cell: LabelledCell(label), submittedAt: 0, isFireAndForget: false)
    }

    /// The label of a request made by ``labelled(_:)``.
    var label: String {
        guard let cell = cell as? LabelledCell else { return "<unlabelled>" }
        return cell.label
    }
}

extension SchedulerStateMachine {
    /// Offers the request labelled `label`.
    mutating func submit(_ label: String, priority: BatchPriority, rows: Int, now: Duration) -> SubmitResult {
        submit(.labelled(label), priority: priority, rows: rows, now: now)
    }
}

extension ProducerWaiter {
    /// Which waiter this is, for comparing lists of them.
    var identity: ObjectIdentifier { ObjectIdentifier(self) }
}
