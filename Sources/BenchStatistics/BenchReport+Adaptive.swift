extension BenchReport {
    /// One setting at one load level of the `adaptive` scenario.
    public struct AdaptivePoint: Codable, Sendable {
        /// `adaptive`, `greedy` or `fixed-N` (initial and maximum batch size `N`).
        public var setting: String
        /// The offered rate as a fraction of the capacity the `processor` scenario measured.
        public var load: Double
        /// Results per second delivered (median over the rounds).
        public var achievedPerSecond: Double
        /// Median latency from the scheduled arrival, in milliseconds.
        public var p50Milliseconds: Double
        /// 99th-percentile latency from the scheduled arrival, in milliseconds (median over the rounds).
        public var p99Milliseconds: Double
        /// Mean rows per batch formed at this load.
        public var meanBatch: Double
        /// Items still unfinished when the point was cut off (the setting could not keep up); their
        /// latency counts up to the cut-off, so p99 is then a lower bound. The most of any round.
        public var cutOff: Int
        /// The lowest and highest p99 over the rounds (the other figures are medians over them).
        public var p99RangeMilliseconds: [Double] = []
        /// The median p99 of the odd-numbered rounds and of the even-numbered ones (with two rounds or
        /// more): two independent measurements of the same setting, so their ratio shows how far this
        /// machine's noise alone moves a p99 measured from half as many rounds.
        public var p99HalvesMilliseconds: [Double] = []
        /// Every round's p99, in the order the rounds ran: what the verdict's interval is resampled from,
        /// and what lets several runs be pooled later (`nil` in reports written before it existed).
        public var p99RoundsMilliseconds: [Double]?
        /// Interleaved runs this point is made of: fewer than the scenario's rounds when the setting fell
        /// behind (was cut off) in an earlier round, as measuring an overloaded setting again says nothing new.
        public var rounds = 1
        /// Hypervisor steal during the kept runs, in percent of CPU time (the highest of them).
        public var stealPercent: Double?
        /// Runs measured again because the hypervisor stole more than the bench's steal limit (5 %).
        public var reruns = 0
        /// CPU time of the whole process (generator and collector included) per completed item, in
        /// microseconds: what a setting costs beyond latency. Median over the rounds.
        public var cpuMicrosecondsPerItem: Double?

        enum CodingKeys: String, CodingKey {
            case setting
            case load
            case achievedPerSecond = "achieved_per_s"
            case p50Milliseconds = "p50_ms"
            case p99Milliseconds = "p99_ms"
            case meanBatch = "mean_batch"
            case cutOff = "cut_off"
            case p99RangeMilliseconds = "p99_range_ms"
            case p99HalvesMilliseconds = "p99_halves_ms"
            case p99RoundsMilliseconds = "p99_rounds_ms"
            case rounds
            case stealPercent = "steal_percent"
            case reruns
            case cpuMicrosecondsPerItem = "cpu_us_per_item"
        }

        /// Creates the adaptive point from each of its figures.
        public init(
            setting: String,
            load: Double,
            achievedPerSecond: Double,
            p50Milliseconds: Double,
            p99Milliseconds: Double,
            meanBatch: Double,
            cutOff: Int,
            p99RangeMilliseconds: [Double] = [],
            p99HalvesMilliseconds: [Double] = [],
            p99RoundsMilliseconds: [Double]? = nil,
            rounds: Int = 1,
            stealPercent: Double? = nil,
            reruns: Int = 0,
            cpuMicrosecondsPerItem: Double? = nil
        ) {
            self.setting = setting
            self.load = load
            self.achievedPerSecond = achievedPerSecond
            self.p50Milliseconds = p50Milliseconds
            self.p99Milliseconds = p99Milliseconds
            self.meanBatch = meanBatch
            self.cutOff = cutOff
            self.p99RangeMilliseconds = p99RangeMilliseconds
            self.p99HalvesMilliseconds = p99HalvesMilliseconds
            self.p99RoundsMilliseconds = p99RoundsMilliseconds
            self.rounds = rounds
            self.stealPercent = stealPercent
            self.reruns = reruns
            self.cpuMicrosecondsPerItem = cpuMicrosecondsPerItem
        }
    }

    /// One setting's saturated throughput: items per second completed while more is offered than it serves.
    public struct AdaptiveSaturation: Codable, Sendable {
        /// `adaptive`, `greedy` or `fixed-N`.
        public var setting: String
        /// Medians over the rounds.
        public var itemsPerSecond: Double
        /// Mean rows per batch formed.
        public var meanBatch: Double
        /// The offered load, as a fraction of capacity.
        public var offeredLoad: Double
        /// The lowest and highest throughput of a round.
        public var itemsPerSecondRange: [Double] = []
        /// Interleaved runs (every setting once per round, in an order shuffled afresh each round).
        public var rounds = 1

        enum CodingKeys: String, CodingKey {
            case setting
            case itemsPerSecond = "items_per_s"
            case meanBatch = "mean_batch"
            case offeredLoad = "offered_load"
            case itemsPerSecondRange = "items_per_s_range"
            case rounds
        }

        /// Creates the adaptive saturation from each of its figures.
        public init(
            setting: String,
            itemsPerSecond: Double,
            meanBatch: Double,
            offeredLoad: Double,
            itemsPerSecondRange: [Double] = [],
            rounds: Int = 1
        ) {
            self.setting = setting
            self.itemsPerSecond = itemsPerSecond
            self.meanBatch = meanBatch
            self.offeredLoad = offeredLoad
            self.itemsPerSecondRange = itemsPerSecondRange
            self.rounds = rounds
        }
    }

    /// The load step of the `adaptive` scenario.
    public struct AdaptiveStep: Codable, Sendable {
        /// Loads before and after the step, as fractions of capacity.
        public var loadBefore: Double
        /// The load after the step, as a fraction of capacity.
        public var loadAfter: Double
        /// Milliseconds from the step until the controller's target stays within 10 % of its final value;
        /// `nil` when it had not settled by the end of the run.
        public var settleMilliseconds: Double?
        /// The same within 25 % of the final value: a target computed from a measured rate and measured
        /// costs moves with their noise, by more than 10 % where it is steep in them.
        public var settleWithin25PercentMilliseconds: Double?
        /// p99 of the items scheduled before the step, and of those scheduled after it (the transient
        /// included).
        public var p99BeforeMilliseconds: Double
        /// p99 of the items scheduled after the step, in milliseconds.
        public var p99AfterMilliseconds: Double
        /// The target before the step (median of the last 100 ms) and the final one.
        public var targetBefore: Int
        /// The controller's final target.
        public var targetAfter: Int
        /// The target every sample interval: `[milliseconds since the step, target]`.
        public var trace: [[Double]]

        enum CodingKeys: String, CodingKey {
            case loadBefore = "load_before"
            case loadAfter = "load_after"
            case settleMilliseconds = "settle_ms"
            case settleWithin25PercentMilliseconds = "settle_25_ms"
            case p99BeforeMilliseconds = "p99_before_ms"
            case p99AfterMilliseconds = "p99_after_ms"
            case targetBefore = "target_before"
            case targetAfter = "target_after"
            case trace
        }

        /// Creates the adaptive step from each of its figures.
        public init(
            loadBefore: Double,
            loadAfter: Double,
            settleMilliseconds: Double? = nil,
            settleWithin25PercentMilliseconds: Double? = nil,
            p99BeforeMilliseconds: Double,
            p99AfterMilliseconds: Double,
            targetBefore: Int,
            targetAfter: Int,
            trace: [[Double]]
        ) {
            self.loadBefore = loadBefore
            self.loadAfter = loadAfter
            self.settleMilliseconds = settleMilliseconds
            self.settleWithin25PercentMilliseconds = settleWithin25PercentMilliseconds
            self.p99BeforeMilliseconds = p99BeforeMilliseconds
            self.p99AfterMilliseconds = p99AfterMilliseconds
            self.targetBefore = targetBefore
            self.targetAfter = targetAfter
            self.trace = trace
        }
    }

    /// The `adaptive` scenario for one model.
    public struct Adaptive: Sendable {
        /// Every setting at every load: the medians of its rounds.
        public var points: [AdaptivePoint]
        /// Every setting's saturated throughput.
        public var saturation: [AdaptiveSaturation]
        /// Adaptive under the 20 → 90 % load step.
        public var step: AdaptiveStep
        /// Adaptive against the best fixed setting, per load.
        public var verdicts: [AdaptiveVerdict]

        /// Creates the adaptive from each of its figures.
        public init(
            points: [AdaptivePoint],
            saturation: [AdaptiveSaturation],
            step: AdaptiveStep,
            verdicts: [AdaptiveVerdict]
        ) {
            self.points = points
            self.saturation = saturation
            self.step = step
            self.verdicts = verdicts
        }
    }
}
