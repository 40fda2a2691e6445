import ArgumentParser
import BatchKitCore

/// The `batchkit` command line: batched inference over `.npy` files.
///
/// Benchmarks are a separate executable, `batchkit-bench`, so this one links no malloc interposer.
@main
struct BatchKit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batchkit",
        abstract: "Batched dense-model inference on OpenBLAS: serve models, or run them over files.",
        // One command per line, so adding one is a one-line change.
        version: BatchKitVersion.current,
        subcommands: [
            ServeCommand.self,
            InferCommand.self,
        ]
    )

    /// Runs the command; a bad flag gets one line and exit status 64.
    static func main() async {
        await mainReportingErrorsInOneLine()
    }
}
