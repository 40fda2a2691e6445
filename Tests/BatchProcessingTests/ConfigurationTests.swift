import BatchProcessing
import Testing

@Suite struct ConfigurationTests {
    @Test func defaultsAreTheOriginalModulesDefaults() throws {
        let configuration = BatchProcessorConfiguration()
        try configuration.validate()
        #expect(configuration.batching.initialSize == 32)
        #expect(configuration.batching.minSize == 1)
        #expect(configuration.batching.maxSize == 128)
        #expect(configuration.batching.timeout == .milliseconds(100))
        #expect(configuration.batching.itemTimeout == .seconds(30))
        #expect(configuration.queue.capacity == 1000)
        #expect(configuration.queue.prioritized == false)
        #expect(configuration.workers.count == 4)
        #expect(configuration.batching.minInterval == .zero)
        #expect(configuration.memory.maxBatchMB == nil)
        #expect(configuration.memory.trimsUnderPressure == true)
        #expect(configuration.memory.warningPercent == 80)
        #expect(configuration.memory.criticalPercent == 90)
        #expect(configuration.batching.strategy == .adaptive)
        #expect(configuration.failures.shrinksBatches == true)
        #expect(configuration.monitoring.statistics == true)
        #expect(configuration.monitoring.window == 1000)
        #expect(configuration.health.enabled == true)
        #expect(configuration.health.checkInterval == .seconds(30))
        #expect(configuration.health.queueWarning == 500)
        #expect(configuration.health.queueCritical == 800)
        #expect(configuration.failures.maxRetries == 3)
        #expect(configuration.failures.retryDelay == .seconds(1))
    }

    @Test func presetsAreValidAndCarryTheirValues() throws {
        try BatchProcessorConfiguration.highThroughput.validate()
        try BatchProcessorConfiguration.lowLatency.validate()
        try BatchProcessorConfiguration.memoryConstrained.validate()
        #expect(BatchProcessorConfiguration.highThroughput.batching.maxSize == 512)
        #expect(BatchProcessorConfiguration.lowLatency.batching.timeout == .milliseconds(10))
        #expect(BatchProcessorConfiguration.memoryConstrained.memory.maxBatchMB == 256)
    }

    static let invalid: [(String, @Sendable (inout BatchProcessorConfiguration) -> Void)] = [
        ("batching.minSize", { $0.batching.minSize = 0 }),
        (
            "batching.maxSize",
            {
                $0.batching.minSize = 8; $0.batching.maxSize = 4; $0.batching.initialSize = 4
            }
        ),
        ("batching.initialSize", { $0.batching.initialSize = 129 }),
        (
            "batching.initialSize",
            {
                $0.batching.minSize = 4; $0.batching.initialSize = 2
            }
        ),
        ("batching.timeout", { $0.batching.timeout = .milliseconds(-1) }),
        ("batching.itemTimeout", { $0.batching.itemTimeout = .seconds(-1) }),
        ("queue.capacity", { $0.queue.capacity = 0 }),
        ("workers.count", { $0.workers.count = 0 }),
        ("workers.count", { $0.workers.count = 10_000 }),
        ("batching.minInterval", { $0.batching.minInterval = .milliseconds(-1) }),
        ("queue.agingLimit", { $0.queue.agingLimit = .zero }),
        ("memory.maxBatchMB", { $0.memory.maxBatchMB = 0 }),
        ("memory.warningPercent", { $0.memory.warningPercent = -1 }),
        ("memory.criticalPercent", { $0.memory.criticalPercent = 101 }),
        ("memory.warningPercent", { $0.memory.warningPercent = 95 }),
        ("monitoring.window", { $0.monitoring.window = 0 }),
        ("health.checkInterval", { $0.health.checkInterval = .zero }),
        ("health.queueWarning", { $0.health.queueWarning = 0 }),
        ("health.queueWarning", { $0.health.queueWarning = 900 }),
        ("failures.maxRetries", { $0.failures.maxRetries = -1 }),
        ("failures.retryDelay", { $0.failures.retryDelay = .seconds(-1) }),
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
        try BatchProcessorConfiguration { $0.batching.timeout = .zero }.validate()
    }

    @Test func prioritiesParseAndOrder() {
        #expect(BatchPriority(name: "HIGH") == .high)
        #expect(BatchPriority(name: "urgent") == nil)
        #expect(BatchPriority.allCases.sorted() == [.critical, .high, .normal, .low, .background])
    }
}
