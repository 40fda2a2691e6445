import DequeModule

extension BatchProcessor {
    /// Processes an asynchronous sequence of items and delivers their results in input order.
    ///
    /// At most `maxInFlight` items are submitted and unfinished at once, so a fast source cannot flood
    /// the queue; a full queue is waited on (up to ``BatchProcessorConfiguration/Batching/itemTimeout``). Each
    /// item's failure is delivered in its place as a `.failure` and the stream goes on, unless
    /// `stopOnError` is set, in which case the first failure ends the stream after being delivered.
    /// An error thrown by the source itself ends the stream with that error. Cancelling the consumer
    /// (or dropping the stream) cancels the items still in flight.
    public func results<Source: AsyncSequence & Sendable>(
        for source: Source,
        priority: BatchPriority = .normal,
        maxInFlight: Int = 64,
        stopOnError: Bool = false
    ) -> AsyncThrowingStream<Result<Output, BatchProcessorError>, any Error> where Source.Element == Item {
        precondition(maxInFlight >= 1, "maxInFlight must be at least 1")
        let (stream, continuation) = AsyncThrowingStream<Result<Output, BatchProcessorError>, any Error>.makeStream()
        let task = Task {
            var pending = Deque<Result<BatchFuture<Output>, BatchProcessorError>>()
            // Yields the oldest result; returns false when the stream should end.
            func deliverOldest() async -> Bool {
                guard let oldest = pending.popFirst() else { return true }
                let result: Result<Output, BatchProcessorError>
                switch oldest {
                case .success(let future):
                    do throws(BatchProcessorError) {
                        result = .success(try await future.value)
                    } catch {
                        result = .failure(error)
                    }
                case .failure(let error):
                    result = .failure(error)
                }
                continuation.yield(result)
                if stopOnError, case .failure = result { return false }
                return true
            }
            do {
                for try await item in source {
                    if pending.count >= maxInFlight, await !deliverOldest() {
                        for case .success(let future) in pending { future.cancel() }
                        continuation.finish()
                        return
                    }
                    do throws(BatchProcessorError) {
                        pending.append(
                            .success(
                                try await enqueuePredict(
                                    item, timeout: configuration.batching.itemTimeout, priority: priority)))
                    } catch {
                        pending.append(.failure(error))
                    }
                }
                while !pending.isEmpty {
                    if await !deliverOldest() {
                        for case .success(let future) in pending { future.cancel() }
                        break
                    }
                }
                continuation.finish()
            } catch {
                for case .success(let future) in pending { future.cancel() }
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}
