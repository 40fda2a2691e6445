public import BatchProcessing
public import DenseBatching
public import DenseKernels
public import Logging

/// One model the server answers for: its name, its weights and the processor that batches its requests.
public struct ServedModel: Sendable {
    /// The name clients use in `/v2/models/{name}`.
    public let name: String
    /// The model computed by ``processor``.
    public let model: DenseModel
    /// Batches every request for this model; started by ``InferenceServer/warmUp()``.
    public let processor: BatchProcessor<[Float], [Float]>
    /// How ``processor`` runs ``model``: OpenBLAS's threads and the non-finite input policy.
    public let options: DenseOptions

    /// The only version served; the protocol's routes with `/versions/{v}` must name it.
    public static let version = "1"
    /// The input tensor's name in the model metadata.
    public static let inputName = "input"
    /// The output tensor's name in the model metadata.
    public static let outputName = "output"

    /// Wraps `model` with a processor made from `configuration` (not started yet).
    ///
    /// - Throws: the first invalid field of `configuration` or `options`.
    public init(
        name: String,
        model: DenseModel,
        configuration: BatchProcessorConfiguration,
        options: DenseOptions = .init(),
        logger: Logger
    ) throws(ConfigurationError) {
        try options.validate()
        self.name = name
        self.model = model
        self.options = options
        var configuration = configuration
        // Requests carry their own priority, so the queue must order by it.
        configuration.queue.prioritized = true
        // The model's name goes into the instrument names; ServerMetrics turns it back into a label.
        configuration.monitoring.metricsLabel = ServerMetrics.processorLabel(model: name)
        self.processor = try BatchProcessor(configuration: configuration, logger: logger)
    }
}
