/// How long and how often every scenario measures: a standard run and a quick smoke-test run.
struct BenchSettings: Sendable {
    var kernel: KernelBenchmark.Settings
    /// Timed closed-loop runs per scenario; the median and range are reported.
    var repeats: Int
    /// Length of one closed-loop run, and of the warm-up before the first.
    var runDuration: Duration
    var warmup: Duration
    /// Length of the side-by-side kernel measurement after each closed-loop run.
    var kernelDuration: Duration
    /// Measured length of each open-loop load level, after its own warm-up.
    var openLoopDuration: Duration
    var openLoopWarmup: Duration
    /// Offered loads as fractions of the closed-loop capacity.
    var loads = [0.5, 0.8, 0.95]
    /// Offered loads of the `adaptive` scenario, as fractions of the closed-loop capacity.
    var adaptiveLoads = [0.2, 0.5, 0.8, 0.95]
    /// Settings the `adaptive` scenario compares (labels such as `greedy`, `fixed-32`); `nil`: all.
    var adaptiveSettings: Set<String>?
    /// Interleaved rounds per setting and load in the `adaptive` scenario.
    var adaptiveRounds: Int
    /// Items counted per path in the allocations scenario.
    var mallocItems: Int

    /// Seven 0.6 s closed-loop runs, each followed by 0.4 s of kernel (short pairs, so a change in the
    /// machine's other load hits both halves of a pair alike), and 3 s per load level: about 45 s per model.
    static func standard(repeats: Int?) -> BenchSettings {
        BenchSettings(
            kernel: .standard(repeats: repeats), repeats: repeats ?? 7, runDuration: .milliseconds(600),
            warmup: .milliseconds(300), kernelDuration: .milliseconds(400), openLoopDuration: .seconds(3),
            openLoopWarmup: .milliseconds(300), adaptiveRounds: 5, mallocItems: 20_000)
    }

    /// Short runs for smoke tests: the numbers are noisy.
    static func quick(repeats: Int?) -> BenchSettings {
        BenchSettings(
            kernel: .quick(repeats: repeats), repeats: repeats ?? 3, runDuration: .milliseconds(250),
            warmup: .milliseconds(100), kernelDuration: .milliseconds(150), openLoopDuration: .milliseconds(600),
            openLoopWarmup: .milliseconds(100), adaptiveRounds: 1, mallocItems: 4_000)
    }
}
