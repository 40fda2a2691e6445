import DequeModule

/// The scheduler's decisions as a plain value: events go in, actions come out, no locks, threads or clocks.
///
/// ``SchedulerStorage`` owns one, takes its lock, applies an event, releases the lock, and then performs
/// the returned actions (resuming callers, waking workers). Time is passed in with each event as a
/// `Duration` since an epoch, so tests drive it by hand.
///
/// The queue is a bucket queue: one FIFO `Deque` per ``BatchPriority`` (a single one when priorities are
/// off). With five fixed levels this gives O(1) enqueue and dequeue, stable FIFO order within a level,
/// and the oldest item of each level at its front — which is what batch timeouts, item deadlines and
/// aging need to look at.
///
/// Not generic: it holds ``QueuedRequest``s, which carry the caller's types only behind a reference.
/// The compiler copies and destroys a value of a generic type — even a specialised one, even with a
/// single reference in it — by calling the type's value witness after looking its metadata up, where a
/// plain struct's copy is a retain; queue entries, batch parts and the actions each event returns are
/// copied several times per item. Tests name their requests by labelled cells, and the simulator by
/// numbered ones.
package struct SchedulerStateMachine {
    /// What the queue holds for one accepted item.
    package typealias Element = QueuedRequest
    /// A producer waiting for queue space.
    package typealias Waiter = ProducerWaiter

    /// The settings the machine enforces, fixed for one run of the processor.
    struct Settings {
        var minBatchSize = 1
        /// The hard row cap: `min(batching.maxSize, memory row cap)`.
        var rowCap = 128
        var batchTimeout: Duration = .milliseconds(100)
        var itemTimeout: Duration = .seconds(30)
        var maxQueueSize = 1000
        var priorities = false
        var agingLimit: Duration? = .seconds(1)
        var minBatchInterval: Duration = .zero
        /// `.greedy` or not: the adaptive rule is chosen by `adaptive` (see ``DispatchPolicy``).
        var strategy: BatchProcessingStrategy = .fixed
        var workers = 1
        /// Whether items may be split across batches (only row-addressable items can).
        var splitsItems = true
        /// The adaptive controller's settings; `nil` for a fixed target.
        var adaptive: AdaptiveController.Settings?
        /// Shrink the adaptive target after failed batches.
        var reduceOnFailure = true
        /// Refuse items predicted to miss `adaptive.targetLatency`.
        var rejectPredictedLate = false
        /// Retries of a single failing item before it fails.
        var maxRetries = 3
        /// The first retry's delay; each further retry doubles it (times a jitter factor).
        var retryDelay: Duration = .seconds(1)
        /// A batch running longer than this is declared stuck (`nil`: no watchdog).
        var watchdogLimit: Duration?
        /// The circuit breaker, if enabled.
        var circuitBreaker: CircuitBreakerConfiguration?
        /// The longest the timer sleeps while anything is pending: how late a far deadline may fire.
        var timerHeartbeat: Duration = .milliseconds(20)
    }

    /// A queued item: the caller's element plus scheduling facts.
    struct Entry {
        var element: Element
        let sequence: UInt64
        let priority: BatchPriority
        let arrival: Duration
        let deadline: Duration
        let rows: Int
        /// Rows of this item already sent in earlier batches (only for split items).
        var dispatchedRows = 0
    }

    /// The rows of one item that belong to one batch.
    package struct Part {
        package var element: Element
        let sequence: UInt64
        let arrival: Duration
        let deadline: Duration
        /// The first of the item's rows in this part.
        package let rowOffset: Int
        package let rowCount: Int
        /// The item's total rows.
        package let itemRows: Int
        /// The caller's item in the part at `index` (see ``QueuedRequest/item(_:_:)``).
        ///
        /// Read in place: a method called on a part in another module's buffer makes the caller copy the
        /// part first.
        package static func item<Item: Sendable, Output: Sendable>(
            in parts: UnsafeBufferPointer<Part>, at index: Int, _ item: Item.Type, _ output: Output.Type
        ) -> Item {
            parts[index].element.item(item, output)
        }
    }

    /// A batch handed to a worker.
    struct Batch {
        let id: UInt64
        var parts: [Part]
        let rows: Int
        let reason: DispatchReason
        let dispatchedAt: Duration
        /// How many times these items were retried after a failure.
        var attempt = 0
    }

    /// Parts of a failed batch waiting to run again.
    struct RetryBatch {
        var parts: [Part]
        let notBefore: Duration
        let attempt: Int
    }

    struct InFlight {
        var parts: [Part]
        var dispatchedAt: Duration = .zero
        /// The batch's rows, for predicting when it ends.
        var rows = 0
        var attempt = 0
        /// Parts with deadlines up to this time have already been failed.
        var expiredThrough: Duration
        var nextDeadline: Duration?
    }

    struct WaitingProducer {
        let id: UInt64
        let waiter: Waiter
        let element: Element
        let priority: BatchPriority
        let rows: Int
        /// When the producer began to wait, so a timed-out one learns how long it waited.
        let since: Duration
        /// When the producer gives up (`nil`: it waits for room as long as it takes).
        let deadline: Duration?
    }

    enum Lifecycle: Equatable {
        case running
        case draining
        case stopped
    }

    /// The signals an event asks the storage to send: all an accepted item can need.
    ///
    /// Plain data, so the submit path creates and drops it for free, where ``Actions`` holds lists.
    struct Wakeups {
        /// Workers to wake with a signal each.
        var wakeWorkers = 0
        /// Wake the timer thread: the next deadline moved earlier.
        var wakeTimer = false

        /// Whether there is no signal to send.
        var isEmpty: Bool { wakeWorkers == 0 && !wakeTimer }

        mutating func merge(_ other: Wakeups) {
            wakeWorkers += other.wakeWorkers
            wakeTimer = wakeTimer || other.wakeTimer
        }
    }

    /// What the storage must do after an event, outside the lock.
    struct Actions {
        /// Signals to send.
        var wakeups = Wakeups()
        /// Workers to wake with a signal each.
        var wakeWorkers: Int {
            get { wakeups.wakeWorkers }
            set { wakeups.wakeWorkers = newValue }
        }
        /// Wake the timer thread: the next deadline moved earlier.
        var wakeTimer: Bool {
            get { wakeups.wakeTimer }
            set { wakeups.wakeTimer = newValue }
        }
        /// Items that end with an error.
        var failures: [(Element, BatchProcessorError)] = []
        /// Producers whose items entered the queue: resume them with success.
        var admitted: [Waiter] = []
        /// Producers that stop waiting with an error.
        var rejected: [(Waiter, BatchProcessorError)] = []
        /// The processor has just stopped: wake everyone who waits for that.
        var stopped = false
        /// Wake every idle worker (shutdown).
        var wakeAllWorkers = false
        /// Workers to start because the watchdog gave up on theirs.
        var replaceWorkers = 0
        /// The worker reporting this event must end (its batch was declared stuck).
        var retireWorker = false
        /// Batches the watchdog declared stuck (for logs and health).
        var stuckBatches: [UInt64] = []

        static var none: Actions { Actions() }

        mutating func merge(_ other: Actions) {
            wakeups.merge(other.wakeups)
            failures += other.failures
            admitted += other.admitted
            rejected += other.rejected
            stopped = stopped || other.stopped
            wakeAllWorkers = wakeAllWorkers || other.wakeAllWorkers
            replaceWorkers += other.replaceWorkers
            retireWorker = retireWorker || other.retireWorker
            stuckBatches += other.stuckBatches
        }
    }

    enum SubmitResult {
        case accepted(Wakeups)
        case full
        case rejected(BatchProcessorError)
    }

    enum WorkerAction {
        case run(Batch, Actions)
        /// Wait for a signal; if `wakeTimer`, first signal the timer (an idle worker makes a batch
        /// timeout actionable, so the timer may need to wake earlier).
        case wait(wakeTimer: Bool)
        case exit
    }

    // MARK: State
    // Internal rather than private so the concern files (+Submit, +Dispatch, …) can reach it; nothing
    // outside the machine writes it.

    var settings: Settings
    /// How large batches are and when they go: the fixed, greedy or adaptive rule.
    var policy: DispatchPolicy
    var lifecycle: Lifecycle = .running
    var isPaused = false
    var queuedItems = 0
    var queuedRows = 0
    var levels: [Deque<Entry>]
    var waiters: Deque<WaitingProducer> = []
    var inFlight: [UInt64: InFlight] = [:]
    var idleWorkers = 0
    var pendingWakeups = 0
    var lastDispatchAt: Duration?
    var nextSequence: UInt64 = 0
    var nextBatchID: UInt64 = 0
    var nextWaiterID: UInt64 = 0
    /// The deadline the timer thread sleeps towards (`nil`: no deadline, it sleeps until woken).
    var timerArmedAt: Duration?
    var timerSleeping = false
    /// Failed batches and halves of them waiting to run again.
    var retries: [RetryBatch] = []
    /// Batches the watchdog gave up on, by id, with their dispatch time; their workers are replaced.
    var stuck: [UInt64: Duration] = [:]
    /// Sheds load when too many items fail.
    var breaker: CircuitBreaker?
    /// Failed batches split in two to isolate failing items.
    var isolationRuns = 0
    /// Single items scheduled to run again after a failure.
    var retriesScheduled = 0
    /// Batches the watchdog declared stuck since start.
    var watchdogTrips = 0
    /// Batches whose processing function returned the wrong number of results, since start.
    var resultCountMismatches = 0
    /// Emptied part lists of completed batches, whose storage the next batches reuse: one per worker
    /// at most, so a steady state allocates no list per batch.
    var spareParts: [[Part]] = []

    init(settings: Settings, initialBatchSize: Int) {
        self.settings = settings
        self.policy = DispatchPolicy(
            strategy: settings.strategy, adaptive: settings.adaptive,
            settings: DispatchPolicy.Settings(
                minBatchSize: settings.minBatchSize, rowCap: settings.rowCap, workers: settings.workers,
                batchTimeout: settings.batchTimeout, reduceOnFailure: settings.reduceOnFailure,
                rejectPredictedLate: settings.rejectPredictedLate),
            initialTarget: initialBatchSize)
        self.levels = Array(repeating: Deque(), count: settings.priorities ? BatchPriority.allCases.count : 1)
        if let configuration = settings.circuitBreaker { breaker = CircuitBreaker(settings: configuration) }
        for index in levels.indices { levels[index].reserveCapacity(min(settings.maxQueueSize, 1024)) }
        spareParts.reserveCapacity(settings.workers)
    }

    /// What a batch waits for, in rows.
    var targetBatchSize: Int { policy.target }
    /// The adaptive controller, when the policy is adaptive.
    var controller: AdaptiveController? {
        get { policy.controller }
        set { policy.controller = newValue }
    }

    /// Batches being computed.
    var activeBatches: Int { inFlight.count }
    /// Producers waiting for queue space.
    var waitingProducers: Int { waiters.count }
}
