import Synchronization

/// Whether the server takes traffic: starting until the models are warm, then ready, then draining
/// from the first shutdown signal on. Only ever moves forward.
final class Readiness: Sendable {
    enum Phase: UInt8, Sendable {
        case starting = 0
        case ready = 1
        case draining = 2
    }

    // An atomic, not a lock: every health probe and infer request reads it.
    private let phase = Atomic<UInt8>(Phase.starting.rawValue)

    /// The current phase.
    var current: Phase { Phase(rawValue: phase.load(ordering: .acquiring)) ?? .draining }

    /// Marks the models warm; a server already draining stays draining.
    func markReady() {
        _ = phase.compareExchange(
            expected: Phase.starting.rawValue, desired: Phase.ready.rawValue, ordering: .acquiringAndReleasing)
    }

    /// Marks the server draining: readiness probes fail from now on.
    func markDraining() {
        phase.store(Phase.draining.rawValue, ordering: .releasing)
    }
}
