/// How urgently an item should be served; lower raw values are served first.
///
/// Within one level items are served in arrival order. With aging enabled
/// (``BatchProcessorConfiguration/Queue/agingLimit``) an item that has waited past the limit is served
/// before fresher items of any level, so ``background`` work cannot starve.
public enum BatchPriority: Int, Sendable, CaseIterable, Comparable, Codable, CustomStringConvertible {
    /// Served before everything else.
    case critical = 0
    /// Served before normal work.
    case high = 1
    /// The default.
    case normal = 2
    /// Served after normal work.
    case low = 3
    /// Served when nothing else is waiting (or once it has aged).
    case background = 4

    public static func < (lhs: BatchPriority, rhs: BatchPriority) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The level's name, as the CLI's `--priority` takes it.
    public var description: String {
        switch self {
        case .critical: "critical"
        case .high: "high"
        case .normal: "normal"
        case .low: "low"
        case .background: "background"
        }
    }

    /// Parses a level name such as `high` (case-insensitive).
    public init?(name: String) {
        guard let level = BatchPriority.allCases.first(where: { $0.description == name.lowercased() }) else {
            return nil
        }
        self = level
    }
}
