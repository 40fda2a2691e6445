/// A configuration value, or combination of values, that the processor cannot run with.
public struct ConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The offending field, as named in ``BatchProcessorConfiguration``.
    public let field: String
    /// The rule it breaks, with the value it has.
    public let rule: String

    /// Creates an error for `field` breaking `rule`.
    public init(field: String, rule: String) {
        self.field = field
        self.rule = rule
    }

    /// The field and the rule it breaks, in one line.
    public var description: String { "invalid configuration: \(field) \(rule)" }
}
