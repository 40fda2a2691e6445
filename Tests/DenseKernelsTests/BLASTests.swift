import DenseKernels
import Testing

@Suite struct BLASTests {
    @Test func reportsCoreAndThreads() {
        #expect(!BLAS.coreName.isEmpty)
        let before = BLAS.threadCount
        BLAS.setThreadCount(1)
        #expect(BLAS.threadCount == 1)
        BLAS.setThreadCount(before)
    }
}
