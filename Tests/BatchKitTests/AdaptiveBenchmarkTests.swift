import Testing

@testable import batchkit

/// How the `adaptive` scenario condenses its rounds into one point per setting and load, and the noise
/// figure its verdict quotes.
@Suite struct AdaptiveBenchmarkTests {
    private static func run(p99: Double, cutOff: Int = 0) -> BenchReport.AdaptivePoint {
        BenchReport.AdaptivePoint(
            setting: "greedy", load: 0.8, achievedPerSecond: 1000, p50Milliseconds: p99 / 4, p99Milliseconds: p99,
            meanBatch: 4, cutOff: cutOff)
    }

    @Test func medianKeepsOneStalledRoundFromMovingThePoint() {
        let point = AdaptiveBenchmark.median([2, 46, 3, 2.5, 1].map { Self.run(p99: $0) })
        #expect(point.p99Milliseconds == 2.5)
        #expect(point.p99RangeMilliseconds == [1, 46])
        #expect(point.rounds == 5)
    }

    @Test func halvesAreTheMediansOfAlternateRounds() {
        // Rounds 1, 3, 5 (offsets 0, 2, 4) against rounds 2 and 4.
        let point = AdaptiveBenchmark.median([1, 10, 3, 20, 2].map { Self.run(p99: $0) })
        #expect(point.p99HalvesMilliseconds == [2, 15])
        #expect(AdaptiveBenchmark.median([Self.run(p99: 4)]).p99HalvesMilliseconds.isEmpty)
    }

    @Test func repeatSpreadIsTheMedianHalfRatioOfSettingsThatKeptUp() {
        var points = [[1.0, 2.0], [3.0, 3.3], [4.0, 2.0]].map { halves -> BenchReport.AdaptivePoint in
            var point = Self.run(p99: halves[0])
            point.p99HalvesMilliseconds = halves
            return point
        }
        var overloaded = Self.run(p99: 500, cutOff: 900)
        overloaded.p99HalvesMilliseconds = [100, 900]
        points.append(overloaded)
        let spread = AdaptiveBenchmark.repeatSpread(points)
        #expect(spread.map { abs($0 - 2) < 1e-12 } == true)
        #expect(AdaptiveBenchmark.repeatSpread([Self.run(p99: 1)]) == nil)
    }

    @Test func saturationIsTheMedianRoundWithItsRange() {
        let runs = [19_400.0, 21_500, 21_300].map {
            BenchReport.AdaptiveSaturation(setting: "adaptive", itemsPerSecond: $0, meanBatch: 30, offeredLoad: 1.3)
        }
        let saturated = AdaptiveBenchmark.median(runs)
        #expect(saturated.itemsPerSecond == 21_300)
        #expect(saturated.itemsPerSecondRange == [19_400, 21_500])
        #expect(saturated.rounds == 3)
    }

    @Test func everyRoundRunsEverySettingOnceAfterVaryingNeighbours() {
        let count = 7
        var predecessors = [Set<Int>](repeating: [], count: count)
        for round in 0..<5 {
            let order = AdaptiveBenchmark.order(round: round, count: count)
            #expect(order.sorted() == Array(0..<count))
            for (before, after) in zip(order, order.dropFirst()) { predecessors[after].insert(before) }
        }
        #expect(predecessors.allSatisfy { $0.count >= 2 })
        #expect(AdaptiveBenchmark.order(round: 3, count: count) == AdaptiveBenchmark.order(round: 3, count: count))
    }
}
