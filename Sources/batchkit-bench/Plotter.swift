import BatchKitCore
import FoundationEssentials

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs `scripts/plot_bench.py` on a benchmark report to draw `--plot FILE.png`.
enum Plotter {
    /// Why the plot could not be drawn.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Draws the report to `pngPath`, using `jsonPath` if the report was saved there, else a temporary copy.
    static func plot(json: Data, jsonPath: String?, to pngPath: String) throws {
        guard let script = locateScript() else {
            throw Failure(
                description: "cannot find scripts/plot_bench.py next to the batchkit binary or in the working "
                    + "directory; set BATCHKIT_PLOT_SCRIPT to its path, or run it yourself on the --json file")
        }
        var input = jsonPath
        var temporary: String?
        if input == nil {
            let path = "/tmp/batchkit-bench-\(getpid()).json"
            try json.write(to: URL(fileURLWithPath: path))
            input = path
            temporary = path
        }
        defer { if let temporary { unlink(temporary) } }
        let status = try spawn(["python3", script, input!, pngPath])
        guard status == 0 else { throw Failure(description: "\(script) exited with status \(status)") }
    }

    /// Why a plot could not be drawn at all (no script, no `python3`), checked before a run; `nil` if it can.
    static func problem() -> String? {
        guard locateScript() != nil else {
            return "cannot find scripts/plot_bench.py next to the batchkit-bench binary or in the working directory; "
                + "set BATCHKIT_PLOT_SCRIPT to its path"
        }
        let path = Console.environment("PATH")
        let found = path.split(separator: ":").contains { access("\($0)/python3", X_OK) == 0 }
        return found ? nil : "python3 is not on PATH; install it or drop --plot and plot the --json file later"
    }

    /// `BATCHKIT_PLOT_SCRIPT`, else `scripts/plot_bench.py` in a directory above the binary (a checkout's
    /// `.build/release/batchkit`) or above the working directory.
    private static func locateScript() -> String? {
        if let path = getenv("BATCHKIT_PLOT_SCRIPT") { return String(cString: path) }
        var starts: [String] = []
        if let executable = realpath("/proc/self/exe", nil) {
            starts.append(String(cString: executable))
            free(executable)
        }
        if let directory = getcwd(nil, 0) {
            starts.append(String(cString: directory) + "/.")
            free(directory)
        }
        for start in starts {
            var directory = start
            while let slash = directory.lastIndex(of: "/"), slash != directory.startIndex {
                directory = String(directory[..<slash])
                let candidate = directory + "/scripts/plot_bench.py"
                if access(candidate, R_OK) == 0 { return candidate }
            }
        }
        return nil
    }

    /// Runs `arguments` (looked up on `PATH`) with this process's standard streams and waits for it.
    private static func spawn(_ arguments: [String]) throws -> Int32 {
        var pid = pid_t()
        let cArguments = arguments.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        let result = posix_spawnp(&pid, arguments[0], nil, nil, cArguments, environ)
        guard result == 0 else {
            throw Failure(description: "cannot run \(arguments[0]): \(String(cString: strerror(result)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS, which Swift does not import.
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}
