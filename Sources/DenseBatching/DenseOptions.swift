public import BatchProcessing

/// How a processor runs a dense model: OpenBLAS's threads, and what it does with non-finite inputs.
///
/// Kept apart from `BatchProcessorConfiguration`, which describes the scheduler
/// alone: nothing in it knows BLAS.
///
/// ```swift
/// try processor.start(model: model, options: .init { $0.nonFiniteInputs = .reject })
/// ```
public struct DenseOptions: Sendable, Equatable {
    /// How many threads OpenBLAS uses while the processor runs.
    public var blasThreading: BLASThreading = .perWorker
    /// What the processor does with NaN or infinite inputs.
    public var nonFiniteInputs: NonFinitePolicy = .propagate

    /// The defaults, changed by `configure`.
    public init(_ configure: (inout DenseOptions) -> Void = { _ in }) {
        configure(&self)
    }

    /// Refuses values the processor cannot honour.
    ///
    /// - Throws: a `ConfigurationError` naming the field.
    public func validate() throws(ConfigurationError) {
        if case .threads(let count) = blasThreading, count < 1 {
            throw ConfigurationError(field: "blasThreading", rule: "must use at least 1 thread (got \(count))")
        }
    }
}
