import Testing

@testable import BatchProcessing

/// The controller against synthetic cost models, with time driven by hand: a CPU-like
/// `t(n) = 50 µs + 2 µs·n` and an accelerator-like `t(n) = 5 ms + 20 µs·n`, whose fixed cost is large
/// against the gap between arrivals.
@Suite struct AdaptiveControllerTests {
    /// A cost model `t(n) = fixed + perRow·n`, in seconds.
    struct Cost {
        var fixed: Double
        var perRow: Double

        func time(_ rows: Int) -> Double { fixed + perRow * Double(rows) }

        static let cpu = Cost(fixed: 50e-6, perRow: 2e-6)
        static let accelerator = Cost(fixed: 5e-3, perRow: 20e-6)
    }

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
    /// batches around the current target. Returns the targets decided, one per millisecond.
    static func run(
        _ controller: inout AdaptiveController,
        rate: Double,
        from start: Int,
        milliseconds: Int,
        cost: Cost = .cpu,
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
            // Real batches vary around the target (clumps taken whole, idle workers); alternate to mimic that.
            let rows = step % 2 == 0 ? controller.target : controller.target + 1
            controller.recordBatch(rows: rows, serviceTime: .seconds(cost.time(rows)), succeeded: !failing)
            controller.decide(now: now, queuedRows: 0)
            targets.append(controller.target)
        }
        return targets
    }

    /// The rule written out on its own: the first queue length at which waiting for one more arrival
    /// costs the rows involved more than sending now.
    static func expectedTarget(rate: Double, workers: Int = 2, cap: Int = 256, cost: Cost = .cpu) -> Int {
        let gap = 1 / rate
        return (1..<cap).first { queued in
            let waiting = Double(queued) * (gap + cost.perRow) + cost.time(queued + 1)
            let sending = max(0, cost.time(queued) / Double(workers) - gap) + cost.time(1)
            return waiting >= sending
        } ?? cap
    }

    /// Teaches `controller` the cost of a spread of sizes, as varied real batches would.
    static func teach(_ controller: inout AdaptiveController, _ cost: Cost, sizes: [Int] = [1, 2, 4, 8, 16, 64, 200]) {
        for _ in 0..<3 {
            for rows in sizes {
                controller.recordBatch(rows: rows, serviceTime: .seconds(cost.time(rows)), succeeded: true)
            }
        }
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

    /// The expected targets span "never wait" to "wait for a dozen rows", so the comparison can fail.
    @Test(arguments: [
        (Cost.cpu, 2, 5_000.0), (Cost.cpu, 2, 100_000.0), (Cost.cpu, 2, 600_000.0), (Cost.accelerator, 1, 2_000.0),
        (Cost.accelerator, 1, 20_000.0), (Cost.accelerator, 2, 20_000.0),
    ])
    func convergesToWhereWaitingStopsPayingWithoutOscillating(cost: Cost, workers: Int, rate: Double) {
        var controller = Self.controller(workers: workers)
        Self.teach(&controller, cost)
        let targets = Self.run(&controller, rate: rate, from: 0, milliseconds: 2000, cost: cost)
        let settled = targets.suffix(500)
        let expected = Self.expectedTarget(rate: rate, workers: workers, cost: cost)
        #expect(abs(settled.last! - expected) <= max(1, expected / 10), "rate \(rate): \(settled.last!) vs \(expected)")
        #expect(settled.max()! - settled.min()! <= max(1, expected / 5), "rate \(rate) oscillates")
        #expect(controller.reason == (expected > 1 ? .waitPays : .sendNow))
        let fitted = controller.costModel!
        #expect(abs(fitted.fixed - cost.fixed) < cost.fixed * 0.01)
        #expect(abs(fitted.perRow - cost.perRow) < cost.perRow * 0.01)
    }

    @Test func theRuleItselfWaitsOnlyForALargeFixedCost() {
        #expect(Self.expectedTarget(rate: 5_000, cost: .cpu) == 1)
        #expect(Self.expectedTarget(rate: 2_000, workers: 1, cost: .accelerator) == 9)
        // A second worker frees up sooner, so the next arrival would wait less: less reason to wait.
        #expect(Self.expectedTarget(rate: 2_000, workers: 2, cost: .accelerator) < 9)
    }

    @Test func lowLoadSendsItemsAtOnce() {
        var controller = Self.controller(initial: 64)
        _ = Self.run(&controller, rate: 50, from: 0, milliseconds: 1000, cost: .accelerator)
        #expect(controller.target == 1)
        #expect(controller.reason == .sendNow)
    }

    @Test func overloadIsReportedAsSaturatedAndBatchesMayTakeTheCap() {
        var controller = Self.controller(cap: 128)
        _ = Self.run(&controller, rate: 5_000_000, from: 0, milliseconds: 1000)
        #expect(controller.reason == .saturated)
        #expect(controller.batchLimit == 128)
        #expect(controller.target < 128)
    }

    @Test func respectsEveryBoundUnderAnyLoad() {
        for cost in [Cost.cpu, .accelerator] {
            for rate in [0.0, 10, 1e4, 1e5, 1e6, 1e8] {
                var controller = Self.controller(min: 4, cap: 64)
                let targets = Self.run(&controller, rate: rate, from: 0, milliseconds: 300, cost: cost)
                #expect(targets.allSatisfy { (4...64).contains($0) }, "rate \(rate)")
                #expect((controller.target...64).contains(controller.batchLimit))
            }
        }
    }

    @Test func settlesWithinASecondAfterALoadStep() {
        var controller = Self.controller(workers: 1)
        let capacity = 256 / Cost.accelerator.time(256)  // items/s at the cap with one worker
        _ = Self.run(&controller, rate: 0.2 * capacity, from: 0, milliseconds: 1000, cost: .accelerator)
        let before = controller.target
        let after = Self.run(&controller, rate: 0.9 * capacity, from: 1000, milliseconds: 2000, cost: .accelerator)
        let final = after.last!
        #expect(final > before)
        #expect(abs(final - Self.expectedTarget(rate: 0.9 * capacity, workers: 1, cost: .accelerator)) <= 1)
        // From 1 s after the step on, the target stays within 10 % of where it ends.
        #expect(after[1000...].allSatisfy { abs($0 - final) <= max(1, final / 10) })
    }

    @Test func failuresShrinkAndRecoveryRestores() {
        var controller = Self.controller(workers: 1)
        _ = Self.run(&controller, rate: 2_000, from: 0, milliseconds: 500, cost: .accelerator)
        let healthy = controller.target
        #expect(healthy > 4)
        _ = Self.run(&controller, rate: 2_000, from: 500, milliseconds: 3, cost: .accelerator, failing: true)
        #expect(controller.target < healthy)
        #expect(controller.batchLimit < 256)
        #expect(controller.reason == .failureBackoff)
        _ = Self.run(&controller, rate: 2_000, from: 503, milliseconds: 500, cost: .accelerator)
        #expect(abs(controller.target - healthy) <= 1)
        #expect(controller.batchLimit == 256)
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

    /// Like mlp1024 with its first six rows computed one by one: small sizes cost 160 µs per row with no
    /// fixed cost, larger ones 600 µs + 60 µs per row. Waiting for a seventh row costs the six queued
    /// ones far more than it could save, at low load and near saturation alike (measured: greedy's p99
    /// was 0.5–0.7× that of a controller waiting for the keep-up size there).
    @Test(arguments: [2_700.0, 14_000.0])
    func aRowByRowPathWithoutFixedCostNeverWaits(rate: Double) {
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
        #expect(controller.target == 1, "rate \(rate)")
        #expect(controller.reason == .sendNow)
    }

    @Test func unmeasuredSmallSizesAreInterpolated() throws {
        var controller = Self.controller()
        controller.recordBatch(rows: 2, serviceTime: .microseconds(100), succeeded: true)
        controller.recordBatch(rows: 10, serviceTime: .microseconds(500), succeeded: true)
        #expect(abs(try #require(controller.serviceTime(rows: 6)) - 300e-6) < 1e-9)
        // Below the smallest measured size: scaled at that size's cost per row.
        #expect(abs(try #require(controller.serviceTime(rows: 1)) - 50e-6) < 1e-9)
    }

    @Test func smallSizesAboveEveryMeasuredOneAreEstimatedAtTheCheapestRate() throws {
        var controller = Self.controller()
        // A small-batch kernel cheapest per row at 12 rows (50 µs a row), GEMM dearer above it.
        controller.recordBatch(rows: 4, serviceTime: .microseconds(280), succeeded: true)
        controller.recordBatch(rows: 12, serviceTime: .microseconds(600), succeeded: true)
        for rows in [20, 30, 40, 24, 36] {
            controller.recordBatch(rows: rows, serviceTime: .microseconds(80 * Int64(rows)), succeeded: true)
        }
        // 16 rows, never measured: at 12 rows' 50 µs a row, not the GEMM line's 80.
        #expect(abs(try #require(controller.serviceTime(rows: 16)) - 800e-6) < 1e-9)
        // So a backlog of 30 rows is tried at 16, which then gets measured.
        #expect(controller.efficientSize(atMost: 30, atLeast: 1) == 16)
        controller.recordBatch(rows: 16, serviceTime: .microseconds(1_500), succeeded: true)
        // Measured dearer than 12 rows per row: the backlog goes out at 12 from then on.
        #expect(controller.efficientSize(atMost: 30, atLeast: 1) == 12)
    }

    @Test func aBacklogGoesOutAtTheSmallestSizeAsCheapPerRow() {
        var controller = Self.controller()
        // 100 µs + 37.5 µs a row below 8 rows, 50 µs a row from 8 rows up: flat from 8.
        func cost(_ rows: Int) -> Duration { .nanoseconds(Int64(max(100_000 + 37_500 * rows, 50_000 * rows))) }
        for _ in 0..<3 {
            for rows in Array(1...16) + [20, 30, 40, 64] {
                controller.recordBatch(rows: rows, serviceTime: cost(rows), succeeded: true)
            }
        }
        // 40 rows cost no less per row than 8, and 8 are answered after 400 µs rather than 2 ms.
        #expect(controller.efficientSize(atMost: 40, atLeast: 1) == 8)
        #expect(controller.efficientSize(atMost: 6, atLeast: 1) == 6)
        // The target bounds it from below.
        #expect(controller.efficientSize(atMost: 40, atLeast: 12) == 12)
    }

    /// Teaches `controller` small sizes of 8–15 rows at `small` µs a row and 16 rows at `small16`, and
    /// batches of 32–64 rows on a line of 100 µs plus `large` µs a row.
    private static func teachBacklogCosts(
        _ controller: inout AdaptiveController, small: Double, small16: Double, large: Double
    ) {
        for _ in 0..<5 {
            for rows in 8...15 {
                let time = Double(rows) * 1_000 * small
                controller.recordBatch(rows: rows, serviceTime: .nanoseconds(Int64(time)), succeeded: true)
            }
            controller.recordBatch(rows: 16, serviceTime: .nanoseconds(Int64(16_000 * small16)), succeeded: true)
            for rows in [32, 48, 64] {
                let time = 100_000 + Double(rows) * 1_000 * large
                controller.recordBatch(rows: rows, serviceTime: .nanoseconds(Int64(time)), succeeded: true)
            }
        }
    }

    @Test func aBacklogTakesTheCheapestSmallSizeNotOneALittleDearer() {
        var controller = Self.controller()
        // 8–15 rows cost 0.8 % more per row than 16, and the line above costs more than either.
        Self.teachBacklogCosts(&controller, small: 50.4, small16: 50, large: 52)
        // Near saturation the workers' spare capacity is a few per cent: 0.8 % of it is worth keeping.
        #expect(controller.efficientSize(atMost: 40, atLeast: 1) == 16)
    }

    @Test func aLargerBatchIsTakenOnlyWhenClearlyCheaperPerRow() {
        var flat = Self.controller()
        // 64 rows cost 100 µs + 48.5 µs a row: 50.06 µs a row, 1 % below 16 rows' 50.6.
        Self.teachBacklogCosts(&flat, small: 52, small16: 50.6, large: 48.5)
        #expect(flat.efficientSize(atMost: 64, atLeast: 1) == 16)
        var steep = Self.controller()
        // 64 rows at 100 µs + 40 µs a row: 41.6 µs a row, 18 % below 16 rows' 50.6.
        Self.teachBacklogCosts(&steep, small: 52, small16: 50.6, large: 40)
        #expect(steep.efficientSize(atMost: 64, atLeast: 1) == 64)
    }

    @Test func preemptedBatchesDoNotInflateTheEstimate() throws {
        var controller = Self.controller()
        // Every tenth 4-row batch is preempted for a 4 ms time slice; the others take 100 µs.
        for index in 0..<500 {
            let time: Duration = index % 10 == 9 ? .milliseconds(4) : .microseconds(100)
            controller.recordBatch(rows: 4, serviceTime: time, succeeded: true)
        }
        let estimate = try #require(controller.serviceTime(rows: 4))
        // A plain mean would sit near 490 µs, and samples clipped at twice the estimate near 110 µs:
        // enough to tip a split or a trim between sizes a few per cent apart.
        #expect(estimate < 106e-6, "\(estimate)")
    }

    @Test func aStalledFirstSampleDoesNotLockASizeOut() throws {
        var controller = Self.controller()
        for rows in [8, 16] {
            controller.recordBatch(rows: rows, serviceTime: .microseconds(50 * Int64(rows)), succeeded: true)
        }
        // 12 rows' first batch meets a 3 ms stall. Priced at that, 12 would never be chosen again and so
        // never measured again; clipped against its neighbours, it stays cheap enough to be tried.
        controller.recordBatch(rows: 12, serviceTime: .milliseconds(3), succeeded: true)
        let estimate = try #require(controller.serviceTime(rows: 12))
        #expect(estimate <= 1.25 * 600e-6 + 1e-9, "\(estimate)")
    }

    @Test func aLastingRiseInCostGetsThroughTheClip() throws {
        var controller = Self.controller()
        for _ in 0..<50 { controller.recordBatch(rows: 4, serviceTime: .microseconds(100), succeeded: true) }
        // The machine gets slower for good: every 4-row batch now takes twice as long.
        for _ in 0..<50 { controller.recordBatch(rows: 4, serviceTime: .microseconds(200), succeeded: true) }
        let estimate = try #require(controller.serviceTime(rows: 4))
        #expect(estimate > 190e-6, "\(estimate)")
    }

    @Test func nearSaturationTheTargetStaysSteady() {
        var controller = Self.controller()
        Self.teach(&controller, .cpu)
        let capacity = 2 / (Cost.cpu.fixed / 256 + Cost.cpu.perRow)
        let targets = Self.run(&controller, rate: 0.95 * capacity, from: 0, milliseconds: 2000)
        let settled = targets.suffix(500)
        #expect(settled.max()! < 256)
        #expect(settled.max()! - settled.min()! <= max(1, settled.last! / 5))
    }

    @Test func memoryPressureScalesTheTargetDown() {
        var controller = Self.controller(workers: 1)
        _ = Self.run(&controller, rate: 2_000, from: 0, milliseconds: 500, cost: .accelerator)
        let healthy = controller.target
        #expect(healthy > 4)
        controller.setMemoryScale(0.5)
        controller.decide(now: .milliseconds(501), queuedRows: 0)
        #expect(controller.target == healthy / 2)
        #expect(controller.batchLimit == 128)
        #expect(controller.reason == .memoryPressure)
    }

    @Test func backlogDrainsInLargerBatches() {
        var controller = Self.controller(workers: 1)
        _ = Self.run(&controller, rate: 2_000, from: 0, milliseconds: 500, cost: .accelerator)
        let normal = controller.target
        #expect(normal < 256)
        controller.decide(now: .milliseconds(501), queuedRows: 400)
        // The target (what a batch waits for) holds; the batch that takes the backlog may hold the cap.
        #expect(controller.target == normal)
        #expect(controller.batchLimit == 256)
        #expect(controller.reason == .backlog)
    }

    @Test func latencyObjectiveCapsTheTarget() {
        var controller = Self.controller(workers: 1, objective: .milliseconds(8))
        _ = Self.run(&controller, rate: 2_000, from: 0, milliseconds: 500, cost: .accelerator)
        // Waiting pays up to 9 rows, but filling n items at 2 k/s and running them must fit 8 ms:
        // n/2000 + 5 ms + 20 µs·n ≤ 8 ms, so n ≤ 5.
        let bound = Int((8e-3 - Cost.accelerator.fixed) / (1 / 2_000 + Cost.accelerator.perRow))
        #expect(Self.expectedTarget(rate: 2_000, workers: 1, cost: .accelerator) > bound)
        #expect(controller.target <= bound)
        #expect(controller.batchLimit <= bound)
        #expect(controller.reason == .latencyObjective)
    }

    /// An adaptive scheduler with a 64-row cap, `workers` workers and an initial target of `initial`.
    static func adaptiveMachine(
        workers: Int = 1,
        initial: Int,
        objective: Duration? = nil,
        rejectPredictedLate: Bool = false
    ) -> SchedulerStateMachine {
        var settings = SchedulerStateMachine.Settings()
        settings.rowCap = 64
        settings.workers = workers
        settings.rejectPredictedLate = rejectPredictedLate
        var adaptive = AdaptiveController.Settings()
        adaptive.rowCap = 64
        adaptive.workers = workers
        adaptive.targetLatency = objective
        settings.adaptive = adaptive
        return SchedulerStateMachine(settings: settings, initialBatchSize: initial)
    }

    @Test func schedulerSendsAtOnceAtLowLoadWhenAdaptive() {
        var machine = Self.adaptiveMachine(initial: 32)
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
        var machine = Self.adaptiveMachine(initial: 8)
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

    /// Six items arrive while both workers are idle: rows costing 100 µs each (and 10 µs a batch) are
    /// shared three and three; rows costing 1 µs go out as one batch, since waking a second worker costs
    /// more than that.
    @Test(arguments: [(100e-6, 3), (1e-6, 6)])
    func adaptiveSharesALongQueueWithIdleWorkers(perRow: Double, firstBatch: Int) throws {
        var machine = Self.adaptiveMachine(workers: 2, initial: 1)
        Self.teach(&machine.controller!, Cost(fixed: 10e-6, perRow: perRow), sizes: [2, 4, 8])
        _ = machine.workerNext(now: .zero, wasWaiting: false)
        _ = machine.workerNext(now: .zero, wasWaiting: false)
        for index in 0..<6 {
            _ = machine.submit("item\(index)", priority: .normal, rows: 1, now: .microseconds(1))
        }
        let first = try #require(SchedulerStateMachineTests.take(&machine, at: .microseconds(2)))
        #expect(first.rows == firstBatch)
        if firstBatch < 6 {
            let second = try #require(SchedulerStateMachineTests.take(&machine, at: .microseconds(2)))
            #expect(second.rows == 6 - firstBatch)
        }
        #expect(machine.queuedItems == 0)
    }

    /// Twenty rows queue while one of two workers computes. Rows costing 100 µs each (and 10 µs a
    /// batch), beside a one-row batch that ends in 105 µs: the free worker takes eleven and leaves nine
    /// for the busy one, and both end about 1.1 ms from now instead of 2. Beside a 30-row batch (3 ms)
    /// it takes all twenty, since waiting for that worker would end later; rows costing 1 µs go out as
    /// one batch.
    @Test(arguments: [(100e-6, 1, 11), (100e-6, 30, 20), (1e-6, 1, 20)])
    func adaptiveSplitsABacklogWithABusyWorkerThatComesFreeSoon(
        perRow: Double,
        busyRows: Int,
        firstBatch: Int
    ) throws {
        var machine = Self.adaptiveMachine(workers: 2, initial: 1)
        Self.teach(&machine.controller!, Cost(fixed: 10e-6, perRow: perRow), sizes: [2, 4, 8])
        _ = machine.submit("running", priority: .normal, rows: busyRows, now: .zero)
        let running = try #require(SchedulerStateMachineTests.take(&machine, at: .zero, wasWaiting: false))
        #expect(running.rows == busyRows)
        for index in 0..<20 {
            _ = machine.submit("item\(index)", priority: .normal, rows: 1, now: .microseconds(1))
        }
        let first = try #require(SchedulerStateMachineTests.take(&machine, at: .microseconds(2), wasWaiting: false))
        #expect(first.rows == firstBatch)
        #expect(machine.queuedItems == 20 - firstBatch)
    }

    /// A two-worker adaptive machine that has seen accelerator-like costs and 200 ms of arrivals at
    /// 2 k items/s (one every 500 µs).
    static func acceleratorMachine() -> SchedulerStateMachine {
        var machine = Self.adaptiveMachine(workers: 2, initial: 1)
        Self.teach(&machine.controller!, .accelerator, sizes: [1, 2, 3, 4, 5, 8, 16, 32, 64])
        for step in 0..<400 {
            machine.controller!.recordArrival()
            machine.controller!.decide(now: .microseconds(500 * step), queuedRows: 0)
        }
        return machine
    }

    /// Accelerator-like costs at 2 k items/s with two workers: waiting pays up to four rows. A lone item
    /// goes to an idle worker at once while the other is idle too; with the other worker busy, the free
    /// one waits for the target.
    @Test func aFreeWorkerWaitsOnlyWhileNoOtherIsIdle() {
        var machine = Self.acceleratorMachine()
        let expected = Self.expectedTarget(rate: 2_000, workers: 2, cap: 64, cost: .accelerator)
        #expect(expected == 4)
        #expect(machine.controller!.target == expected)
        let start = Duration.milliseconds(200)
        for _ in 0..<2 {
            guard case .wait = machine.workerNext(now: start, wasWaiting: false) else {
                Issue.record("nothing is queued yet")
                return
            }
        }
        func submit(_ name: String, at now: Duration) -> Int {
            guard case .accepted(let actions) = machine.submit(name, priority: .normal, rows: 1, now: now) else {
                Issue.record("not accepted")
                return -1
            }
            return actions.wakeWorkers
        }
        #expect(submit("a", at: start + .microseconds(500)) == 1)
        guard case .run(let first, _) = machine.workerNext(now: start + .microseconds(500), wasWaiting: true) else {
            Issue.record("expected a batch")
            return
        }
        #expect(first.rows == 1)
        #expect(first.reason == .idleWorker)
        #expect(machine.targetBatchSize == expected)
        // The first worker is busy now: the second waits for the target.
        for index in 1..<expected { #expect(submit("b\(index)", at: start + .microseconds(500 + 500 * index)) == 0) }
        #expect(submit("last", at: start + .microseconds(500 + 500 * expected)) == 1)
        guard case .run(let second, _) = machine.workerNext(now: start + .milliseconds(3), wasWaiting: true) else {
            Issue.record("expected a second batch")
            return
        }
        #expect(second.rows == expected)
        #expect(second.reason == .full)
    }
    /// A worker finishing a batch takes what queued meanwhile itself, even when the batch's outcome
    /// lowers the target below the queue; the idle worker is woken only for what it leaves.
    @Test func aFinishingWorkerTakesTheQueueWithoutWakingAnother() {
        var machine = Self.acceleratorMachine()
        let start = Duration.milliseconds(200)
        for _ in 0..<2 {
            guard case .wait = machine.workerNext(now: start, wasWaiting: false) else {
                Issue.record("nothing is queued yet")
                return
            }
        }
        _ = machine.submit("first", priority: .normal, rows: 1, now: start)
        guard case .run(let first, _) = machine.workerNext(now: start, wasWaiting: true) else {
            Issue.record("expected a batch")
            return
        }
        // One worker busy, one idle: three rows wait for the target of four.
        for index in 1...3 {
            guard
                case .accepted(let actions) = machine.submit(
                    "more\(index)", priority: .normal, rows: 1, now: start + .microseconds(500 * index))
            else {
                Issue.record("not accepted")
                return
            }
            #expect(actions.wakeWorkers == 0)
        }
        #expect(machine.targetBatchSize == 4)
        // The batch failed: the failure backoff halves the target to two, below the three queued.
        let completion = machine.batchCompleted(
            id: first.id, now: start + .milliseconds(2), rows: 1, items: 0, serviceTime: .milliseconds(5),
            succeeded: false)
        #expect(machine.targetBatchSize < 3)
        #expect(completion.wakeWorkers == 0)
        guard case .run(let next, let actions) = machine.workerNext(now: start + .milliseconds(2), wasWaiting: false)
        else {
            Issue.record("the finishing worker should take the queue")
            return
        }
        // Two of the three would be its share, but the idle worker would then wait for a second row:
        // it takes all three, and nobody is woken.
        #expect(next.rows == 3)
        #expect(actions.wakeWorkers == 0)
    }
    /// With an 8 ms objective and accelerator-like costs on one busy worker, a lone item is predicted at
    /// 5 ms and accepted; the queue drains 64 rows a batch at 6.3 ms, so the 65th queued item would need
    /// two rounds (12.6 ms) and is refused with `overloaded`.
    @Test func itemsPredictedToMissTheObjectiveAreRefused() {
        var machine = Self.adaptiveMachine(initial: 1, objective: .milliseconds(8), rejectPredictedLate: true)
        Self.teach(&machine.controller!, .accelerator, sizes: [1, 2, 4, 8, 16, 32, 64])
        // No worker has asked for work, so everything queues.
        for index in 0..<64 {
            guard case .accepted = machine.submit("item\(index)", priority: .normal, rows: 1, now: .zero) else {
                Issue.record("item \(index) was refused")
                return
            }
        }
        guard case .rejected(let error) = machine.submit("late", priority: .normal, rows: 1, now: .zero) else {
            Issue.record("the 65th item was accepted")
            return
        }
        #expect(error.code == .overloaded)
        // Two rounds of 64-row batches: 2 × (5 ms + 64 × 20 µs) = 12.56 ms.
        #expect(error.message.contains("predicted latency 0.01256"), "\(error.message)")
        #expect(machine.queuedItems == 64)
    }
}
