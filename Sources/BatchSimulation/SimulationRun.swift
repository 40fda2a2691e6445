import BatchProcessing

/// The state of one simulated run: the real scheduler state machine, the threads around it played as
/// events on a virtual clock, and what is measured.
///
/// Each handler does what the thread it stands for does in `SchedulerStorage`, calling the machine in the
/// same order:
/// - a **worker** asks `workerNext`; told to wait, it joins the idle workers (signalling the timer first
///   if asked); given a batch, it performs the batch's wake-ups, spends ``SchedulingCosts/perBatch``,
///   computes for the table's `t(rows)` with noise (the items' results are set at its end, which is
///   when their latency ends), spends ``SchedulingCosts/perItem`` per item completing them (plus
///   ``SchedulingCosts/closedLoopPerItem`` with closed-loop callers unless they run on shared cores),
///   each caller resuming when its item's turn in that comes, reports
///   `batchCompleted` with the computing time as the service time, and asks again; it holds a core from
///   taking the batch to asking again;
/// - a **closed-loop caller** on shared cores (``SimulationConfiguration/sharedCores``), once resumed, runs on one
///   of the cooperative pool's threads (one per core; first come, first served), spends that CPU and
///   submits. Callers share the cores with the workers and take precedence, as a woken thread does over
///   one that has computed for a while: the busy workers progress at the speed of the cores no caller
///   holds, shared equally. So a worker computes more slowly while its callers resubmit, and the items
///   a greedy worker finds are those whose callers ran in the meantime;
/// - a **signal** wakes the longest-idle worker ``SchedulingCosts/workerWake`` later (a signal with no
///   idle worker is lost, as a condition variable's is); signalling the sleeping timer wakes it as soon;
/// - the **timer** asks `nextDeadline`, fires while something is due, then sleeps towards what
///   `timerWillSleep` returns and wakes ``SchedulingCosts/timerWake`` after it;
/// - the **open loop's generator** sleeps at least ``SchedulingCosts/submitQuantum`` between wake-ups and
///   then submits every arrival that fell due, as `batchkit-bench`'s does; latency counts from the schedule.
struct SimulationRun {
    private enum WorkerState {
        case idle
        case waking
        case busy
    }

    private struct Running {
        var id: UInt64
        var rows: Int
        var items: Int
        var service: Duration
    }

    /// A busy worker's progress on shared cores: the batch, the step it is on (0: computing; `i`: has
    /// answered `i − 1` items), the work left in that step at full speed, and the token of its event.
    private struct Progress {
        var batch: Running
        var items: [UInt64]
        var computeStart: Int64
        var step: Int
        var remaining: Double
        var token: UInt64
    }

    private let configuration: SimulationConfiguration
    private let table: CostTable
    private var core: SchedulerSimulationCore
    private var queue = EventQueue()
    private var now: Int64 = 0

    // Items, by number.
    private var scheduled: [Int64] = []
    private var callerOf: [Int32] = []

    // Threads.
    private var workers: [WorkerState]
    private var idle: [Int] = []
    private var running: [Running?]
    /// Shared cores (closed-loop callers with a CPU cost only): workers holding one, callers running on
    /// one, and callers waiting for one in order.
    private let sharedCores: Int?
    private var busyWorkers = 0
    private var runningCallers = 0
    private var readyCallers: [Int] = []
    private var readyHead = 0
    private let callerCPU: Int64
    private let preemptAfter: Int64
    /// When a pool thread waiting for a core takes a worker's, and the token of that event.
    private var preemptDue: Int64?
    private var preemptToken: UInt64 = 0
    private var progress: [Progress?]
    /// The speed of each busy worker (1: a core of its own), and when the progress was last brought up
    /// to date.
    private var speed = 1.0
    private var progressedAt: Int64 = 0
    private var progressToken: UInt64 = 0
    private var timerToken: UInt64 = 0
    private var timerAsleep = false
    private var timerWakeAt: Int64?
    private var generatorTime: Int64 = 0
    private var arrivals: ArrivalGenerator?

    // Randomness apart from arrivals (each stream its own, so settings share arrival times).
    private var noiseRandom: SimulationRandom
    /// Each worker's stalls: its own stream, and the next stall (nanoseconds, length) not yet met.
    private var stallRandom: [SimulationRandom]
    private var nextStall: [(at: Int64, length: Int64)]

    // Costs in nanoseconds.
    private let perBatch: Int64
    private let perItem: Int64
    private let workerWake: Int64
    private let timerWake: Int64
    private let quantum: Int64
    private let generatorWake: Int64
    private let resume: Int64
    private let think: Int64

    // Measurement.
    private let measureFrom: Int64
    private let measureTo: Int64
    private let endTime: Int64
    private var latencies: [Double] = []
    private var completedInWindow = 0
    private var completedMeasured = 0
    private var errors = 0
    private var cutOff = 0
    private var batches = 0
    private var rows = 0
    private var reasons: [DispatchReason: Int] = [:]
    private var trace: [TargetSample] = []
    private var events = 0

    init(_ configuration: SimulationConfiguration) {
        self.configuration = configuration
        table = configuration.table
        let setting = configuration.setting
        core = SchedulerSimulationCore(
            configuration: setting.configuration(
                rowCap: table.rowCap, workers: configuration.workers, batchTimeout: configuration.batchTimeout,
                queueCapacity: configuration.queueCapacity),
            rowCap: setting.rowCap(table.rowCap))
        workers = Array(repeating: .busy, count: configuration.workers)
        running = Array(repeating: nil, count: configuration.workers)
        progress = Array(repeating: nil, count: configuration.workers)
        noiseRandom = SimulationRandom(seed: configuration.seed, stream: 2)
        stallRandom = (0..<configuration.workers).map {
            SimulationRandom(seed: configuration.seed, stream: 10 + UInt64($0))
        }
        nextStall = Array(repeating: (0, 0), count: configuration.workers)
        let costs = table.scheduling
        perBatch = Self.nanoseconds(costs.perBatch)
        if case .closed = configuration.workload, configuration.sharedCores, let cpu = costs.callerCPU {
            sharedCores = max(configuration.cores, 1)
            callerCPU = Self.nanoseconds(cpu)
            preemptAfter = Self.nanoseconds(costs.callerPreemptAfter ?? 0)
            perItem = Self.nanoseconds(costs.perItem)
        } else if case .closed = configuration.workload {
            sharedCores = nil
            callerCPU = 0
            preemptAfter = 0
            perItem = Self.nanoseconds(costs.perItem + (costs.closedLoopPerItem ?? 0))
        } else {
            sharedCores = nil
            callerCPU = 0
            preemptAfter = 0
            perItem = Self.nanoseconds(costs.perItem)
        }
        workerWake = Self.nanoseconds(costs.workerWake)
        timerWake = Self.nanoseconds(costs.timerWake)
        quantum = Self.nanoseconds(costs.submitQuantum)
        generatorWake = Self.nanoseconds(costs.generatorWake)
        resume = Self.nanoseconds(costs.callerResume)
        measureFrom = Self.nanoseconds(configuration.warmup)
        measureTo = Self.nanoseconds(configuration.warmup + configuration.duration)
        endTime = measureTo + Self.nanoseconds(configuration.grace)
        if case .closed(_, let thinkSeconds) = configuration.workload {
            think = Self.nanoseconds(thinkSeconds)
        } else {
            think = 0
        }
        for worker in 0..<configuration.workers { drawStall(worker, after: 0) }
    }

    static func nanoseconds(_ seconds: Double) -> Int64 { Int64((seconds * 1e9).rounded()) }

    private var clock: Duration { .nanoseconds(now) }

    // MARK: Running

    mutating func run() -> SimulationResult {
        // As SchedulerStorage.startThreads: the workers first, then the timer.
        for worker in workers.indices { ask(worker, wasWaiting: false) }
        timerLoop()
        switch configuration.workload {
        case .open(let process):
            arrivals = ArrivalGenerator(process, random: SimulationRandom(seed: configuration.seed, stream: 1))
            scheduleNextArrival()
        case .closed(let callers, _):
            for caller in 0..<callers { resumeCaller(caller, at: 0) }
        }
        if configuration.traceEvery != nil { queue.schedule(.sample, at: measureFrom) }
        while let event = queue.pop(), event.time <= endTime {
            now = event.time
            events += 1
            switch event.kind {
            case .arrival(let scheduled):
                submit(scheduled: scheduled, caller: -1)
                scheduleNextArrival()
            case .callerSubmit(let caller):
                guard sharedCores != nil else {
                    submit(scheduled: now, caller: Int32(caller))
                    continue
                }
                advanceProgress()
                submit(scheduled: now, caller: Int32(caller))
                // The pool thread keeps its core for the next runnable caller, if there is one.
                if readyHead < readyCallers.count { runCaller() } else { runningCallers -= 1 }
                startCallers()
                rescheduleProgress()
            case .callerPreempts(let token):
                guard token == preemptToken, preemptDue != nil else { continue }
                advanceProgress()
                preemptDue = nil
                startCallers(preempting: true)
                rescheduleProgress()
            case .callerReady(let caller):
                advanceProgress()
                readyCallers.append(caller)
                startCallers()
                rescheduleProgress()
            case .workerStep(let worker, let token):
                guard progress[worker]?.token == token else { continue }
                advanceProgress()
                step(worker)
                rescheduleProgress()
            case .workerWake(let worker):
                advanceProgress()
                ask(worker, wasWaiting: true)
                rescheduleProgress()
            case .batchDone(let worker):
                finish(worker)
            case .timerWake(let token):
                guard token == timerToken, timerAsleep else { continue }
                timerAsleep = false
                timerWakeAt = nil
                core.timerDidWake()
                timerLoop()
            case .sample:
                sample()
            }
        }
        latencies.sort()
        let window = configuration.duration
        var measured = 0
        for time in scheduled where isMeasured(time) { measured += 1 }
        return SimulationResult(
            setting: configuration.setting, offeredPerSecond: Double(measured) / window,
            achievedPerSecond: Double(completedInWindow) / window, completed: completedMeasured, errors: errors,
            cutOff: cutOff, latencies: latencies, batches: batches, rows: rows, batchesByReason: reasons,
            trace: trace, controller: core.controller, events: events)
    }

    // MARK: Producers

    private mutating func scheduleNextArrival() {
        guard var generator = arrivals else { return }
        let next = generator.next()
        arrivals = generator
        guard next.isFinite else { return }
        let time = Self.nanoseconds(next)
        // The arrivals end with the measured window, as the benchmark's open loop does.
        guard time < measureTo else { return }
        if time > generatorTime { generatorTime += max(time - generatorTime, quantum) + generatorWake }
        queue.schedule(.arrival(scheduled: time), at: max(time, generatorTime))
    }

    private func isMeasured(_ time: Int64) -> Bool { time >= measureFrom && time < measureTo }

    private mutating func submit(scheduled time: Int64, caller: Int32) {
        let item = UInt64(scheduled.count)
        scheduled.append(time)
        callerOf.append(caller)
        switch core.submit(item: item, rows: 1, now: clock) {
        case .accepted(let effects):
            perform(effects)
        case .full, .rejected:
            fail(item)
        }
    }

    private mutating func fail(_ item: UInt64) {
        let index = Int(item)
        if isMeasured(scheduled[index]) {
            errors += 1
            // Never answered: it counts in the percentiles as an infinite latency.
            latencies.append(.infinity)
        }
        let caller = callerOf[index]
        if caller >= 0 { resumeCaller(Int(caller), at: now + resume + think) }
    }

    /// Item `item`'s result set at `end` (its latency ends there); its caller, if closed-loop, resumed
    /// from `answered` on (`nil`: later, by ``answer(_:)``).
    private mutating func complete(_ item: UInt64, at end: Int64, answered: Int64?) {
        let index = Int(item)
        let time = scheduled[index]
        if isMeasured(time) {
            if end > endTime {
                cutOff += 1
                latencies.append(Double(endTime - time) * 1e-9)
            } else {
                completedMeasured += 1
                latencies.append(Double(end - time) * 1e-9)
            }
        }
        if end >= measureFrom && end < measureTo { completedInWindow += 1 }
        if let answered { answer(item, at: answered) }
    }

    /// Item `item`'s caller, if closed-loop, told of its result at `answered`.
    private mutating func answer(_ item: UInt64, at answered: Int64) {
        let caller = callerOf[Int(item)]
        if caller >= 0 { resumeCaller(Int(caller), at: answered + resume + think) }
    }

    /// Caller `caller` resumes at `time`: it submits then, or with shared cores first waits for a core.
    private mutating func resumeCaller(_ caller: Int, at time: Int64) {
        queue.schedule(sharedCores == nil ? .callerSubmit(caller: caller) : .callerReady(caller: caller), at: time)
    }

    /// Starts runnable callers on the pool's idle threads (call between ``advanceProgress()`` and
    /// ``rescheduleProgress()``: it changes the workers' speed): at once on a core no busy worker or
    /// running caller holds, otherwise one thread takes a worker's core once it has waited
    /// ``SchedulingCosts/callerPreemptAfter`` (or now, when `preempting`).
    private mutating func startCallers(preempting: Bool = false) {
        guard let cores = sharedCores else { return }
        var preempting = preempting || preemptAfter == 0
        while readyHead < readyCallers.count, runningCallers < cores {
            guard busyWorkers + runningCallers < cores || preempting else {
                if preemptDue == nil {
                    preemptToken += 1
                    preemptDue = now + preemptAfter
                    queue.schedule(.callerPreempts(token: preemptToken), at: now + preemptAfter)
                }
                return
            }
            preempting = preemptAfter == 0
            runningCallers += 1
            runCaller()
        }
        preemptDue = nil
    }

    /// The next runnable caller runs on a pool thread that holds a core.
    private mutating func runCaller() {
        let caller = readyCallers[readyHead]
        readyHead += 1
        queue.schedule(.callerSubmit(caller: caller), at: now + callerCPU)
        if readyHead > 4096, readyHead * 2 > readyCallers.count {
            readyCallers.removeFirst(readyHead)
            readyHead = 0
        }
    }

    // MARK: Threads

    private mutating func perform(_ effects: SchedulerSimulationCore.Effects) {
        for _ in 0..<effects.wakeWorkers { signalWorker() }
        if effects.wakeAllWorkers { while !idle.isEmpty { signalWorker() } }
        if effects.wakeTimer { signalTimer() }
        for item in effects.failed { fail(item) }
    }

    private mutating func signalWorker() {
        guard !idle.isEmpty else { return }
        let worker = idle.removeFirst()
        workers[worker] = .waking
        queue.schedule(.workerWake(worker: worker), at: now + workerWake)
    }

    private mutating func signalTimer() {
        guard timerAsleep else { return }
        let wake = now + workerWake
        if let pending = timerWakeAt, pending <= wake { return }
        timerToken += 1
        timerWakeAt = wake
        queue.schedule(.timerWake(token: timerToken), at: wake)
    }

    private mutating func timerLoop() {
        for _ in 0..<10_000 {
            let next = core.nextDeadline(now: clock)
            if let next, next <= clock {
                perform(core.timerFired(now: clock))
                continue
            }
            timerAsleep = true
            timerToken += 1
            if let wake = core.timerWillSleep(until: next, now: clock) {
                let at = max(Self.nanoseconds(wake.inSeconds) + timerWake, now)
                timerWakeAt = at
                queue.schedule(.timerWake(token: timerToken), at: at)
            } else {
                timerWakeAt = nil
            }
            return
        }
        preconditionFailure("the timer fired 10 000 times at one instant")
    }

    private mutating func ask(_ worker: Int, wasWaiting: Bool) {
        switch core.workerNext(now: clock, wasWaiting: wasWaiting) {
        case .exit:
            workers[worker] = .busy
        case .wait(let wakeTimer):
            workers[worker] = .idle
            idle.append(worker)
            if wakeTimer { signalTimer() }
        case .run(let batch, let effects):
            workers[worker] = .busy
            perform(effects)
            let median = table.kernelTime(rows: batch.rows)
            let kernel = configuration.noise ? table.noise.jittered(median: median, using: &noiseRandom) : median
            if isMeasured(now) {
                batches += 1
                rows += batch.rows
                reasons[batch.reason, default: 0] += 1
            }
            if sharedCores != nil {
                busyWorkers += 1
                // On shared cores the batch is played step by step at the speed the callers leave it.
                let end = stretch(worker, from: now, to: now + perBatch + Self.nanoseconds(kernel))
                progressToken += 1
                progress[worker] = Progress(
                    batch: Running(id: batch.id, rows: batch.rows, items: batch.items.count, service: .zero),
                    items: batch.items, computeStart: now, step: 0, remaining: Double(end - now), token: progressToken)
                return
            }
            let start = stretch(worker, from: now, to: now + perBatch)
            let end = stretch(worker, from: start, to: start + Self.nanoseconds(kernel))
            // The worker answers the items one after another, so closed-loop callers come back spread
            // over the batch's per-item time, not all at one instant (which would hand the whole next
            // round to whichever worker woke first).
            for (index, item) in batch.items.enumerated() {
                complete(item, at: end, answered: end + perItem * Int64(index + 1))
            }
            running[worker] = Running(
                id: batch.id, rows: batch.rows, items: batch.items.count, service: .nanoseconds(end - start))
            let after = perItem * Int64(batch.items.count)
            queue.schedule(.batchDone(worker: worker), at: stretch(worker, from: end, to: end + after))
        }
    }

    private mutating func drawStall(_ worker: Int, after time: Int64) {
        guard configuration.noise else {
            nextStall[worker] = (.max, 0)
            return
        }
        let (at, length) = table.noise.nextStall(after: Double(time) * 1e-9, using: &stallRandom[worker])
        nextStall[worker] = at.isFinite ? (Self.nanoseconds(at), Self.nanoseconds(length)) : (.max, 0)
    }

    /// When work from `start` to `end` on `worker` really ends, with the worker's stalls that begin in
    /// it; stalls that began before `start` fell while it was idle and cost nothing.
    private mutating func stretch(_ worker: Int, from start: Int64, to end: Int64) -> Int64 {
        var end = end
        while nextStall[worker].at < start { drawStall(worker, after: nextStall[worker].at) }
        while nextStall[worker].at < end {
            end += nextStall[worker].length
            drawStall(worker, after: nextStall[worker].at)
        }
        return end
    }

    private mutating func finish(_ worker: Int) {
        guard let batch = running[worker] else { return }
        running[worker] = nil
        perform(
            core.batchCompleted(
                id: batch.id, rows: batch.rows, items: batch.items, serviceTime: batch.service, now: clock))
        ask(worker, wasWaiting: false)
    }

    // MARK: Shared cores

    /// Brings every busy worker's progress up to now at the speed it has had since the last change.
    private mutating func advanceProgress() {
        guard sharedCores != nil else { return }
        let elapsed = Double(now - progressedAt) * speed
        progressedAt = now
        guard elapsed > 0 else { return }
        for worker in progress.indices where progress[worker] != nil { progress[worker]!.remaining -= elapsed }
    }

    /// Sets the busy workers' speed from how many cores the running callers leave them, and schedules
    /// when each one's step ends at that speed.
    private mutating func rescheduleProgress() {
        guard let cores = sharedCores else { return }
        speed = busyWorkers == 0 ? 1 : min(1, Double(max(cores - runningCallers, 0)) / Double(busyWorkers))
        for worker in progress.indices {
            guard let current = progress[worker] else { continue }
            progressToken += 1
            progress[worker]!.token = progressToken
            guard speed > 0 else { continue }
            let left = Int64((max(current.remaining, 0) / speed).rounded(.up))
            queue.schedule(.workerStep(worker: worker, token: progressToken), at: now + left)
        }
    }

    /// `worker` ended a step of its batch: the computation (every item's result is set) or answering an
    /// item; after the last item, the batch completes and the worker asks again.
    private mutating func step(_ worker: Int) {
        guard var current = progress[worker] else { return }
        if current.step == 0 {
            current.batch.service = .nanoseconds(now - current.computeStart)
            for item in current.items { complete(item, at: now, answered: nil) }
        } else {
            answer(current.items[current.step - 1], at: now)
        }
        current.step += 1
        if current.step <= current.items.count {
            current.remaining = Double(perItem)
            progress[worker] = current
            return
        }
        progress[worker] = nil
        busyWorkers -= 1
        running[worker] = current.batch
        finish(worker)
    }

    private mutating func sample() {
        if let (target, reason) = core.controllerTarget {
            let origin = Self.nanoseconds(configuration.traceOrigin)
            trace.append(TargetSample(milliseconds: Double(now - origin) * 1e-6, target: target, reason: reason))
        }
        if let every = configuration.traceEvery, now + Self.nanoseconds(every) < measureTo {
            queue.schedule(.sample, at: now + Self.nanoseconds(every))
        }
    }
}
