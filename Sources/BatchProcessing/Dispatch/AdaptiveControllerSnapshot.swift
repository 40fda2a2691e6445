/// What the adaptive controller currently believes and decided.
public struct AdaptiveControllerSnapshot: Sendable, Equatable {
    /// The target batch size, in rows: what a batch waits for.
    public var target: Int
    /// The most rows a batch takes once the target is met (a backlog drains up to this).
    public var batchLimit: Int
    /// Why the target is what it is: `warmingUp`, `sendNow`, `waitPays`, `saturated`, `backlog`,
    /// `failureBackoff`, `memoryPressure`, `latencyObjective` or `manual`.
    public var reason: String
    /// Estimated arrivals per second.
    public var arrivalRate: Double
    /// Fitted fixed cost of one batch (`a` in `t(n) ≈ a + b·n`), once enough batches were measured.
    public var fixedCost: Duration?
    /// Fitted cost per row (`b`).
    public var perRowCost: Duration?
    /// Batches the cost model has seen.
    public var batchesMeasured: Int
    /// The measured service time of batches of up to 16 rows, by rows (sizes not measured yet are absent):
    /// the fit covers larger batches only, as small ones do not follow a line.
    public var smallBatchTimes: [Int: Duration]

    init(_ controller: AdaptiveController) {
        target = controller.target
        batchLimit = controller.batchLimit
        reason = controller.reason.rawValue
        arrivalRate = controller.arrivalRate
        let model = controller.costModel
        fixedCost = model.map { .seconds($0.fixed) }
        perRowCost = model.map { .seconds($0.perRow) }
        batchesMeasured = controller.batchesMeasured
        smallBatchTimes = controller.measuredSmallSizes.mapValues { .seconds($0) }
    }
}
