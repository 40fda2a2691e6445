import DenseKernels
import Foundation
import MallocInterposerSwift
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Counts the heap allocations one thread makes, through malloc-interposer's per-allocation hook.
///
/// The interposer's own totals sum every thread, and Swift Testing runs other suites in parallel, so
/// the hook keeps only allocations made by the measuring thread. Allocations made by OpenBLAS's
/// worker threads are therefore not seen here; `batchkit-bench` counts those process-wide.
enum ThreadMallocCounter {
    static let measuredThread = Atomic<UInt>(0)
    static let allocations = Atomic<Int>(0)

    /// The number of `malloc`-family calls the current thread makes while running `body`.
    static func allocations(in body: () -> Void) -> Int {
        // Touch the globals first: their lazy initialisation must not happen inside the allocator.
        allocations.store(0, ordering: .relaxed)
        measuredThread.store(UInt(pthread_self()), ordering: .releasing)
        MallocInterposerSwift.setAllocationHook(countIfMeasuredThread)
        MallocInterposerSwift.hook()
        body()
        MallocInterposerSwift.unhook()
        MallocInterposerSwift.setAllocationHook(nil)
        measuredThread.store(0, ordering: .releasing)
        return allocations.load(ordering: .relaxed)
    }
}

/// Runs inside `malloc`: it must not allocate, so it only compares a thread id and bumps an atomic.
private let countIfMeasuredThread: MallocInterposerSwift.AllocationHook = { _ in
    if UInt(pthread_self()) == ThreadMallocCounter.measuredThread.load(ordering: .acquiring) {
        ThreadMallocCounter.allocations.add(1, ordering: .relaxed)
    }
}

/// Serialised: the interposer's counting switch is process-wide.
///
/// Run only in a process of their own (`scripts/test.sh` sets `BATCHKIT_ALLOCATION_TESTS=1` for a
/// `--filter AllocationTests` run): malloc-interposer 1.6.1 frees a thread's counter block when the
/// thread exits but keeps writing to it, so any thread that exits while counting is switched on
/// corrupts the heap, and the other suites start and end threads all the time.
///
/// The forward tests run OpenBLAS with one thread, the configuration a worker pool uses: OpenBLAS's
/// multi-threaded GEMM driver (`sgemm_thread_*`) mallocs its job array on every call, which no caller
/// can avoid; ``multiThreadedGEMMAllocatesOnlyInsideOpenBLAS(name:)`` pins that down.
@Suite(
    .serialized,
    .enabled(
        if: ProcessInfo.processInfo.environment["BATCHKIT_ALLOCATION_TESTS"] == "1",
        "counts allocations process-wide; scripts/test.sh runs it alone"))
struct AllocationTests {
    /// Runs `body` with one OpenBLAS thread and restores the previous count.
    func withOneBLASThread(_ body: () throws -> Void) rethrows {
        let previous = BLAS.threadCount
        BLAS.setThreadCount(1)
        defer { BLAS.setThreadCount(previous) }
        try body()
    }

    @Test func counterSeesAllocations() {
        var kept: [[Int]] = []
        let count = ThreadMallocCounter.allocations {
            for index in 0..<10 { kept.append([Int](repeating: index, count: 100 + index)) }
        }
        // Without this, a missing interposer would make every zero below pass vacuously.
        #expect(count >= 10)
        #expect(kept.count == 10)
    }

    @Test(arguments: DenseModel.builtInNames)
    func batchedForwardAllocatesNothingOnceWarm(name: String) throws {
        try withOneBLASThread { try checkBatchedForward(name: name) }
    }

    func checkBatchedForward(name: String) throws {
        // Batches up to 4 rows take the small-batch path, so the mixed sizes below cover every path.
        let model = try #require(DenseModel.builtIn(named: name)).with(smallBatchLimit: 4)
        let rows = 64
        let input = Slab(rows: rows, columns: model.inputWidth)
        _ = input.buffer.initialize(from: randomRows(rows * model.inputWidth, seed: 17))
        let output = Slab(rows: rows, columns: model.outputWidth)
        let workspace = DenseWorkspace(model: model, maxRows: rows)
        model.forward(input.fullView, into: output.fullView, workspace: workspace)
        let count = ThreadMallocCounter.allocations {
            for _ in 0..<100 { model.forward(input.fullView, into: output.fullView, workspace: workspace) }
        }
        #expect(count == 0, "\(name): \(count) mallocs in 100 forwards of \(rows) rows")
        // Smaller batches through the same workspace reuse it as well.
        let mixed = ThreadMallocCounter.allocations {
            for batch in 1...rows {
                model.forward(input.view(rows: batch), into: output.view(rows: batch), workspace: workspace)
            }
        }
        #expect(mixed == 0, "\(name): \(mixed) mallocs over batch sizes 1...\(rows)")
        #expect(output.buffer.allSatisfy { $0.isFinite })
    }

    @Test(arguments: DenseModel.builtInNames)
    func singleRowForwardAllocatesNothingOnceWarm(name: String) throws {
        try withOneBLASThread { try checkSingleRowForward(name: name) }
    }

    func checkSingleRowForward(name: String) throws {
        let model = try #require(DenseModel.builtIn(named: name))
        let input = Slab(rows: 1, columns: model.inputWidth)
        _ = input.buffer.initialize(from: randomRows(model.inputWidth, seed: 23))
        let output = Slab(rows: 1, columns: model.outputWidth)
        let workspace = DenseWorkspace(model: model, maxRows: 1)
        let source = UnsafeBufferPointer(input.buffer)
        model.forwardSingleRow(source, into: output.buffer, workspace: workspace)
        let count = ThreadMallocCounter.allocations {
            for _ in 0..<100 { model.forwardSingleRow(source, into: output.buffer, workspace: workspace) }
        }
        #expect(count == 0, "\(name): \(count) mallocs in 100 single-row forwards")
    }

    @Test(arguments: DenseModel.builtInNames)
    func multiThreadedGEMMAllocatesOnlyInsideOpenBLAS(name: String) throws {
        let model = try #require(DenseModel.builtIn(named: name))
        let rows = 64
        let input = Slab(rows: rows, columns: model.inputWidth)
        _ = input.buffer.initialize(from: randomRows(rows * model.inputWidth, seed: 19))
        let output = Slab(rows: rows, columns: model.outputWidth)
        let workspace = DenseWorkspace(model: model, maxRows: rows)
        let previous = BLAS.threadCount
        BLAS.setThreadCount(2)
        defer { BLAS.setThreadCount(previous) }
        model.forward(input.fullView, into: output.fullView, workspace: workspace)
        let count = ThreadMallocCounter.allocations {
            for _ in 0..<100 { model.forward(input.fullView, into: output.fullView, workspace: workspace) }
        }
        // At most one job array per GEMM; everything else is the same code as the single-thread case.
        #expect(count <= 100 * model.layers.count, "\(name): \(count) mallocs in 100 threaded forwards")
    }

    @Test func warmPoolCyclesAllocateNothing() {
        let pool = SlabPool(rows: 64, columns: 256)
        let first = (pool.acquire(), pool.acquire(), pool.acquire())
        pool.release(first.0)
        pool.release(first.1)
        pool.release(first.2)
        let count = ThreadMallocCounter.allocations {
            for _ in 0..<10_000 {
                let a = pool.acquire()
                let b = pool.acquire()
                let c = pool.acquire()
                pool.release(c)
                pool.release(b)
                pool.release(a)
            }
        }
        #expect(count == 0)
        #expect(pool.createdCount == 3)
    }
}
