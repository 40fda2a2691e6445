import ArgumentParser

/// The `batchkit` command line: batched inference over `.npy` files, and benchmarks.
@main
struct BatchKit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batchkit",
        abstract: "Batched dense-model inference on OpenBLAS: benchmarks and tools.",
        subcommands: [InferCommand.self, ServeCommand.self, BenchCommand.self, PoolCommand.self]
    )
}
