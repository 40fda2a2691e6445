import BenchStatistics
import FoundationEssentials
import Testing

/// How the `adaptive` scenario condenses its rounds into one point per setting and load, judges adaptive
/// against the best fixed setting with a bootstrap interval, pools the rounds of several reports, and
/// judges each report on its own beside the pooled verdict.
@Suite struct AdaptiveStatisticsTests {
    private static func run(p99: Double, cutOff: Int = 0) -> BenchReport.AdaptivePoint {
        BenchReport.AdaptivePoint(
            setting: "greedy", load: 0.8, achievedPerSecond: 1000, p50Milliseconds: p99 / 4, p99Milliseconds: p99,
            meanBatch: 4, cutOff: cutOff)
    }

    @Test func medianKeepsOneStalledRoundFromMovingThePoint() {
        let point = AdaptiveStatistics.median([2, 46, 3, 2.5, 1].map { Self.run(p99: $0) })
        #expect(point.p99Milliseconds == 2.5)
        #expect(point.p99RangeMilliseconds == [1, 46])
        #expect(point.p99RoundsMilliseconds == [2, 46, 3, 2.5, 1])
        #expect(point.rounds == 5)
    }

    @Test func halvesAreTheMediansOfAlternateRounds() {
        // Rounds 1, 3, 5 (offsets 0, 2, 4) against rounds 2 and 4.
        let point = AdaptiveStatistics.median([1, 10, 3, 20, 2].map { Self.run(p99: $0) })
        #expect(point.p99HalvesMilliseconds == [2, 15])
        #expect(AdaptiveStatistics.median([Self.run(p99: 4)]).p99HalvesMilliseconds.isEmpty)
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
        let spread = AdaptiveStatistics.repeatSpread(points)
        #expect(spread.map { abs($0 - 2) < 1e-12 } == true)
        #expect(AdaptiveStatistics.repeatSpread([Self.run(p99: 1)]) == nil)
    }

    @Test func saturationIsTheMedianRoundWithItsRange() {
        let runs = [19_400.0, 21_500, 21_300].map {
            BenchReport.AdaptiveSaturation(setting: "adaptive", itemsPerSecond: $0, meanBatch: 30, offeredLoad: 1.3)
        }
        let saturated = AdaptiveStatistics.median(runs)
        #expect(saturated.itemsPerSecond == 21_300)
        #expect(saturated.itemsPerSecondRange == [19_400, 21_500])
        #expect(saturated.rounds == 3)
    }

    @Test func everyRoundRunsEverySettingOnceAfterVaryingNeighbours() {
        let count = 7
        var predecessors = [Set<Int>](repeating: [], count: count)
        for round in 0..<5 {
            let order = AdaptiveStatistics.order(round: round, count: count)
            #expect(order.sorted() == Array(0..<count))
            for (before, after) in zip(order, order.dropFirst()) { predecessors[after].insert(before) }
        }
        #expect(predecessors.allSatisfy { $0.count >= 2 })
        #expect(AdaptiveStatistics.order(round: 3, count: count) == AdaptiveStatistics.order(round: 3, count: count))
    }

    /// One setting at load 0.8 made of rounds with these p99s.
    private static func point(_ setting: String, _ rounds: [Double]) -> BenchReport.AdaptivePoint {
        var point = AdaptiveStatistics.median(rounds.map { Self.run(p99: $0) })
        point.setting = setting
        return point
    }

    @Test func verdictIsMetOrMissedWhenEveryResampleAgrees() throws {
        let fixed = [Self.point("fixed-8", [2, 2.1, 1.9, 2.2, 2]), Self.point("fixed-32", [3, 3.2, 2.9, 3.1, 3])]
        let ahead = try #require(
            AdaptiveStatistics.verdicts(fixed + [Self.point("adaptive", [1, 1.1, 0.9, 1, 1.05])]).first)
        #expect(ahead.outcome == .met)
        #expect(ahead.bestFixed == "fixed-8")
        #expect(ahead.ratio == 0.5)
        #expect(ahead.ratioInterval[0] <= 0.5 && 0.5 <= ahead.ratioInterval[1] && ahead.ratioInterval[1] < 0.6)
        let behind = try #require(
            AdaptiveStatistics.verdicts(fixed + [Self.point("adaptive", [3, 3.1, 2.9, 3.2, 3])]).first)
        #expect(behind.outcome == .missed)
        #expect(behind.ratioInterval[0] > 1.1)
    }

    @Test func verdictIsUnresolvedWhenTheNoiseSpansTheTarget() throws {
        // Same spread of rounds, medians 1.0 and 1.05 ms: a 10 % target cannot be told from seven rounds each.
        let verdict = try #require(
            AdaptiveStatistics.verdicts([
                Self.point("fixed-8", [0.6, 3, 1, 2.5, 0.7, 1.8, 0.9]),
                Self.point("adaptive", [0.7, 2.8, 1.05, 0.6, 2.6, 1.9, 0.8]),
            ]).first)
        #expect(verdict.outcome == .unresolved)
        #expect(verdict.ratioInterval[0] < 1.1 && verdict.ratioInterval[1] > 1.1)
        #expect(abs(verdict.ratio - 1.05) < 1e-12)
    }

    @Test func verdictPicksTheBestFixedSettingAfreshInEachResample() throws {
        // A second fixed setting as noisy as the first lowers what "the best fixed setting" means in
        // resamples where it is luckier, so the interval moves up: the point estimate's luck is priced in.
        let noisy = [1.0, 2, 1.2, 1.8, 1.5, 1.1, 1.9]
        let adaptive = Self.point("adaptive", noisy)
        let one = try #require(AdaptiveStatistics.verdicts([Self.point("fixed-8", noisy), adaptive]).first)
        let two = try #require(
            AdaptiveStatistics.verdicts([Self.point("fixed-8", noisy), Self.point("fixed-32", noisy), adaptive]).first)
        #expect(two.ratioInterval[1] > one.ratioInterval[1])
        #expect(two.ratioInterval[0] > one.ratioInterval[0])
        #expect(
            AdaptiveStatistics.verdicts([Self.point("fixed-8", noisy), adaptive]).first?.ratioInterval
                == one.ratioInterval)
    }

    /// One report's adaptive scenario at load 0.8: these settings' rounds, each setting saturating at
    /// `saturated` items/s.
    private static func report(_ rounds: [String: [Double]], saturated: Double = 1000) -> BenchReport.Adaptive {
        let points = rounds.keys.sorted().map { Self.point($0, rounds[$0]!) }
        let saturation = rounds.keys.sorted().map {
            BenchReport.AdaptiveSaturation(
                setting: $0, itemsPerSecond: saturated, meanBatch: 8, offeredLoad: 1.3,
                itemsPerSecondRange: [saturated, saturated])
        }
        let step = BenchReport.AdaptiveStep(
            loadBefore: 0.2, loadAfter: 0.9, p99BeforeMilliseconds: 1, p99AfterMilliseconds: 2, targetBefore: 1,
            targetAfter: 1, trace: [])
        return BenchReport.Adaptive(
            points: points, saturation: saturation, step: step, verdicts: AdaptiveStatistics.verdicts(points))
    }

    @Test func poolingJudgesEveryReportsRoundsTogether() throws {
        let first = Self.report(["adaptive": [1.2, 0.9, 1.4], "fixed-8": [1, 1.1, 0.95]], saturated: 900)
        let second = Self.report(["adaptive": [1, 0.8, 1.1, 0.9], "fixed-8": [1.3, 1.2, 1.25, 1.4]], saturated: 1100)
        let pooled = try AdaptiveStatistics.pooled([first, second], model: "m")
        let adaptive = try #require(pooled.points.first { $0.setting == "adaptive" })
        #expect(adaptive.p99RoundsMilliseconds == [1.2, 0.9, 1.4, 1, 0.8, 1.1, 0.9])
        #expect(adaptive.rounds == 7)
        #expect(adaptive.p99Milliseconds == 1)
        let fixed = try #require(pooled.points.first { $0.setting == "fixed-8" })
        #expect(fixed.p99Milliseconds == 1.2)
        #expect(pooled.verdicts == AdaptiveStatistics.verdicts(pooled.points))
        #expect(pooled.verdicts.first.map { abs($0.ratio - 1 / 1.2) < 1e-12 } == true)
        let saturated = try #require(pooled.saturation.first { $0.setting == "adaptive" })
        #expect(saturated.itemsPerSecond == 1000)
        #expect(saturated.itemsPerSecondRange == [900, 1100])
    }

    @Test func poolingOneReportGivesItsOwnVerdicts() throws {
        let report = Self.report(["adaptive": [1, 3, 1.2, 2.5, 0.9], "fixed-8": [1.1, 2, 0.8, 3, 1.3]])
        #expect(try AdaptiveStatistics.pooled([report], model: "m").verdicts == report.verdicts)
    }

    @Test func poolingRefusesAReportWithoutRounds() throws {
        var old = Self.report(["adaptive": [1, 2], "fixed-8": [1, 2]])
        old.points[0].p99RoundsMilliseconds = nil
        #expect(throws: AdaptiveStatistics.PoolError.self) {
            try AdaptiveStatistics.pooled([Self.report(["adaptive": [1], "fixed-8": [1]]), old], model: "m")
        }
    }

    @Test func eachReportIsJudgedOnItsOwnInTheOrderGiven() {
        var behind = Self.report(["adaptive": [2, 2, 2], "fixed-8": [1, 1, 1]], saturated: 1000)
        behind.saturation[0].itemsPerSecond = 940
        var ahead = Self.report(["adaptive": [1, 1, 1], "fixed-8": [2, 2, 2]])
        ahead.step.settleMilliseconds = 12
        #expect(
            AdaptiveStatistics.eachReport([behind, ahead])
                == "80 %: 2.00 0.50 (met in 1, missed in 1 of 2); saturated 94–100 % of the best fixed setting; "
                + "step settled within 1 s in 1 of 2 (the slowest that settled: 12 ms)")
    }

    @Test func reportsWrittenBeforeRoundsWereKeptStillDecode() throws {
        let json = """
            {"setting": "adaptive", "load": 0.5, "achieved_per_s": 10, "p50_ms": 1, "p99_ms": 2, "mean_batch": 3,
             "cut_off": 0, "p99_range_ms": [1, 3], "p99_halves_ms": [2, 2], "rounds": 2, "reruns": 0}
            """
        let point = try JSONDecoder().decode(BenchReport.AdaptivePoint.self, from: Data(json.utf8))
        #expect(point.p99RoundsMilliseconds == nil)
        #expect(point.p99Milliseconds == 2)
    }
}
