/// One measured batch size of a cost table: `rows` rows took `seconds` (the median call).
public struct KernelPoint: Codable, Sendable, Equatable {
    /// The batch's rows.
    public var rows: Int
    /// The median time of a call at this size, in seconds.
    public var seconds: Double

    /// A measured size.
    public init(rows: Int, seconds: Double) {
        self.rows = rows
        self.seconds = seconds
    }
}
