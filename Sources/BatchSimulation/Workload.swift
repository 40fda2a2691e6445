/// Who submits: an open loop offering arrivals whatever the processor does, or closed-loop callers each
/// waiting for its result before submitting again.
public enum Workload: Sendable, Equatable {
    /// Arrivals from a generator thread, as `batchkit-bench`'s open loop offers them (submitted in
    /// groups every ``SchedulingCosts/submitQuantum`` at the most; latency from the schedule).
    case open(ArrivalProcess)
    /// `callers` callers, each submitting its next item ``SchedulingCosts/callerResume`` plus
    /// `thinkSeconds` after its previous result.
    case closed(callers: Int, thinkSeconds: Double)
}
