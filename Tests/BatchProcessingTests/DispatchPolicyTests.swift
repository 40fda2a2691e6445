import Testing

@testable import BatchProcessing

/// The dispatch rules on their own, with hand-set times: what a free worker is told and how large a
/// batch it takes, under each rule.
@Suite struct DispatchPolicyTests {
    /// A policy with a 16-row cap, a 100 ms batch timeout and failures shrinking the adaptive target.
    static func policy(
        _ strategy: BatchProcessingStrategy = .fixed,
        adaptive: AdaptiveController.Settings? = nil,
        target: Int = 4,
        workers: Int = 1,
        minBatchSize: Int = 1,
        rowCap: Int = 16,
        rejectPredictedLate: Bool = false
    ) -> DispatchPolicy {
        let settings = DispatchPolicy.Settings(
            minBatchSize: minBatchSize, rowCap: rowCap, workers: workers, batchTimeout: .milliseconds(100),
            reduceOnFailure: true, rejectPredictedLate: rejectPredictedLate)
        return DispatchPolicy(strategy: strategy, adaptive: adaptive, settings: settings, initialTarget: target)
    }

    static func adaptiveSettings(workers: Int = 1, objective: Duration? = nil) -> AdaptiveController.Settings {
        var adaptive = AdaptiveController.Settings()
        adaptive.rowCap = 16
        adaptive.workers = workers
        adaptive.targetLatency = objective
        return adaptive
    }

    static let noneRunning: [(dispatchedAt: Duration, rows: Int)] = []

    @Test func theRuleFollowsTheStrategyAndTheAdaptiveSettings() {
        #expect(Self.policy(.fixed).rule == .fixed)
        #expect(Self.policy(.greedy).rule == .greedy)
        #expect(Self.policy(.fixed, adaptive: Self.adaptiveSettings()).rule == .adaptive)
        // Without controller settings the adaptive strategy sizes batches like the fixed one.
        #expect(Self.policy(.adaptive).rule == .fixed)
        #expect(Self.policy(.adaptive).controller == nil)
    }

    @Test func fixedWaitsForTheTargetOrTheBatchTimeout() {
        let policy = Self.policy(target: 4)
        let arrived = Duration.milliseconds(10)
        #expect(
            policy.decide(queuedRows: 3, oldestArrival: arrived, spareWorkers: 2, now: .milliseconds(20))
                == .wait(until: .milliseconds(110)))
        #expect(
            policy.decide(queuedRows: 4, oldestArrival: arrived, spareWorkers: 0, now: .milliseconds(20))
                == .dispatch(.full))
        #expect(
            policy.decide(queuedRows: 1, oldestArrival: arrived, spareWorkers: 0, now: .milliseconds(110))
                == .dispatch(.timeout))
        let limit = policy.batchLimit(
            for: .full, queuedRows: 40, idleWorkers: 0, running: Self.noneRunning, now: .zero)
        #expect(limit == 4)
        let drain = policy.batchLimit(
            for: .drain, queuedRows: 40, idleWorkers: 0, running: Self.noneRunning, now: .zero)
        #expect(drain == 16)
    }

    @Test func greedySendsAtOnceUpToTheRowCap() {
        let policy = Self.policy(.greedy, target: 4)
        #expect(policy.decide(queuedRows: 1, oldestArrival: .zero, spareWorkers: 0, now: .zero) == .dispatch(.greedy))
        let limit = policy.batchLimit(
            for: .greedy, queuedRows: 40, idleWorkers: 0, running: Self.noneRunning, now: .zero)
        #expect(limit == 16)
    }

    @Test func adaptiveSendsShortOfTheTargetOnlyWhileAnotherWorkerIsIdle() {
        let policy = Self.policy(adaptive: Self.adaptiveSettings(workers: 2), target: 4, workers: 2)
        #expect(
            policy.decide(queuedRows: 1, oldestArrival: .zero, spareWorkers: 1, now: .zero)
                == .dispatch(.idleWorker))
        #expect(
            policy.decide(queuedRows: 1, oldestArrival: .zero, spareWorkers: 0, now: .zero)
                == .wait(until: .milliseconds(100)))
    }

    /// Accelerator-like costs (5 ms a batch) and a 10 ms objective: the oldest item must leave by
    /// 8 ms − 5.02 ms after it arrived, well before the batch timeout.
    @Test func adaptiveSendsEarlyForTheLatencyObjective() throws {
        var policy = Self.policy(adaptive: Self.adaptiveSettings(objective: .milliseconds(10)), target: 4)
        AdaptiveControllerTests.teach(&policy.controller!, .accelerator, sizes: [1, 2, 4, 8])
        let service = try #require(policy.controller!.serviceTime(rows: 1))
        let latest = Duration.milliseconds(10) * 0.8 - .nanoseconds(Int64(service * 1e9))
        #expect(policy.decide(queuedRows: 1, oldestArrival: .zero, spareWorkers: 0, now: .zero) == .wait(until: latest))
        #expect(policy.decide(queuedRows: 1, oldestArrival: .zero, spareWorkers: 0, now: latest) == .dispatch(.latency))
    }

    @Test func settingTheTargetClampsItAndOverridesTheController() {
        var fixed = Self.policy(target: 4, minBatchSize: 2)
        fixed.setTarget(100)
        #expect(fixed.target == 16)
        fixed.setTarget(0)
        #expect(fixed.target == 2)
        var adaptive = Self.policy(adaptive: Self.adaptiveSettings(), target: 4)
        adaptive.setTarget(9)
        #expect(adaptive.target == 9)
        #expect(adaptive.controller?.target == 9)
        #expect(adaptive.controller?.reason == .manual)
    }

    @Test func onlyTheAdaptiveRuleReactsToBatchesAndMemoryPressure() {
        var fixed = Self.policy(target: 4)
        fixed.batchEnded(rows: 4, serviceTime: .milliseconds(5), succeeded: false, queuedRows: 0, now: .zero)
        fixed.itemArrived(queuedRows: 1, now: .milliseconds(1))
        fixed.setMemoryPressure(critical: true)
        #expect(fixed.target == 4)
        var adaptive = Self.policy(adaptive: Self.adaptiveSettings(), target: 8)
        AdaptiveControllerTests.teach(&adaptive.controller!, .accelerator, sizes: [1, 2, 4, 8, 16])
        adaptive.setMemoryPressure(critical: true)
        adaptive.batchEnded(rows: 8, serviceTime: .milliseconds(5), succeeded: true, queuedRows: 0, now: .zero)
        #expect(adaptive.controller?.reason == .memoryPressure)
        #expect(adaptive.target == adaptive.controller?.target)
    }

    @Test func predictedLateItemsAreRefusedOnlyWhenAsked() {
        var adaptive = Self.adaptiveSettings(objective: .milliseconds(8))
        adaptive.rowCap = 1
        var refusing = Self.policy(adaptive: adaptive, target: 1, rowCap: 1, rejectPredictedLate: true)
        AdaptiveControllerTests.teach(&refusing.controller!, .accelerator, sizes: [1])
        #expect(refusing.admissionError(rows: 1, queuedRows: 0) == nil)
        // Two rounds of one-row batches at 5.02 ms each: 10.04 ms, past the 8 ms objective.
        #expect(refusing.admissionError(rows: 1, queuedRows: 1)?.code == .overloaded)
        var accepting = Self.policy(adaptive: adaptive, target: 1, rowCap: 1)
        AdaptiveControllerTests.teach(&accepting.controller!, .accelerator, sizes: [1])
        #expect(accepting.admissionError(rows: 1, queuedRows: 1) == nil)
    }
}
