import BatchKitCore
import Foundation
import Testing

@Suite struct TemporaryFileCleanupTests {
    /// Pipelines running side by side register and release their files at once; a shared slot once
    /// freed the same path twice here and corrupted the heap.
    @Test func concurrentRegistrationsAreIndependent() async throws {
        try await withThrowingTaskGroup { group in
            for thread in 0..<4 {
                group.addTask {
                    try await onOwnThread {
                        for round in 0..<5000 {
                            let first = TemporaryFileCleanup.register("/nonexistent/\(thread)-\(round)-a")
                            let second = TemporaryFileCleanup.register("/nonexistent/\(thread)-\(round)-b")
                            TemporaryFileCleanup.unregister(first)
                            TemporaryFileCleanup.unregister(second)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}
