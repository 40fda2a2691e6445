import Testing

@testable import BatchProcessing

/// The controller against a synthetic cost model `t(n) = 50 µs + 2 µs·n`, with time driven by hand.
@Suite struct AdaptiveControllerTests {
    static let fixed = 50e-6
    static let perRow = 2e-6

    static func controller(
        workers: Int = 2,
        min: Int = 1,
        cap: Int = 256,
        initial: Int = 32,
        objective: Duration? = nil
    ) -> AdaptiveController {
        var settings = AdaptiveController.Settings()
        settings.minBatchSize = min
        settings.rowCap = cap
        settings.workers = workers
        settings.targetLatency = objective
        return AdaptiveController(settings: settings, initialTarget: initial)
    }

    /// Runs `milliseconds` of simulated time at `rate` items/s; each millisecond the workers finish
    /// batches of the current target. Returns the targets decided, one per millisecond.
    static func run(
        _ controller: inout AdaptiveController,
        rate: Double,
        from start: Int,
        milliseconds: Int,
        failing: Bool = false
    ) -> [Int] {
        var targets: [Int] = []
        var carry = 0.0
        for step in start..<(start + milliseconds) {
            let now = Duration.milliseconds(step)
            carry += rate / 1000
            let arrivals = Int(carry)
            carry -= Double(arrivals)
            for _ in 0..<arrivals { controller.recordArrival() }
            // Real batches vary around the target (timeouts, Poisson clumps); alternate to mimic that.
            let rows = step % 2 == 0 ? controller.target : max(2, controller.target / 2 + 1)
            controller.recordBatch(
                rows: rows, serviceTime: .seconds(fixed + perRow * Double(rows)), succeeded: !failing)
            controller.decide(now: now, queuedRows: 0)
            targets.append(controller.target)
        }
        return targets
    }

    /// The smallest batch that sustains `rate` with the controller's headroom, by brute force.
    static func expectedTarget(rate: Double, workers: Int = 2, cap: Int = 256) -> Int {
        let needed = AdaptiveController.Settings().headroom * rate / Double(workers)
        return (1...cap).first { Double($0) / (fixed + perRow * Double($0)) >= needed } ?? cap
    }

    @Test func waitsForTheWarmUpThenFitsTheCostModel() {
        var controller = Self.controller()
        controller.decide(now: .zero, queuedRows: 0)
        #expect(controller.reason == .warmingUp)
        #expect(controller.target == 32)
        _ = Self.run(&controller, rate: 1000, from: 1, milliseconds: 10)
        let model = controller.costModel
        #expect(model != nil)
    }

    @Test(arguments: [5_000.0, 100_000.0, 300_000.0, 600_000.0])
    func convergesToTheSmallestSustainableSizeWithoutOscillating(rate: Double) {
        var controller = Self.controller()
        // Vary the sizes first so the fit sees more than one batch size.
        for rows in [1, 8, 64, 200] {
            controller.recordBatch(
                rows: rows, serviceTime: .seconds(Self.fixed + Self.perRow * Double(rows)), succeeded: true)
        }
        let targets = Self.run(&controller, rate: rate, from: 0, milliseconds: 2000)
        let settled = targets.suffix(500)
        let expected = Self.expectedTarget(rate: rate)
        #expect(abs(settled.last! - expected) <= max(1, expected / 10), "rate \(rate): \(settled.last!) vs \(expected)")
        #expect(settled.max()! - settled.min()! <= max(2, expected / 5), "rate \(rate) oscillates")
        let fitted = controller.costModel!
        #expect(abs(fitted.fixed - Self.fixed) < 1e-6)
        #expect(abs(fitted.perRow - Self.perRow) < 1e-8)
    }

    @Test func lowLoadSendsItemsAtOnce() {
        var controller = Self.controller(initial: 64)
        _ = Self.run(&controller, rate: 50, from: 0, milliseconds: 1000)
        #expect(controller.target == 1)
        #expect(controller.reason == .keepUp)
    }

    @Test func overloadTakesTheCap() {
        var controller = Self.controller(cap: 128)
        _ = Self.run(&controller, rate: 5_000_000, from: 0, milliseconds: 1000)
        #expect(controller.target == 128)
        #expect(controller.reason == .saturated)
    }

    @Test func respectsEveryBoundUnderAnyLoad() {
        for rate in [0.0, 10, 1e4, 1e5, 1e6, 1e8] {
            var controller = Self.controller(min: 4, cap: 64)
            let targets = Self.run(&controller, rate: rate, from: 0, milliseconds: 300)
            #expect(targets.allSatisfy { (4...64).contains($0) }, "rate \(rate)")
        }
    }

    @Test func settlesWithinASecondAfterALoadStep() {
        var controller = Self.controller()
        let capacity = 2 / (Self.fixed / 256 + Self.perRow)  // items/s at the cap with 2 workers
        _ = Self.run(&controller, rate: 0.2 * capacity, from: 0, milliseconds: 1000)
        let before = controller.target
        let after = Self.run(&controller, rate: 0.9 * capacity, from: 1000, milliseconds: 2000)
        let final = after.last!
        #expect(final > before)
        // From 1 s after the step on, the target stays within 10 % of where it ends.
        #expect(after[1000...].allSatisfy { abs($0 - final) <= max(1, final / 10) })
    }

    @Test func failuresShrinkAndRecoveryRestores() {
        var controller = Self.controller()
        _ = Self.run(&controller, rate: 300_000, from: 0, milliseconds: 500)
        let healthy = controller.target
        _ = Self.run(&controller, rate: 300_000, from: 500, milliseconds: 3, failing: true)
        #expect(controller.target < healthy)
        #expect(controller.reason == .failureBackoff)
        _ = Self.run(&controller, rate: 300_000, from: 503, milliseconds: 500)
        #expect(abs(controller.target - healthy) <= 1)
    }

    @Test func aFasterSingleRowPathIsUsedWhenItKeepsUp() {
        // Like mlp1024: one row runs sgemv in 80 µs, while batches cost 1.3 ms + 100 µs per row.
        var controller = Self.controller(workers: 2)
        for rows in [2, 16, 32, 64, 200] {
            controller.recordBatch(rows: rows, serviceTime: .seconds(1.3e-3 + 1e-4 * Double(rows)), succeeded: true)
        }
        for step in 0..<1000 {
            if step % 2 == 0 { controller.recordArrival() }  // 500 items/s
            controller.recordBatch(rows: 1, serviceTime: .microseconds(80), succeeded: true)
            controller.decide(now: .milliseconds(step), queuedRows: 0)
        }
        #expect(controller.target == 1)
        #expect(controller.singleRowTime != nil)
        #expect(abs(controller.costModel!.fixed - 1.3e-3) < 1e-5)
    }

    /// Like mlp1024 with its first six rows computed one by one: small sizes cost 160 µs per row,
    /// larger ones 600 µs + 60 µs per row. A line through all of them has a fixed cost far above the
    /// small batches' true one; measured size by size, the controller sends single rows at low load
    /// (though it never saw a one-row batch) and waits for just enough rows at high load.
    @Test(arguments: [(2_700.0, 1...1), (14_000.0, 7...8)])
    func smallSizesAreJudgedByWhatTheyCost(rate: Double, expected: ClosedRange<Int>) {
        var controller = Self.controller(workers: 2)
        func cost(_ rows: Int) -> Double { rows <= 6 ? 160e-6 * Double(rows) : 600e-6 + 60e-6 * Double(rows) }
        for _ in 0..<20 {
            for rows in [2, 3, 4, 5, 6, 8, 12, 16, 32, 64, 128] {
                controller.recordBatch(rows: rows, serviceTime: .seconds(cost(rows)), succeeded: true)
            }
        }
        var carry = 0.0
        for step in 0..<1000 {
            carry += rate / 1000
            while carry >= 1 {
                controller.recordArrival()
                carry -= 1
            }
            controller.decide(now: .milliseconds(step), queuedRows: 0)
        }
        #expect(expected.contains(controller.target), "rate \(rate): target \(controller.target)")
        #expect(controller.reason == .keepUp)
    }

    @Test func preemptedBatchesDoNotInflateTheEstimate() throws {
        var controller = Self.controller()
        // Every tenth 4-row batch is preempted for a 4 ms time slice; the others take 100 µs.
        for index in 0..<500 {
            let time: Duration = index % 10 == 9 ? .milliseconds(4) : .microseconds(100)
            controller.recordBatch(rows: 4, serviceTime: time, succeeded: true)
        }
        let estimate = try #require(controller.serviceTime(rows: 4))
        // A plain mean would sit near 490 µs; clipped samples keep it within 30 % of the typical time.
        #expect(estimate < 130e-6, "\(estimate)")
    }

    @Test func justBelowSaturationTheTargetHoldsInsteadOfJumpingToTheCap() {
        var controller = Self.controller()
        let capacity = 2 / (Self.fixed / 256 + Self.perRow)
        // 90 % of capacity: 1.25 × the rate is not sustainable at any size, the rate itself is.
        let targets = Self.run(&controller, rate: 0.9 * capacity, from: 0, milliseconds: 2000)
        let settled = targets.suffix(500)
        #expect(settled.max()! < 256)
        #expect(settled.max()! - settled.min()! <= max(2, settled.last! / 5))
    }

    @Test func memoryPressureScalesTheTargetDown() {
        var controller = Self.controller()
        _ = Self.run(&controller, rate: 300_000, from: 0, milliseconds: 500)
        let healthy = controller.target
        controller.setMemoryScale(0.5)
        controller.decide(now: .milliseconds(501), queuedRows: 0)
        #expect(controller.target == max(1, healthy / 2))
        #expect(controller.reason == .memoryPressure)
    }

    @Test func backlogDrainsInLargerBatches() {
        var controller = Self.controller()
        _ = Self.run(&controller, rate: 100_000, from: 0, milliseconds: 500)
        let normal = controller.target
        #expect(normal < 256)
        controller.decide(now: .milliseconds(501), queuedRows: 400)
        // The target (what a batch waits for) holds; the batch that takes the backlog may hold the cap.
        #expect(controller.target == normal)
        #expect(controller.batchLimit == 256)
        #expect(controller.reason == .backlog)
    }

    @Test func latencyObjectiveCapsTheTarget() {
        var controller = Self.controller(objective: .microseconds(250))
        _ = Self.run(&controller, rate: 800_000, from: 0, milliseconds: 500)
        // Keeping up needs 100 rows, but filling n items at 800 k/s and running them must fit 250 µs:
        // n/8e5 + 50 µs + 2 µs·n ≤ 250 µs, so n ≤ 61.
        let bound = Int((250e-6 - Self.fixed) / (1 / 800_000 + Self.perRow))
        #expect(Self.expectedTarget(rate: 800_000) > bound)
        #expect(controller.target <= bound)
        #expect(controller.reason == .latencyObjective)
    }

    @Test func schedulerSendsAtOnceAtLowLoadWhenAdaptive() {
        var settings = SchedulerStateMachine<String, Int>.Settings()
        settings.rowCap = 64
        var adaptive = AdaptiveController.Settings()
        adaptive.rowCap = 64
        settings.adaptive = adaptive
        var machine = SchedulerStateMachine<String, Int>(settings: settings, initialBatchSize: 32)
        _ = machine.workerNext(now: .zero, wasWaiting: false)
        // Teach it the cost model with a few batches, spaced out (a slow trickle of arrivals).
        for step in 1...5 {
            let now = Duration.milliseconds(100 * step)
            guard case .accepted = machine.submit("warm\(step)", priority: .normal, rows: 1, now: now) else {
                Issue.record("not accepted")
                return
            }
            _ = machine.timerFired(now: now + .milliseconds(100))
            if case .run(let batch, _) = machine.workerNext(now: now + .milliseconds(100), wasWaiting: true) {
                _ = machine.batchCompleted(
                    id: batch.id, now: now + .milliseconds(100), rows: batch.rows,
                    serviceTime: .microseconds(50 + 2 * batch.rows))
            }
            _ = machine.workerNext(now: now + .milliseconds(100), wasWaiting: false)
        }
        guard case .accepted(let actions) = machine.submit("lone", priority: .normal, rows: 1, now: .seconds(1)) else {
            Issue.record("not accepted")
            return
        }
        // At 10 items/s, waiting for a batch cannot pay: the lone item goes out at once.
        #expect(machine.targetBatchSize == 1)
        #expect(actions.wakeWorkers == 1)
    }

    @Test func adaptiveBatchTakesTheQueueOnceTheTargetIsMet() {
        var settings = SchedulerStateMachine<String, Int>.Settings()
        settings.rowCap = 64
        var adaptive = AdaptiveController.Settings()
        adaptive.rowCap = 64
        settings.adaptive = adaptive
        var machine = SchedulerStateMachine<String, Int>(settings: settings, initialBatchSize: 8)
        // No idle worker: 20 items queue up behind a target of 8.
        for index in 0..<20 {
            guard case .accepted = machine.submit("item\(index)", priority: .normal, rows: 1, now: .zero) else {
                Issue.record("not accepted")
                return
            }
        }
        #expect(machine.targetBatchSize == 8)
        guard case .run(let batch, _) = machine.workerNext(now: .microseconds(10), wasWaiting: false) else {
            Issue.record("no batch")
            return
        }
        #expect(batch.rows == 20)
        #expect(batch.reason == .full)
        #expect(machine.queuedItems == 0)
    }

    /// Six items arrive while both workers are idle: rows costing 100 µs each are shared three and
    /// three; rows costing 1 µs go out as one batch, since waking a second worker costs more than that.
    @Test(arguments: [(100e-6, 3), (1e-6, 6)])
    func adaptiveSharesALongQueueWithIdleWorkers(perRow: Double, firstBatch: Int) {
        var settings = SchedulerStateMachine<String, Int>.Settings()
        settings.rowCap = 64
        settings.workers = 2
        var adaptive = AdaptiveController.Settings()
        adaptive.rowCap = 64
        adaptive.workers = 2
        settings.adaptive = adaptive
        var machine = SchedulerStateMachine<String, Int>(settings: settings, initialBatchSize: 1)
        for rows in [2, 4, 8] {
            machine.controller!.recordBatch(
                rows: rows, serviceTime: .seconds(perRow * Double(rows)), succeeded: true)
        }
        _ = machine.workerNext(now: .zero, wasWaiting: false)
        _ = machine.workerNext(now: .zero, wasWaiting: false)
        for index in 0..<6 {
            _ = machine.submit("item\(index)", priority: .normal, rows: 1, now: .microseconds(1))
        }
        guard case .run(let first, _) = machine.workerNext(now: .microseconds(2), wasWaiting: true) else {
            Issue.record("expected a batch")
            return
        }
        #expect(first.rows == firstBatch)
        if firstBatch < 6 {
            guard case .run(let second, _) = machine.workerNext(now: .microseconds(2), wasWaiting: true) else {
                Issue.record("expected a second batch")
                return
            }
            #expect(second.rows == 6 - firstBatch)
        }
        #expect(machine.queuedItems == 0)
    }
}
