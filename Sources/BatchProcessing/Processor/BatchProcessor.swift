import Locking
public import Logging

/// Batches single items adaptively and computes them on dedicated worker threads.
///
/// Submit items one at a time — from tasks with ``predict(_:priority:timeout:)`` or from threads with
/// ``enqueuePredict(_:timeout:priority:)-42d6m`` — and the processor groups them into batches by size, time,
/// priority and memory budget, runs each batch once, and hands every caller its own result.
///
/// ```swift
/// let processor = try BatchProcessor<[Double], Double>(configuration: .lowLatency)
/// try processor.start { batch in batch.map { $0.reduce(0, +) } }
/// let sum = try await processor.predict([1, 2, 3])
/// await processor.stop()
/// ```
///
/// Every accepted item resolves exactly once: with its result, its own error, `timedOut`,
/// `cancelled` or `shuttingDown`. Nothing accepted is lost.
public final class BatchProcessor<Item: Sendable, Output: Sendable>: Sendable {
    /// The validated configuration.
    public let configuration: BatchProcessorConfiguration
    package let logger: Logger
    /// The statistics window (kept across restarts) and the metrics instruments.
    let telemetry: TelemetryRecorder
    let alertHub = AlertHub()
    let sampler: @Sendable () -> ResourceSample
    /// The running (or last) ``SchedulerStorage``, held as a plain object: a lock over a generic optional
    /// would look up that optional's metadata on every submit for types the compiler did not specialise.
    private let storage = Locked<(any AnyObject & Sendable)?>(nil)
    /// A batch size set while not running, for the next start (taken with `storage`'s lock held).
    private let pendingBatchSize = Locked<Int?>(nil)

    /// Creates a stopped processor.
    ///
    /// - Throws: ``ConfigurationError`` naming the first invalid field.
    public convenience init(configuration: BatchProcessorConfiguration = .init(), logger: Logger? = nil)
        throws(ConfigurationError)
    {
        try self.init(configuration: configuration, logger: logger, resourceSampler: nil)
    }

    /// Creates a stopped processor whose health monitor reads resources from `resourceSampler`
    /// (`nil`: read /proc).
    public init(
        configuration: BatchProcessorConfiguration,
        logger: Logger? = nil,
        resourceSampler: (@Sendable () -> ResourceSample)?
    ) throws(ConfigurationError) {
        try configuration.validate()
        self.sampler = resourceSampler ?? BatchProcessor.defaultSampler()
        self.configuration = configuration
        self.logger = logger ?? Logger(label: "BatchProcessor")
        self.telemetry = TelemetryRecorder(
            stats: configuration.monitoring.statistics
                ? BatchStats(windowSize: configuration.monitoring.window, parallelism: configuration.workers.count)
                : nil,
            metrics: configuration.monitoring.metricsLabel.map(BatchMetrics.init(label:)))
    }

    /// Starts processing with a batch function, called on a worker thread with the items of one batch;
    /// it must return exactly one output per item, in order.
    ///
    /// - Throws: `alreadyStarted` if the processor is running.
    public func start(_ process: @escaping @Sendable ([Item]) throws -> [Output]) throws(BatchProcessorError) {
        let backend = BatchBackend<Item, Output>(
            rows: { _ in .success(1) }, makeAssembly: nil, rowCap: configuration.batching.maxSize,
            makeRunner: { _ in FunctionRunner(process) }, prepare: {})
        try start(backend: backend)
    }

    /// Starts processing with a backend that sizes and computes items (the dense layer's entry point).
    ///
    /// Called from another module, this generic entry would build the storage, and with it the worker
    /// loop and every state-machine event, unspecialized: the dense path then paid a heap allocation
    /// per item in the queue scans. `@specialized` keeps the `[Float]` path compiled for its types.
    #if compiler(>=6.3)
        @specialized(where Item == [Float], Output == [Float])
    #endif
    package func start(backend: BatchBackend<Item, Output>) throws(BatchProcessorError) {
        let started: SchedulerStorage<Item, Output>? = storage.withLock { current in
            if let current, !Self.storage(current).isStopped { return nil }
            let initialBatchSize = pendingBatchSize.withLock { pending in
                defer { pending = nil }
                return pending
            }
            let fresh = SchedulerStorage(
                configuration: configuration, backend: backend, telemetry: telemetry, alerts: alertHub,
                sampler: sampler, logger: logger, initialBatchSize: initialBatchSize)
            current = fresh
            return fresh
        }
        guard let started else { throw .alreadyStarted }
        started.startThreads()
        logger.info(
            "batch processor started",
            metadata: [
                "workers": "\(configuration.workers.count)", "strategy": "\(configuration.batching.strategy)",
                "maxRowsPerBatch": "\(started.rowCap)",
            ])
    }

    /// Whether the processor is running.
    public var isRunning: Bool {
        guard let current = current() else { return false }
        return !current.isStopped
    }

    func running() throws(BatchProcessorError) -> SchedulerStorage<Item, Output> {
        guard let current = current() else { throw .notStarted }
        return Self.storage(current)
    }

    /// The current storage, if the processor was ever started.
    private func current() -> SchedulerStorage<Item, Output>? {
        guard let current = storage.withLock({ $0 }) else { return nil }
        return Self.storage(current)
    }

    @inline(__always)
    private static func storage(_ object: any AnyObject & Sendable) -> SchedulerStorage<Item, Output> {
        // Only `start(backend:)` stores into `storage`, and only a storage of these types.
        unsafeDowncast(object, to: SchedulerStorage<Item, Output>.self)
    }

    // MARK: Lifecycle

    /// Stops the processor, blocking the calling thread until it has stopped.
    ///
    /// `drain` (the default) finishes everything accepted within `timeout`, then fails what is left with
    /// `shuttingDown`; `cancel` fails queued items at once and lets running batches finish within
    /// `timeout`. New items are refused from the moment `stop` is called. Calling `stop` again, or on a
    /// stopped processor, does nothing more. The processor can be started again afterwards.
    @available(*, noasync, message: "blocks the calling thread; use 'await stop(timeout:mode:)' in a task")
    public func stop(timeout: Duration = .seconds(5), mode: StopMode = .drain) {
        guard let current = current() else { return }
        current.beginStop(mode: mode, timeout: timeout)
        _ = current.stoppedSignal.waitBlocking(timeout: nil)
        current.releaseThreads()
    }

    /// Stops the processor, suspending until it has stopped. See ``stop(timeout:mode:)-8w1ke``.
    public func stop(timeout: Duration = .seconds(5), mode: StopMode = .drain) async {
        guard let current = current() else { return }
        current.beginStop(mode: mode, timeout: timeout)
        _ = await current.stoppedSignal.wait()
        current.releaseThreads()
    }

    /// Holds dispatch: items keep queueing (up to `queue.capacity`) and their deadlines keep running.
    public func pause() {
        current()?.pause()
    }

    /// Lets dispatch continue after ``pause()``.
    public func resume() {
        current()?.resume()
    }

    /// Overrides the target batch size (clamped to `batching.minSize` and the row cap).
    ///
    /// On a running processor it applies at once, and with the adaptive strategy the controller keeps
    /// adjusting from the new value. On a processor that is not running (never started, or stopped) it
    /// is kept for the next start, which begins from it instead of `initialBatchSize`; later starts
    /// begin from `initialBatchSize` again.
    public func updateBatchSize(_ size: Int) {
        let running: SchedulerStorage<Item, Output>? = storage.withLock { current in
            if let current, !Self.storage(current).isStopped { return Self.storage(current) }
            // Under the same lock as `start`, so a concurrent start either sees the value or is the
            // running processor this call applies it to.
            pendingBatchSize.withLock { $0 = size }
            return nil
        }
        running?.setTargetBatchSize(size)
    }

    // MARK: Submitting

    // A caller in another module runs these generic entry points unspecialized, looking up generic
    // metadata at run time for every item: measured at ~12 % of the process's CPU (perf) in an open-loop
    // run on linear256. `@specialized` (SE-0460) makes the generic entry jump to a copy compiled for the
    // dense model's `[Float]` items, so the common case pays for none of it; other types still work.

    /// Submits an item and returns a future for its output, blocking the calling thread while the queue is full.
    ///
    /// When ``BatchProcessorConfiguration/Queue/capacity`` items are queued, the call waits for room, as
    /// the seed's `max_queue_size` ("maximum items in queue before blocking") and `timeout` ("maximum wait
    /// time if queue is full") say:
    /// - `timeout` `nil` (the default): waits as long as it takes;
    /// - a positive `timeout`: waits up to that long, then throws `queueFull` (its
    ///   ``BatchProcessorError/waited`` says how long it waited);
    /// - `timeout` `.zero`: throws `queueFull` at once — the fail-fast a server uses to refuse work.
    ///
    /// Waiting producers get room in the order they began to wait. Stopping the processor ends the wait
    /// with `shuttingDown`. From a task, use the `async` overload, which suspends instead of blocking.
    #if compiler(>=6.3)
        @specialized(where Item == [Float], Output == [Float])
    #endif
    @available(*, noasync, message: "blocks while the queue is full; use 'await enqueuePredict' in a task")
    public func enqueuePredict(
        _ item: Item,
        timeout: Duration? = nil,
        priority: BatchPriority = .normal
    ) throws(BatchProcessorError) -> BatchFuture<Output> {
        let (current, element) = try submitBlocking(item, timeout: timeout, priority: priority, fireAndForget: false)
        return future(element, current)
    }

    /// Submits an item and returns a future for its output, suspending while the queue is full.
    ///
    /// `timeout` as for the blocking ``enqueuePredict(_:timeout:priority:)-42d6m``: `nil` waits for room
    /// as long as it takes, a positive value up to that long, `.zero` not at all. Cancelling the task
    /// while it waits withdraws the item and throws `cancelled`; stopping the processor throws
    /// `shuttingDown`.
    #if compiler(>=6.3)
        @specialized(where Item == [Float], Output == [Float])
    #endif
    public func enqueuePredict(
        _ item: Item,
        timeout: Duration? = nil,
        priority: BatchPriority = .normal
    ) async throws(BatchProcessorError) -> BatchFuture<Output> {
        let (current, element) = try await submit(item, timeout: timeout, priority: priority, fireAndForget: false)
        return future(element, current)
    }

    /// Submits an item whose result nobody waits for; it is still processed and counted, and a
    /// failure is logged. Blocks while the queue is full, as ``enqueuePredict(_:timeout:priority:)-42d6m``.
    #if compiler(>=6.3)
        @specialized(where Item == [Float], Output == [Float])
    #endif
    @available(*, noasync, message: "blocks while the queue is full; use 'await enqueue' in a task")
    public func enqueue(_ item: Item, timeout: Duration? = nil, priority: BatchPriority = .normal)
        throws(BatchProcessorError)
    {
        _ = try submitBlocking(item, timeout: timeout, priority: priority, fireAndForget: true)
    }

    /// Submits an item whose result nobody waits for, suspending while the queue is full (`timeout` as
    /// for ``enqueuePredict(_:timeout:priority:)-42d6m``; cancelling the task while it waits withdraws
    /// the item).
    #if compiler(>=6.3)
        @specialized(where Item == [Float], Output == [Float])
    #endif
    public func enqueue(_ item: Item, timeout: Duration? = nil, priority: BatchPriority = .normal)
        async
        throws(BatchProcessorError)
    {
        _ = try await submit(item, timeout: timeout, priority: priority, fireAndForget: true)
    }

    typealias Accepted = (SchedulerStorage<Item, Output>, QueuedRequest)

    /// Validates and offers an item; a refusal is counted in the statistics, so their error counts
    /// match what callers see.
    private func offer(
        _ item: Item,
        timeout: Duration?,
        priority: BatchPriority,
        fireAndForget: Bool
    ) throws(BatchProcessorError) -> (Accepted, SpaceWait?) {
        do throws(BatchProcessorError) {
            let current = try running()
            let submission = Submission(priority: priority, timeout: timeout, fireAndForget: fireAndForget)
            let (element, wait) = try current.admit(item, submission)
            return ((current, element), wait)
        } catch {
            throw refused(error)
        }
    }

    private func submitBlocking(
        _ item: Item,
        timeout: Duration?,
        priority: BatchPriority,
        fireAndForget: Bool
    ) throws(BatchProcessorError) -> Accepted {
        let (accepted, wait) = try offer(item, timeout: timeout, priority: priority, fireAndForget: fireAndForget)
        if let wait {
            do throws(BatchProcessorError) { try accepted.0.waitBlocking(wait) } catch { throw refused(error) }
        }
        return accepted
    }

    private func submit(
        _ item: Item,
        timeout: Duration?,
        priority: BatchPriority,
        fireAndForget: Bool
    ) async throws(BatchProcessorError) -> Accepted {
        let (accepted, wait) = try offer(item, timeout: timeout, priority: priority, fireAndForget: fireAndForget)
        if let wait { try await waitForSpace(accepted, wait) }
        return accepted
    }

    /// Suspends until an item queued while the queue was full has room, or withdraws it.
    func waitForSpace(_ accepted: Accepted, _ wait: SpaceWait) async throws(BatchProcessorError) {
        do throws(BatchProcessorError) { try await accepted.0.wait(wait) } catch { throw refused(error) }
        if Task.isCancelled {
            // Cancelled just as room was found: withdraw the item. A worker may have computed it in
            // the meantime; then its result stands, so the future (not a thrown error) tells the
            // caller which one won, and the statistics count the same outcome the caller sees.
            accepted.0.cancel(accepted.1.cell(Item.self, Output.self))
        }
    }

    func refused(_ error: BatchProcessorError) -> BatchProcessorError {
        telemetry.recordFailure(error.code)
        logger.debug("item refused", metadata: ["error": "\(error)"])
        return error
    }

    /// Submits an item and awaits its output.
    ///
    /// `timeout` bounds the wait for queue space as in ``enqueuePredict(_:timeout:priority:)-9bjgj``:
    /// `nil` waits for room, `.zero` fails at once with `queueFull` when the queue is full. Cancelling the
    /// task withdraws the item if it has not been dispatched and ends with `cancelled`.
    ///
    /// It runs on the caller's executor (`nonisolated(nonsending)`): called from an actor, it queues the
    /// item without leaving the actor, and resumes there with the output.
    #if compiler(>=6.3)
        @specialized(where Item == [Float], Output == [Float])
    #endif
    // Inlinable, so a caller that knows `Output` awaits in code compiled for it: code the compiler
    // did not specialise looks `Result<Output, _>`'s metadata up and puts more of its locals on the
    // task allocator, per item. The submission is synchronous rather than an `async` call: every async
    // frame between the caller and its continuation costs task-allocator work per item.
    @inlinable
    nonisolated(nonsending) public func predict(
        _ item: Item,
        priority: BatchPriority = .normal,
        timeout: Duration? = nil
    ) async throws(BatchProcessorError) -> Output {
        let (future, room) = try offerToPredict(item, priority: priority, timeout: timeout)
        if let room { try await room.wait() }
        return try await future.awaitValue()
    }

    /// Offers an item for ``predict(_:priority:timeout:)``: its future, and the wait for queue space
    /// still to complete if the queue was full.
    @usableFromInline
    func offerToPredict(_ item: Item, priority: BatchPriority, timeout: Duration?) throws(BatchProcessorError)
        -> (BatchFuture<Output>, RoomWait?)
    {
        let (accepted, wait) = try offer(item, timeout: timeout, priority: priority, fireAndForget: false)
        // Not `wait.map`: a generic call, which would look `RoomWait`'s metadata up even for `nil`.
        guard let wait else { return (future(accepted.1, accepted.0), nil) }
        return (future(accepted.1, accepted.0), RoomWait(processor: self, accepted: accepted, wait: wait))
    }

    /// A submission waiting for queue space. A class, so the common case (no wait) passes only `nil`.
    @usableFromInline
    final class RoomWait: Sendable {
        let processor: BatchProcessor
        let accepted: Accepted
        let wait: SpaceWait

        init(processor: BatchProcessor, accepted: Accepted, wait: SpaceWait) {
            self.processor = processor
            self.accepted = accepted
            self.wait = wait
        }

        /// Suspends until the item is admitted; cancelling the task withdraws it.
        @usableFromInline
        nonisolated(nonsending) func wait() async throws(BatchProcessorError) {
            try await processor.waitForSpace(accepted, wait)
        }
    }

    func future(_ element: QueuedRequest, _ storage: SchedulerStorage<Item, Output>)
        -> BatchFuture<Output>
    {
        BatchFuture(cell: element.cell(Item.self, Output.self), canceller: storage)
    }

    // MARK: Health

    /// Checks health now: system memory, queue length, stuck batches, latency, error rate and the circuit
    /// breaker against their thresholds. (Periodic checks every `health.checkInterval` also act on the
    /// result and publish changes to ``alerts()``; this call only reports.)
    public func health() -> HealthReport {
        guard let current = current() else {
            return HealthReport(
                status: .unhealthy, reasons: ["the processor is not running"], systemMemoryPercent: nil,
                residentBytes: nil, processCPUPercent: nil, queueSize: 0, stuckBatches: 0, errorRate: 0,
                p95Latency: .zero, circuit: .disabled)
        }
        return current.checkHealth(commit: false)
    }

    /// Health changes and threshold crossings as they are found by the periodic health checks.
    ///
    /// Each call returns a new stream; events are buffered (the newest 256) until read.
    public func alerts() -> AsyncStream<HealthEvent> {
        alertHub.subscribe()
    }

    // MARK: Statistics

    /// The statistics window and the scheduler's live state.
    public func stats() -> BatchProcessorStats {
        let window = telemetry.stats?.snapshot() ?? BatchStatsSnapshot()
        if let current = current() { return current.stats(window: window) }
        return BatchProcessorStats(
            window: window, currentBatchSize: configuration.batching.initialSize,
            maxRowsPerBatch: configuration.batching.maxSize, activeBatches: 0, queueSize: 0, waitingProducers: 0,
            isPaused: false, isStopping: false, isRunning: false, controller: nil)
    }
}
