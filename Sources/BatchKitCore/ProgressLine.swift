#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Progress of a long run on standard error: redrawn in place on a terminal, a line every few seconds
/// otherwise, and nothing at all for runs shorter than half a second.
public final class ProgressLine {
    private let label: String
    private let enabled: Bool
    private let isTerminal = isatty(2) != 0
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private var lastShown: ContinuousClock.Instant?
    private var lineOpen = false

    /// A progress line labelled `label`; `enabled: false` shows nothing (`--quiet`).
    public init(label: String, enabled: Bool = true) {
        self.label = label
        self.enabled = enabled
        self.start = clock.now
    }

    /// Shows `done` of `total` if enough time has passed since the start and since the last update.
    public func update(done: Int, total: Int, unit: String) {
        guard enabled else { return }
        let now = clock.now
        guard now - start >= .milliseconds(500) else { return }
        if let lastShown, now - lastShown < (isTerminal ? .milliseconds(200) : .seconds(2)) { return }
        lastShown = now
        let percent = total == 0 ? 100 : done * 100 / total
        let text = "\(label): \(done)/\(total) \(unit) (\(percent) %)"
        if isTerminal {
            Console.emit("\r\u{1B}[K" + text)
            lineOpen = true
        } else {
            Console.progress(text)
        }
    }

    /// Ends a line left open on a terminal.
    public func finish() {
        if lineOpen { Console.emit("\n") }
        lineOpen = false
    }
}
