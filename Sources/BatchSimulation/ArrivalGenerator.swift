/// Draws the arrival times of an ``ArrivalProcess`` one after another, exactly: within a level the gaps
/// are exponential, and a gap crossing a level change is drawn afresh from the change (the process is
/// memoryless, so this is the piecewise-constant-rate Poisson process itself, not an approximation).
struct ArrivalGenerator {
    private let process: ArrivalProcess
    private var random: SimulationRandom
    private var time = 0.0
    private var level = 0
    private var rate: Double
    private var nextChange: Double

    init(_ process: ArrivalProcess, random: SimulationRandom) {
        self.process = process
        self.random = random
        switch process {
        case .poisson(let rate):
            self.rate = rate
            nextChange = .infinity
        case .modulated(let rates, let means):
            rate = rates.first ?? 0
            nextChange = self.random.exponential(mean: means.first ?? .infinity)
        case .step(let from, _, let at):
            rate = from
            nextChange = at
        }
    }

    /// The next arrival, in seconds from the start.
    mutating func next() -> Double {
        while true {
            if rate > 0 {
                let gap = random.exponential(mean: 1 / rate)
                if time + gap < nextChange {
                    time += gap
                    return time
                }
            }
            guard nextChange.isFinite else { return .infinity }
            time = nextChange
            changeLevel()
        }
    }

    private mutating func changeLevel() {
        switch process {
        case .poisson:
            nextChange = .infinity
        case .modulated(let rates, let means):
            level = (level + 1) % max(rates.count, 1)
            rate = rates[level]
            nextChange = time + random.exponential(mean: means[level])
        case .step(_, let to, _):
            rate = to
            nextChange = .infinity
        }
    }
}
