import ArgumentParser

/// The `batchkit` command line: benchmarks now, batched inference later.
@main
struct BatchKit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batchkit",
        abstract: "Batched dense-model inference on OpenBLAS: benchmarks and tools.",
        subcommands: [BenchCommand.self]
    )
}
