import BatchProcessing
import Testing

@Suite struct ConfigurationTests {
    @Test func defaultsAreTheOriginalModulesDefaults() throws {
        let configuration = BatchProcessorConfiguration()
        try configuration.validate()
        #expect(configuration.initialBatchSize == 32)
        #expect(configuration.minBatchSize == 1)
        #expect(configuration.maxBatchSize == 128)
        #expect(configuration.batchTimeout == .milliseconds(100))
        #expect(configuration.itemTimeout == .seconds(30))
        #expect(configuration.maxQueueSize == 1000)
        #expect(configuration.enablePriorityQueue == false)
        #expect(configuration.maxWorkers == 4)
        #expect(configuration.minBatchInterval == .zero)
        #expect(configuration.maxBatchMemoryMB == nil)
        #expect(configuration.enableMemoryOptimization == true)
        #expect(configuration.gcBatchThreshold == 100)
        #expect(configuration.memoryWarningThreshold == 80)
        #expect(configuration.memoryCriticalThreshold == 90)
        #expect(configuration.enableAdaptiveBatching == true)
        #expect(configuration.processingStrategy == .adaptive)
        #expect(configuration.reduceBatchOnFailure == true)
        #expect(configuration.enableMonitoring == true)
        #expect(configuration.monitoringWindow == 1000)
        #expect(configuration.enableHealthMonitoring == true)
        #expect(configuration.healthCheckInterval == .seconds(30))
        #expect(configuration.queueWarningThreshold == 500)
        #expect(configuration.queueCriticalThreshold == 800)
        #expect(configuration.maxRetries == 3)
        #expect(configuration.retryDelay == .seconds(1))
        #expect(configuration.debugMode == false)
    }

    @Test func presetsAreValidAndCarryTheirValues() throws {
        try BatchProcessorConfiguration.highThroughput.validate()
        try BatchProcessorConfiguration.lowLatency.validate()
        try BatchProcessorConfiguration.memoryConstrained.validate()
        #expect(BatchProcessorConfiguration.highThroughput.maxBatchSize == 512)
        #expect(BatchProcessorConfiguration.lowLatency.batchTimeout == .milliseconds(10))
        #expect(BatchProcessorConfiguration.memoryConstrained.maxBatchMemoryMB == 256)
    }

    static let invalid: [(String, @Sendable (inout BatchProcessorConfiguration) -> Void)] = [
        ("minBatchSize", { $0.minBatchSize = 0 }),
        (
            "maxBatchSize",
            {
                $0.minBatchSize = 8; $0.maxBatchSize = 4; $0.initialBatchSize = 4
            }
        ),
        ("initialBatchSize", { $0.initialBatchSize = 129 }),
        (
            "initialBatchSize",
            {
                $0.minBatchSize = 4; $0.initialBatchSize = 2
            }
        ),
        ("batchTimeout", { $0.batchTimeout = .milliseconds(-1) }),
        ("itemTimeout", { $0.itemTimeout = .seconds(-1) }),
        ("maxQueueSize", { $0.maxQueueSize = 0 }),
        ("maxWorkers", { $0.maxWorkers = 0 }),
        ("maxWorkers", { $0.maxWorkers = 10_000 }),
        ("minBatchInterval", { $0.minBatchInterval = .milliseconds(-1) }),
        ("agingLimit", { $0.agingLimit = .zero }),
        ("maxBatchMemoryMB", { $0.maxBatchMemoryMB = 0 }),
        ("gcBatchThreshold", { $0.gcBatchThreshold = 0 }),
        ("memoryWarningThreshold", { $0.memoryWarningThreshold = -1 }),
        ("memoryCriticalThreshold", { $0.memoryCriticalThreshold = 101 }),
        ("memoryWarningThreshold", { $0.memoryWarningThreshold = 95 }),
        ("monitoringWindow", { $0.monitoringWindow = 0 }),
        ("healthCheckInterval", { $0.healthCheckInterval = .zero }),
        ("queueWarningThreshold", { $0.queueWarningThreshold = 0 }),
        ("queueWarningThreshold", { $0.queueWarningThreshold = 900 }),
        ("maxRetries", { $0.maxRetries = -1 }),
        ("retryDelay", { $0.retryDelay = .seconds(-1) }),
        ("blasThreading", { $0.blasThreading = .threads(0) }),
    ]

    @Test(arguments: 0..<invalid.count)
    func invalidValuesAreRejectedNamingTheField(index: Int) {
        let (field, change) = Self.invalid[index]
        var configuration = BatchProcessorConfiguration()
        change(&configuration)
        #expect {
            try configuration.validate()
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            return error.field == field && !error.rule.isEmpty && error.description.contains(field)
        }
        #expect(throws: ConfigurationError.self) { _ = try BatchProcessor<Int, Int>(configuration: configuration) }
    }

    @Test func zeroBatchTimeoutIsValidAndMeansNeverWait() throws {
        try BatchProcessorConfiguration { $0.batchTimeout = .zero }.validate()
    }

    @Test func prioritiesParseAndOrder() {
        #expect(BatchPriority(name: "HIGH") == .high)
        #expect(BatchPriority(name: "urgent") == nil)
        #expect(BatchPriority.allCases.sorted() == [.critical, .high, .normal, .low, .background])
    }
}
