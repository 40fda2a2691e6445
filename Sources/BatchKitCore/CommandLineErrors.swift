public import ArgumentParser

/// The release of the package the command lines report with `--version`.
public enum BatchKitVersion {
    /// The version string, as `batchkit --version` prints it (and the server reports).
    public static let current = "0.1.0"
}

extension ParsableCommand {
    /// Parses the command line and runs the chosen command, as `main()` does, except that a bad flag is
    /// reported in **one line** naming it (`batchkit infer: error: --workers must be …`) with exit status
    /// 64, instead of ArgumentParser's message followed by a help excerpt and the usage.
    ///
    /// Help and `--version` print as usual; errors a command handles itself (it prints its line and
    /// throws an `ExitCode`) keep their status.
    public static func mainReportingErrorsInOneLine(_ arguments: [String]? = nil) async {
        let arguments = arguments ?? Array(CommandLine.arguments.dropFirst())
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if error is ExitCode || code == .success { exit(withError: error) }
            if code == .validationFailure {
                let name = configuration.commandName ?? "command"
                let subcommand = configuration.subcommands.first { subcommand in
                    arguments.contains(subcommand.configuration.commandName ?? "")
                }
                let label = [name, subcommand?.configuration.commandName].compactMap { $0 }.joined(separator: " ")
                let message = message(for: error).split(whereSeparator: \.isNewline).joined(separator: " ")
                Console.progress("\(label): error: \(message) (see \(label) --help)")
            }
            exit(withError: code == .validationFailure ? ExitCode.validationFailure : error)
        }
    }
}
