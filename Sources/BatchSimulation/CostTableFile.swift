public import FoundationEssentials

/// A JSON file of cost tables: one per model, measured on one machine by `batchkit-bench cost-table`.
public struct CostTableFile: Codable, Sendable, Equatable {
    /// What the machine was: CPU model, cores, OpenBLAS core, as the command saw them.
    public var machine: String
    /// When the tables were measured (ISO 8601).
    public var measuredAt: String
    /// The commit measured, when known.
    public var commit: String?
    /// One table per model.
    public var tables: [CostTable]

    /// A file of tables.
    public init(machine: String, measuredAt: String, commit: String? = nil, tables: [CostTable]) {
        self.machine = machine
        self.measuredAt = measuredAt
        self.commit = commit
        self.tables = tables
    }

    /// The table of `model`, if the file has one.
    public func table(for model: String) -> CostTable? { tables.first { $0.model == model } }

    /// Reads a file written by ``write(to:)``.
    public static func read(from path: String) throws -> CostTableFile {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try decode(data)
    }

    /// Decodes the JSON of a file.
    public static func decode(_ data: Data) throws -> CostTableFile {
        try JSONDecoder().decode(CostTableFile.self, from: data)
    }

    /// The JSON, keys sorted and indented so a checked-in table diffs line by line.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Writes the JSON to `path`.
    public func write(to path: String) throws {
        try encoded().write(to: URL(fileURLWithPath: path))
    }
}
