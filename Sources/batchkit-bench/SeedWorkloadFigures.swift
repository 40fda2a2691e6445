import BenchStatistics

/// What a line of the `seed-workload` table shows, for the processor and for its bare pipeline alike.
protocol SeedWorkloadFigures {
    var itemsPerSecond: Double { get }
    var itemsPerSecondMin: Double { get }
    var itemsPerSecondMax: Double { get }
    var meanBatch: Double { get }
    var kernelRowsPerSecond: Double { get }
    var ratioToKernel: Double { get }
    var ratioToKernelMin: Double { get }
    var ratioToKernelMax: Double { get }
    var p50Milliseconds: Double { get }
    var p99Milliseconds: Double { get }
}

extension BenchReport.SeedWorkload: SeedWorkloadFigures {}
extension BenchReport.SeedWorkloadFloor: SeedWorkloadFigures {}
