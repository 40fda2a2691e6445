import ArgumentParser

/// The `batchkit` command line: batched inference over `.npy` files.
///
/// Benchmarks are a separate executable, `batchkit-bench`, so this one links no malloc interposer.
@main
struct BatchKit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batchkit",
        abstract: "Batched dense-model inference on OpenBLAS: serve models, or run them over files.",
        // One command per line, so adding one is a one-line change.
        subcommands: [
            ServeCommand.self,
            InferCommand.self,
        ]
    )
}
