import DenseKernels
import Dispatch
import Synchronization
import Testing

@Suite struct SlabPoolTests {
    @Test func cyclesReuseSlabsInsteadOfGrowing() {
        let pool = SlabPool(rows: 64, columns: 256)
        var held: [Slab] = []
        held.reserveCapacity(3)
        for cycle in 0..<10_000 {
            for _ in 0..<3 { held.append(pool.acquire()) }
            #expect(pool.outstandingCount == 3)
            for slab in held { pool.release(slab) }
            held.removeAll(keepingCapacity: true)
            if cycle == 0 || cycle == 9_999 {
                #expect(pool.createdCount == 3)
                #expect(pool.pooledCount == 3)
                #expect(pool.pooledBytes == 3 * 64 * 256 * 4)
            }
        }
        #expect(pool.createdCount == 3)
        #expect(pool.outstandingCount == 0)
    }

    @Test func createdCountFollowsPeakConcurrency() {
        let pool = SlabPool(rows: 4, columns: 4)
        for peak in [1, 5, 2, 8, 3] {
            let slabs = (0..<peak).map { _ in pool.acquire() }
            for slab in slabs { pool.release(slab) }
        }
        #expect(pool.createdCount == 8)
        #expect(pool.pooledCount == 8)
    }

    @Test func trimFreesPooledSlabsAndReportsBytes() {
        let pool = SlabPool(rows: 10, columns: 3)
        #expect(pool.slabBytes == 120)
        let slabs = (0..<5).map { _ in pool.acquire() }
        #expect(pool.trim() == 0, "nothing is idle while every slab is out")
        for slab in slabs { pool.release(slab) }
        #expect(pool.trim(keeping: 2) == 3 * 120)
        #expect(pool.pooledCount == 2 && pool.pooledBytes == 240)
        #expect(pool.trim(keeping: 5) == 0)
        #expect(pool.trim() == 2 * 120)
        #expect(pool.pooledCount == 0 && pool.pooledBytes == 0)
        // A trimmed pool allocates afresh on demand.
        let again = pool.acquire()
        #expect(pool.createdCount == 6)
        pool.release(again)
    }

    @Test func slabsAreCacheLineAligned() {
        #expect(Slab.alignment == 64)
        var keep: [Slab] = []
        for rows in [0, 1, 3, 17, 256] {
            for columns in [0, 1, 5, 10, 1024] {
                let slab = Slab(rows: rows, columns: columns)
                keep.append(slab)
                #expect(Int(bitPattern: slab.buffer.baseAddress) % 64 == 0, "\(rows)×\(columns)")
            }
        }
        let pool = SlabPool(rows: 7, columns: 3)
        let pooled = (0..<4).map { _ in pool.acquire() }
        for slab in pooled { #expect(Int(bitPattern: slab.buffer.baseAddress) % 64 == 0) }
        for slab in pooled { pool.release(slab) }
    }

    @Test func concurrentAcquireAndReleaseKeepCountsConsistent() {
        let pool = SlabPool(rows: 8, columns: 16)
        let threads = 6
        let perThread = 2
        let violations = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: threads) { worker in
            for cycle in 0..<2_000 {
                let slabs = (0..<perThread).map { _ in pool.acquire() }
                // Each holder stamps its slabs; a slab handed to two holders at once would be overwritten.
                let stamp = Float(worker * 10_000 + cycle)
                for slab in slabs { slab.buffer.update(repeating: stamp) }
                for slab in slabs where slab.buffer.contains(where: { $0 != stamp }) {
                    violations.add(1, ordering: .relaxed)
                }
                for slab in slabs { pool.release(slab) }
            }
        }
        #expect(violations.load(ordering: .relaxed) == 0)
        #expect(pool.outstandingCount == 0)
        #expect(pool.createdCount <= threads * perThread)
        #expect(pool.createdCount >= perThread)
        #expect(pool.pooledCount == pool.createdCount)
        #expect(pool.pooledBytes == pool.createdCount * pool.slabBytes)
    }
}
