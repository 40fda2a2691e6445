extension BatchProcessor {
    /// Submits many items in one call and returns a future for each, in order, suspending while the
    /// queue is full.
    ///
    /// For callers that already hold many rows (a numeric app with a matrix, a server request of `k`
    /// items): the items are checked, then queued under one hold of the scheduler's lock with at most one
    /// worker wake-up, instead of one of each per item. They are still scheduled one by one, so they mix
    /// with other callers' items in batches and keep their own deadlines, and each future resolves
    /// exactly once.
    ///
    /// The call does not throw: an item refused at submission (invalid, the processor not running or
    /// stopping, the queue still full after `timeout`) gets a future already resolved with that error.
    /// When the queue fills part-way, the remaining items wait for room one at a time, as
    /// ``enqueuePredict(_:timeout:priority:)-9bjgj`` does with the same `timeout`.
    #if compiler(>=6.3)
        @specialized(where Item == [Float], Output == [Float])
    #endif
    public func enqueuePredict(
        contentsOf items: [Item],
        timeout: Duration? = nil,
        priority: BatchPriority = .normal
    ) async -> [BatchFuture<Output>] {
        var futures = offerPrefix(items, priority: priority)
        while futures.count < items.count {
            let item = items[futures.count]
            do throws(BatchProcessorError) {
                futures.append(try await enqueuePredict(item, timeout: timeout, priority: priority))
            } catch {
                futures.append(Self.resolved(item, error))
            }
        }
        return futures
    }

    /// Submits many items in one call and returns a future for each, in order, blocking the calling
    /// thread while the queue is full.
    ///
    /// The same as the `async` overload, for ordinary threads.
    #if compiler(>=6.3)
        @specialized(where Item == [Float], Output == [Float])
    #endif
    @available(*, noasync, message: "blocks while the queue is full; use 'await enqueuePredict' in a task")
    public func enqueuePredict(
        contentsOf items: [Item],
        timeout: Duration? = nil,
        priority: BatchPriority = .normal
    ) -> [BatchFuture<Output>] {
        var futures = offerPrefix(items, priority: priority)
        while futures.count < items.count {
            let item = items[futures.count]
            do throws(BatchProcessorError) {
                futures.append(try enqueuePredict(item, timeout: timeout, priority: priority))
            } catch {
                futures.append(Self.resolved(item, error))
            }
        }
        return futures
    }

    /// Submits many items in one call and awaits all their outputs, in order.
    ///
    /// - Throws: the first failure in item order, once every item has finished (the others' results are
    ///   dropped). Use `enqueuePredict(contentsOf:)` to see each item's own outcome.
    public func predict(
        contentsOf items: [Item],
        priority: BatchPriority = .normal,
        timeout: Duration? = nil
    ) async throws(BatchProcessorError) -> [Output] {
        let futures = await enqueuePredict(contentsOf: items, timeout: timeout, priority: priority)
        var outputs: [Output] = []
        outputs.reserveCapacity(futures.count)
        var firstError: BatchProcessorError?
        for future in futures {
            do throws(BatchProcessorError) {
                outputs.append(try await future.value)
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
        return outputs
    }

    /// Checks the items and queues as many as fit under one lock hold.
    ///
    /// - Returns: a future for each item offered, in order; the items after them found the queue full.
    private func offerPrefix(_ items: [Item], priority: BatchPriority) -> [BatchFuture<Output>] {
        var futures: [BatchFuture<Output>] = []
        futures.reserveCapacity(items.count)
        let current: SchedulerStorage<Item, Output>
        do throws(BatchProcessorError) {
            current = try running()
        } catch {
            for item in items { futures.append(Self.resolved(item, refused(error))) }
            return futures
        }
        var requests: [(element: QueuedRequest, rows: Int)] = []
        requests.reserveCapacity(items.count)
        var invalid: [Int: BatchProcessorError] = [:]
        for (index, item) in items.enumerated() {
            do throws(BatchProcessorError) {
                requests.append(try current.makeElement(item, fireAndForget: false))
            } catch {
                invalid[index] = error
            }
        }
        var outcomes: [BatchProcessorError?] = []
        outcomes.reserveCapacity(requests.count)
        let offered = current.offer(contentsOf: requests, priority: priority, outcomes: &outcomes)
        // Map the offered requests back to item order, with the invalid items in their places.
        var next = 0
        for (index, item) in items.enumerated() {
            if let error = invalid[index] {
                futures.append(Self.resolved(item, refused(error)))
                continue
            }
            guard next < offered else { break }
            if let error = outcomes[next] {
                futures.append(Self.resolved(item, refused(error)))
            } else {
                futures.append(future(requests[next].element, current))
            }
            next += 1
        }
        return futures
    }

    /// A future resolved from the start with the error that refused its item.
    private static func resolved(_ item: Item, _ error: BatchProcessorError) -> BatchFuture<Output> {
        let cell = RequestCell<Item, Output>(item: item)
        cell.complete(.failure(error))
        return BatchFuture(cell: cell, canceller: nil)
    }
}
