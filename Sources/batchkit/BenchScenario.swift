/// A benchmark scenario `batchkit bench --scenarios` can run; later scenarios add cases here.
enum BenchScenario: String, CaseIterable, Sendable {
    /// `DenseModel.forward` and `forwardSingleRow` called directly: the compute core's ceiling.
    case kernel

    /// Parses a comma-separated list such as `kernel,serving`, keeping order and dropping repeats.
    static func parseList(_ text: String) throws(BenchOptionError) -> [BenchScenario] {
        var result: [BenchScenario] = []
        for name in CommaList.split(text) {
            guard let scenario = BenchScenario(rawValue: name) else {
                throw .unknownScenario(name, known: allCases.map(\.rawValue))
            }
            if !result.contains(scenario) { result.append(scenario) }
        }
        guard !result.isEmpty else { throw .emptyList("--scenarios") }
        return result
    }
}
