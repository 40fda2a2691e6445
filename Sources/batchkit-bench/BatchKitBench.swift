import ArgumentParser

/// The `batchkit-bench` command line: the benchmark scenarios and the pooling of their reports.
///
/// Apart from `batchkit` because it links malloc-interposer to count allocations, which a user's
/// `batchkit infer` should not run under. `bench` is the default subcommand, so `batchkit-bench --quick`
/// runs the benchmark.
@main
struct BatchKitBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batchkit-bench",
        abstract: "Benchmarks of the compute core and the batch processor, and pooling of their reports.",
        subcommands: [
            BenchCommand.self, PoolCommand.self, CostTableCommand.self, SimulateCommand.self,
            SimulationCheckCommand.self,
        ],
        defaultSubcommand: BenchCommand.self
    )
}
