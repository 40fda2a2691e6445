import BatchProcessing
import FoundationEssentials
import HTTPTypes
import Hummingbird
import NIOCore

extension InferenceServer {
    /// The header that splits a binary-extension body: the length of its JSON part.
    static let inferenceHeaderLength = HTTPField.Name("Inference-Header-Content-Length")!

    /// `POST /v2/models/{name}[/versions/{v}]/infer`: one request, one item of `k` rows.
    func infer(_ request: Request, _ context: BasicRequestContext) async -> Response {
        do throws(ServerError) {
            let served = try resolveModel(context)
            if readiness.current == .starting { throw notReadyError() }
            let body = try await collectBody(request)
            let parsed = try InferInput.parse(
                body: body, headerLength: request.headers[Self.inferenceHeaderLength], model: served)
            let output = try await predict(served, parsed)
            return parsed.response(output: output, model: served)
        } catch {
            return error.response()
        }
    }

    /// The whole body, refusing more than `maxBodyBytes` (413) or a body slower than `bodyTimeout` (408).
    func collectBody(_ request: Request) async throws(ServerError) -> ByteBuffer {
        let limit = configuration.maxBodyBytes
        // Refuse a declared oversize body before reading a byte of it.
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw .tooLarge(limit: limit)
        }
        let timeout = configuration.bodyTimeout
        let body = request.body
        let outcome: Result<ByteBuffer, ServerError> = await withTaskGroup(of: Result<ByteBuffer, ServerError>?.self) {
            group in
            group.addTask {
                do {
                    return .success(try await body.collect(upTo: limit))
                } catch is NIOTooManyBytesError {
                    return .failure(.tooLarge(limit: limit))
                } catch {
                    return .failure(.badRequest("could not read the request body: \(error)"))
                }
            }
            group.addTask {
                // A half-sent body must not hold its connection forever.
                try? await Task.sleep(for: timeout)
                return Task.isCancelled
                    ? nil
                    : .failure(
                        ServerError(
                            .requestTimeout, "the request body did not arrive within \(timeout); send it whole"))
            }
            var first: Result<ByteBuffer, ServerError>?
            while first == nil, let next = await group.next() { first = next }
            group.cancelAll()
            return first ?? .failure(.badRequest("could not read the request body"))
        }
        return try outcome.get()
    }

    /// Submits the rows (failing at once on a full queue, so no request ever waits for queue space:
    /// `.zero`, not `nil`, which on main's API waits for room as long as it takes)
    /// and awaits them, bounded by the request's own `timeout` when it has one.
    func predict(_ served: ServedModel, _ input: InferInput) async throws(ServerError) -> [Float] {
        let future: BatchFuture<[Float]>
        do {
            future = try await served.processor.enqueuePredict(input.values, timeout: .zero, priority: input.priority)
        } catch {
            throw ServerError(error, model: served.name)
        }
        guard let deadline = input.timeout else {
            do { return try await future.value } catch { throw ServerError(error, model: served.name) }
        }
        // The processor's deadline is per processor; a request's own is kept here by cancelling the
        // item when it passes, which withdraws it if it is still queued.
        let clock = ContinuousClock()
        let started = clock.now
        let timer = Task {
            try? await Task.sleep(for: deadline)
            if !Task.isCancelled { future.cancel() }
        }
        defer { timer.cancel() }
        do {
            return try await future.value
        } catch {
            if error.code == .cancelled && clock.now - started >= deadline {
                throw ServerError(
                    .gatewayTimeout,
                    "model '\(served.name)': not completed within the request's timeout (\(deadline)); "
                        + "raise parameters.timeout or retry when load is lower")
            }
            throw ServerError(error, model: served.name)
        }
    }
}
