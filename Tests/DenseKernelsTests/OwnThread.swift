import Foundation

/// Runs blocking `body` on a thread of its own and waits for it without holding a cooperative thread,
/// which a pipe read, a FIFO open or a child process's exit would otherwise block.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}
