import ArgumentParser
import BatchKitCore
import BatchProcessing
import DenseBatching
import DenseKernels

/// `batchkit infer`: runs every row of a `.npy` matrix through the batch processor and saves the outputs.
struct InferCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Run a dense model on every row of a .npy file through the batch processor.",
        discussion: """
            Each input row is submitted as its own item, so the output is what the batched serving path \
            computes. The input is a 2-D float16, float32 or float64 .npy (rows, features); the output is \
            float32 (rows, outputs) in input order. Both are streamed: memory stays bounded by the rows in \
            flight, whatever the file's size. A regular --output (or a new one) is written atomically through \
            a temporary file in its directory, removed on any failure and on SIGINT/SIGTERM, so a failed run \
            leaves nothing at --output; a device or FIFO is written in place, a symbolic link is followed to \
            its target, and - is standard output.
            """
    )

    @Option(
        help: ArgumentHelp(
            "A built-in model (\(DenseModel.builtInNames.joined(separator: ", "))) or a .safetensors file.",
            valueName: "name-or-file"))
    var model: String

    @Option(
        help: ArgumentHelp(
            "The input matrix: a 2-D float16/32/64 .npy (- for standard input).", valueName: "file.npy"))
    var input: String

    @Option(help: ArgumentHelp("Where to write the float32 outputs (- for standard output).", valueName: "file.npy"))
    var output: String

    @Option(
        help: ArgumentHelp(
            "Activations, one per layer (e.g. relu,relu,softmax); default: the file's 'activations' metadata.",
            valueName: "list"))
    var activations: String?

    @Option(help: ArgumentHelp("Layer-name prefix in the file (e.g. 'net.'); default: inferred.", valueName: "text"))
    var prefix: String?

    @Option(
        help: ArgumentHelp(
            "Priority of every item: \(BatchPriority.allCases.map(\.description).joined(separator: ", ")) "
                + "(default: none, the priority queue stays off).",
            valueName: "level"),
        transform: { text in
            guard let priority = BatchPriority(name: text) else {
                let known = BatchPriority.allCases.map(\.description).joined(separator: ", ")
                throw ValidationError("choose from \(known)")
            }
            return priority
        })
    var priority: BatchPriority?

    @Option(
        name: .customLong("non-finite"),
        help: ArgumentHelp(
            "NaN or infinite inputs: propagate (computed as float64 NumPy does: NaN in, NaN out) or reject "
                + "(fail, naming the row) (default: propagate).", valueName: "policy"),
        transform: { text in
            guard let policy = NonFinitePolicy(rawValue: text.lowercased()) else {
                throw ValidationError("choose propagate or reject")
            }
            return policy
        })
    var nonFinite: NonFinitePolicy = .propagate

    @OptionGroup var scheduler: SchedulerOptions

    @Flag(help: "No progress or summary on standard error.")
    var quiet = false

    @Flag(help: "Also say what was loaded and assumed (the layers read, a layer without a bias computed with zeros).")
    var verbose = false

    mutating func run() async throws {
        var settings = scheduler.settings(over: SchedulerSettings())
        settings.priority = priority
        settings.nonFiniteInputs = nonFinite
        let progress = ProgressLine(label: "infer", enabled: !quiet)
        do {
            let verbose = verbose
            let loaded = try ModelLoader.load(model, activations: activations, prefix: prefix) { note in
                if verbose { Console.progress("batchkit infer: \(note)") }
            }
            let summary = try await InferPipeline.run(
                model: loaded, inputPath: input, outputPath: output, settings: settings
            ) { done, total in progress.update(done: done, total: total, unit: "rows") }
            progress.finish()
            if !quiet {
                Console.progress(
                    "infer: \(summary.rows) rows → \(output) [\(summary.rows), \(summary.outputWidth)] float32 in "
                        + "\(Format.fixed(summary.seconds, 2)) s (\(Format.rate(summary.rowsPerSecond)) rows/s read, "
                        + "computed and written; compute alone \(Format.rate(summary.computeRowsPerSecond)) rows/s; "
                        + "\(summary.batches) batches, mean \(Format.fixed(summary.meanBatch, 1)) rows)")
            }
        } catch {
            progress.finish()
            // One line, then a failing exit status; ArgumentParser would add usage text to a thrown error.
            Console.progress("batchkit infer: error: \(error)")
            throw error.isFlagError ? ExitCode.validationFailure : ExitCode.failure
        }
    }
}
