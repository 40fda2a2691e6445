/// Something that happens at a moment of simulated time.
struct SimulationEvent {
    enum Kind {
        /// The open loop's generator submits the item scheduled at `scheduled` (nanoseconds).
        case arrival(scheduled: Int64)
        /// Closed-loop caller `caller` submits its next item.
        case callerSubmit(caller: Int)
        /// Closed-loop caller `caller` is runnable and needs a core (shared cores only).
        case callerReady(caller: Int)
        /// A signalled worker runs again.
        case workerWake(worker: Int)
        /// A pool thread that has waited its time for a core takes a worker's (ignored unless `token` is
        /// still the current one).
        case callerPreempts(token: UInt64)
        /// A worker on shared cores ended a step of its batch (ignored unless `token` is still its own).
        case workerStep(worker: Int, token: UInt64)
        /// A worker finished its batch and the work around it.
        case batchDone(worker: Int)
        /// The timer thread wakes (ignored unless `token` is still the current one).
        case timerWake(token: UInt64)
        /// Sample the controller's target.
        case sample
    }

    /// Nanoseconds from the start.
    var time: Int64
    /// Order of scheduling, so simultaneous events run first-come first-served (and deterministically).
    var sequence: UInt64
    var kind: Kind

    func precedes(_ other: SimulationEvent) -> Bool {
        time != other.time ? time < other.time : sequence < other.sequence
    }
}
