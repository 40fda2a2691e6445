import BatchKitCore
import BatchProcessing
import DenseKernels
import Locking

/// The compute core's own limit for a processor configuration: `threads` threads each calling
/// `DenseModel.forward` on `batch` rows back to back, as the processor's workers would with no
/// scheduling, packing or hand-off at all.
///
/// This is the denominator of the processor's ratio: the same model, batch size, worker count and BLAS
/// threads, measured right after the processor in the same run so both see the same machine.
enum ParallelKernel {
    /// What one measurement found.
    struct Sample: Sendable {
        /// Rows per second summed over the threads.
        var rowsPerSecond: Double
        /// CPU nanoseconds per row (all threads).
        var cpuNanosecondsPerRow: Double

        /// A pipeline's throughput of `itemsPerSecond` items of `rowsPerItem` rows as a fraction of this.
        func ratio(itemsPerSecond: Double, rowsPerItem: Int) -> Double {
            itemsPerSecond * Double(rowsPerItem) / rowsPerSecond
        }

        /// A pipeline's CPU per item beyond what this kernel spends on the item's rows: its scheduling CPU.
        func cpuBeyondKernel(nanosecondsPerItem: Double, rowsPerItem: Int) -> Double {
            nanosecondsPerItem - Double(rowsPerItem) * cpuNanosecondsPerRow
        }
    }

    /// Rows per second summed over the threads, for `duration` after a short warm-up.
    static func rowsPerSecond(model: DenseModel, batch: Int, threads: Int, duration: Duration) -> Double {
        measure(model: model, batch: batch, threads: threads, duration: duration).rowsPerSecond
    }

    /// Rows per second and CPU time per row, for `duration` after a short warm-up.
    static func measure(model: DenseModel, batch: Int, threads: Int, duration: Duration) -> Sample {
        let gate = StartGate(parties: threads)
        let rows = Locked(0)
        let finished = Locked<ContinuousClock.Instant?>(nil)
        let workers = (0..<threads).map { index in
            WorkerThread(name: "bench-kernel") {
                let input = Slab(rows: batch, columns: model.inputWidth)
                var generator = SplitMix64(seed: UInt64(index + 1))
                for element in input.buffer.indices {
                    input.buffer[element] = Float.random(in: -1...1, using: &generator)
                }
                let output = Slab(rows: batch, columns: model.outputWidth)
                let workspace = DenseWorkspace(
                    model: model, maxRows: batch, smallBatchThreads: DenseModel.servingThreads)
                let inputView = input.view(rows: batch)
                let outputView = output.view(rows: batch)
                // Warm caches and page in the slabs before the clock starts.
                for _ in 0..<3 { model.forward(inputView, into: outputView, workspace: workspace) }
                let clock = ContinuousClock()
                let (_, deadline) = gate.arrive()
                var calls = 0
                while clock.now < deadline {
                    model.forward(inputView, into: outputView, workspace: workspace)
                    calls += 1
                }
                let end = clock.now
                rows.withLock { $0 += calls * batch }
                finished.withLock { $0 = max($0 ?? end, end) }
            }
        }
        gate.waitForAll()
        let cpuBefore = ProcessCPU.seconds()
        let start = gate.open(for: duration)
        for worker in workers { worker.join() }
        let cpu = ProcessCPU.seconds() - cpuBefore
        let end = finished.withLock { $0 }!
        let total = Double(rows.withLock { $0 })
        return Sample(rowsPerSecond: total / (end - start).inSeconds, cpuNanosecondsPerRow: cpu / total * 1e9)
    }
}
