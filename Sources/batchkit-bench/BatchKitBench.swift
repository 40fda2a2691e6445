import ArgumentParser
import BatchKitCore
import Dispatch

/// The `batchkit-bench` command line: the benchmark scenarios and the pooling of their reports.
///
/// Apart from `batchkit` because it links malloc-interposer to count allocations, which a user's
/// `batchkit infer` should not run under. `bench` is the default subcommand, so `batchkit-bench --quick`
/// runs the benchmark.
struct BatchKitBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batchkit-bench",
        abstract: "Benchmarks of the compute core and the batch processor, and pooling of their reports.",
        version: BatchKitVersion.current,
        subcommands: [
            BenchCommand.self, PoolCommand.self, WorkloadCommand.self, CostTableCommand.self,
            SimulateCommand.self, SimulationCheckCommand.self,
        ],
        defaultSubcommand: BenchCommand.self
    )

    /// Runs the command; a bad flag gets one line and exit status 64.
    static func main() async {
        await mainReportingErrorsInOneLine()
    }
}

/// The process entry: runs ``BatchKitBench`` in a task while the main thread waits for it.
///
/// Not an async `main`: that parks the main thread in `dispatch_main`, and valgrind 3.19 (Debian
/// bookworm's) crashes on such a process, which `scripts/instructions.sh` needs to run under callgrind.
/// Nothing here uses the main actor, so the parked main thread holds nothing up.
@main
enum BatchKitBenchMain {
    static func main() {
        let finished = DispatchSemaphore(value: 0)
        Task.detached {
            await BatchKitBench.main()
            finished.signal()
        }
        finished.wait()
    }
}
