extension BenchReport {
    /// Adaptive's p99 against the best fixed setting's at one load, and whether the rounds measured are
    /// enough to tell it from the target.
    public struct AdaptiveVerdict: Codable, Sendable, Equatable {
        /// Whether adaptive's p99 is within the target of the best fixed setting's.
        public enum Outcome: String, Codable, Sendable {
            /// The whole interval is within the target.
            case met
            /// The whole interval is beyond the target.
            case missed
            /// The interval spans the target: this machine's noise hides the answer; more rounds may tell.
            case unresolved
        }

        /// The offered load, as a fraction of capacity.
        public var load: Double
        /// The fixed setting with the lowest median p99 at this load.
        public var bestFixed: String
        /// Adaptive's median p99 over the best fixed setting's.
        public var ratio: Double
        /// The 5th and 95th percentiles of the ratio over resamples of the rounds (a bootstrap, with the
        /// best fixed setting chosen afresh in each resample).
        public var ratioInterval: [Double]
        /// Met, missed, or unresolved by the interval.
        public var outcome: Outcome

        enum CodingKeys: String, CodingKey {
            case load
            case bestFixed = "best_fixed"
            case ratio
            case ratioInterval = "ratio_interval"
            case outcome
        }
    }
}
