/// Every setting's run at one offered load.
public struct SimulatedLoad: Sendable {
    /// The offered load, as a fraction of the capacity.
    public var load: Double
    /// One result per setting, in the suite's order (adaptive first).
    public var results: [SimulationResult]

    /// The result of `setting`.
    public func result(_ setting: BatchingSetting) -> SimulationResult? { results.first { $0.setting == setting } }

    /// The fixed setting with the lowest p99, and its result.
    public var bestFixed: SimulationResult? {
        results.filter { if case .fixed = $0.setting { true } else { false } }.min { $0.p99 < $1.p99 }
            .flatMap { $0.p99.isFinite ? $0 : nil }
    }
}
