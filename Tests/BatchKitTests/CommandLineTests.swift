import ArgumentParser
import BatchKitCore
import DenseKernels
import Foundation
import Testing

/// The built `batchkit` binary, run as a user runs it: exit statuses, the one-line errors, standard
/// output, signals. It sits next to the test bundle (`swift build --build-tests` and `swift test` build
/// it; `scripts/test.sh` does both).
enum BatchKitBinary {
    /// The path of `batchkit` in the build directory this test bundle was built into.
    static var path: String? {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        // On Linux the bundle is an executable in the products directory; elsewhere it may be nested.
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("batchkit").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }

    struct Result {
        let status: Int32
        let output: Data
        let error: String
        /// Whether the process was killed by a signal (then `status` is the signal number).
        let signalled: Bool
    }

    /// Runs `batchkit arguments`, with `onStart` called once the process is running (to signal it).
    static func run(_ arguments: [String], onStart: (Process) async throws -> Void = { _ in }) async throws -> Result {
        let path = try #require(path, "build the batchkit product first (swift build --build-tests)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        // Read both pipes as they fill, so a large output cannot block the child; every blocking wait
        // is on a thread of its own.
        async let outputData = onOwnThread { output.fileHandleForReading.readDataToEndOfFile() }
        async let errorData = onOwnThread { error.fileHandleForReading.readDataToEndOfFile() }
        try process.run()
        try await onStart(process)
        try await onOwnThread { process.waitUntilExit() }
        let (out, err) = try await (outputData, errorData)
        return Result(
            status: process.terminationStatus, output: out, error: String(decoding: err, as: UTF8.self),
            signalled: process.terminationReason == .uncaughtSignal)
    }
}

@Suite(.serialized) struct CommandLineTests {
    private final class Scratch {
        let path: String
        init() throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("batchkit-cli-\(UUID())").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
        func file(_ name: String) -> String { path + "/" + name }
        var contents: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }
    }

    private static func rows(_ count: Int, _ width: Int) -> [Float] {
        var generator = SplitMix64(seed: 11)
        return (0..<(count * width)).map { _ in Float.random(in: -1...1, using: &generator) }
    }

    /// Every bad value gets one line on standard error naming the flag, exit status 64, and no output.
    @Test(arguments: [
        (["--max-batch-size", "-5"], "--max-batch-size", "from 1 to 16777216"),
        (["--max-batch-size=-5"], "--max-batch-size", "from 1 to 16777216"),
        (["--max-batch-size", "2e18"], "--max-batch-size", "from 1 to 16777216"),
        (["--max-batch-size", "9223372036854775807"], "--max-batch-size", "whole number"),
        (["--max-batch-size", "1.5"], "--max-batch-size", "whole number"),
        (["--max-batch-size", "16777216"], "--max-batch-size 16777216 needs", "lower --max-batch-size"),
        (["--batch-timeout-ms", "inf"], "--batch-timeout-ms", "0 or a number of milliseconds"),
        (["--batch-timeout-ms", "1e20"], "--batch-timeout-ms", "to 3600000"),
        (["--batch-timeout-ms", "1e-9"], "--batch-timeout-ms", "from 0.001"),
        (["--batch-timeout-ms", "-1"], "--batch-timeout-ms", "0 or a number"),
        (["--workers", "0"], "--workers", "from 1 to 256"),
        (["--workers", "-3"], "--workers", "from 1 to 256"),
        (["--memory-mb", "0"], "--memory-mb", "from 1 to"),
        (["--memory-mb", "1"], "--memory-mb 1 cannot hold", "give at least"),
        (["--strategy", "sometimes"], "--strategy", "choose from fixed, adaptive, greedy"),
        (["--priority", "urgent"], "--priority", "choose from critical"),
        (["--non-finite", "maybe"], "--non-finite", "choose propagate or reject"),
        (["--max-batch-size"], "--max-batch-size", "Missing value"),
        (["--frobnicate"], "--frobnicate", "Unknown option"),
    ])
    func badFlagsFailInOneLineWithStatus64(flags: [String], flag: String, fragment: String) async throws {
        let scratch = try Scratch()
        try NpyArray(shape: [4, 1024], values: Self.rows(4, 1024)).write(to: scratch.file("x.npy"))
        let result = try await BatchKitBinary.run(
            ["infer", "--model", "mlp1024", "--input", scratch.file("x.npy"), "--output", scratch.file("y.npy")]
                + flags)
        #expect(result.status == 64, "\(flags): \(result.error)")
        let lines = result.error.split(separator: "\n")
        #expect(lines.count == 1, "\(flags): \(result.error)")
        #expect(result.error.hasPrefix("batchkit infer: error: "), "\(result.error)")
        #expect(result.error.contains(flag) && result.error.contains(fragment), "\(flags): \(result.error)")
        #expect(scratch.contents == ["x.npy"])
    }

    @Test func helpShowsEveryDefaultAndVersionExists() async throws {
        let help = try await BatchKitBinary.run(["infer", "--help"])
        #expect(help.status == 0)
        let text = String(decoding: help.output, as: UTF8.self).split(whereSeparator: \.isWhitespace).joined(
            separator: " ")
        for fragment in [
            "default: 256", "default: 2)", "default: the number of cores", "default: greedy", "default: none;",
            "default: propagate", "default: the file's 'activations' metadata", "default: inferred",
            "default: none, the priority queue stays off",
        ] {
            #expect(text.contains(fragment), "help lacks '\(fragment)'")
        }
        let version = try await BatchKitBinary.run(["--version"])
        #expect(
            version.status == 0 && String(decoding: version.output, as: UTF8.self) == BatchKitVersion.current + "\n")
    }

    @Test func fileProblemsFailInOneLineWithStatus1() async throws {
        let scratch = try Scratch()
        try NpyArray(shape: [3, 100], values: Self.rows(3, 100)).write(to: scratch.file("narrow.npy"))
        let cases: [([String], String)] = [
            (["--input", scratch.file("none.npy")], "cannot read input"),
            (["--input", scratch.file("narrow.npy")], "has rows of 100 features but the model takes 256"),
            (["--input", scratch.file("narrow.npy"), "--model", scratch.file("none.safetensors")], "is not a file"),
        ]
        for (flags, fragment) in cases {
            var arguments = ["infer", "--model", "linear256", "--output", scratch.file("y.npy")]
            arguments += flags
            let result = try await BatchKitBinary.run(arguments)
            #expect(result.status == 1, "\(flags): \(result.error)")
            #expect(
                result.error.split(separator: "\n").count == 1 && result.error.contains(fragment), "\(result.error)")
        }
        #expect(scratch.contents == ["narrow.npy"])
    }

    @Test func dashWritesTheNpyToStandardOutput() async throws {
        let scratch = try Scratch()
        let values = Self.rows(9, 256)
        try NpyArray(shape: [9, 256], values: values).write(to: scratch.file("x.npy"))
        let result = try await BatchKitBinary.run([
            "infer", "--model", "linear256", "--input", scratch.file("x.npy"), "--output", "-", "--quiet",
        ])
        #expect(result.status == 0, "\(result.error)")
        let output = try NpyArray(bytes: Array(result.output))
        #expect(output.shape == [9, 256])
        let expected = DenseModel.linear256().predict(values)
        #expect(zip(output.values, expected).allSatisfy { abs($0 - $1) < 1e-4 })
        #expect(scratch.contents == ["x.npy"])
    }

    /// Ctrl-C in the middle of a run: the process dies of SIGINT and its hidden temporary output is gone.
    /// The input is a FIFO fed a header and a few rows and then held open, so the run is caught mid-way
    /// whatever the machine's speed.
    @Test func interruptedInferLeavesNoTemporaryFile() async throws {
        let scratch = try Scratch()
        let input = scratch.file("in.npy")
        #expect(mkfifo(input, 0o600) == 0)
        var bytes = NpyArray.float32Preamble(shape: [1000, 256])
        Self.rows(10, 256).withUnsafeBytes { bytes += $0 }
        let feed = bytes
        let writer = Descriptor()
        let result = try await BatchKitBinary.run([
            "infer", "--model", "linear256", "--input", input, "--output", scratch.file("out.npy"), "--quiet",
        ]) { process in
            writer.value = try await onOwnThread { () -> Int32 in
                let descriptor = open(input, O_WRONLY)
                _ = feed.withUnsafeBytes { write(descriptor, $0.baseAddress!, $0.count) }
                return descriptor
            }
            let deadline = ContinuousClock.now + .seconds(60)
            while !scratch.contents.contains(where: { $0.contains(".tmp-") }), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            process.interrupt()
        }
        close(writer.value)
        #expect(result.signalled && result.status == SIGINT, "status \(result.status): \(result.error)")
        #expect(scratch.contents == ["in.npy"])
    }

    /// A file descriptor handed from the test's writer thread back to the test.
    private final class Descriptor: @unchecked Sendable {
        // Written once inside `onStart` and read after `run` returns, which awaits `onStart`.
        var value: Int32 = -1
    }

    /// `--strategy fixed` with an hour's timeout: the last partial batch goes when the input ends.
    @Test func fixedStrategyFlushesTheLastPartialBatch() async throws {
        let scratch = try Scratch()
        try NpyArray(shape: [300, 256], values: Self.rows(300, 256)).write(to: scratch.file("x.npy"))
        let started = ContinuousClock.now
        let result = try await BatchKitBinary.run([
            "infer", "--model", "linear256", "--input", scratch.file("x.npy"), "--output", scratch.file("y.npy"),
            "--strategy", "fixed", "--batch-timeout-ms", "3600000", "--max-batch-size", "64",
        ])
        #expect(result.status == 0, "\(result.error)")
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(try NpyArray(contentsOf: scratch.file("y.npy")).shape == [300, 256])
    }

    @Test func schedulerOptionsParseInCode() throws {
        let options = try SchedulerOptions.parse(["--max-batch-size", "1e3", "--batch-timeout-ms", "0"])
        #expect(options.maxBatchSize == 1000 && options.batchTimeoutMilliseconds == 0)
        #expect(options.settings(over: SchedulerSettings()).batchTimeout == .zero)
        #expect(throws: (any Error).self) { try SchedulerOptions.parse(["--workers", "257"]) }
        var built = SchedulerOptions()
        built.maxBatchSize = 0
        #expect(throws: (any Error).self) { try built.validate() }
    }
}
