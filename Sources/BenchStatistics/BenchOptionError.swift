/// An invalid `batchkit-bench` option, reported with the values that would have been accepted.
public enum BenchOptionError: Error, CustomStringConvertible {
    case unknownScenario(String, known: [String])
    case unknownModel(String, known: [String])
    case emptyList(String)

    /// The message naming the bad value and the accepted ones.
    public var description: String {
        switch self {
        case .unknownScenario(let name, let known):
            return "unknown scenario '\(name)'; choose from \(known.joined(separator: ", "))"
        case .unknownModel(let name, let known):
            return "unknown model '\(name)'; choose from \(known.joined(separator: ", "))"
        case .emptyList(let option):
            return "\(option) names nothing; give a comma-separated list"
        }
    }
}
