import Hummingbird
import Logging
import Prometheus

/// Counts, times and logs every request: `batchkit_http_requests_total` by route, method and status,
/// the latency histogram, the in-flight gauge, and one access-log line at `debug`.
///
/// Errors thrown by the router (unknown route, wrong method) become the same JSON error shape as the
/// server's own, so every failure a client sees reads alike.
struct AccessMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let clock = ContinuousClock()
        let started = clock.now
        metrics.inFlight.increment()
        defer { metrics.inFlight.decrement() }
        let response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = ServerError(error.status, "\(error.status.reasonPhrase) (\(request.method) \(request.uri.path))")
                .response()
        } catch {
            response = ServerError(.internalServerError, "internal error: \(error)").response()
        }
        let elapsed = clock.now - started
        // The matched pattern, not the path: model names in paths would make one series per typo.
        let route = context.endpointPath ?? "unmatched"
        metrics.recordRequest(
            route: route, method: request.method.rawValue, status: response.status.code, duration: elapsed)
        context.logger.debug(
            "request",
            metadata: [
                "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(response.status.code)",
                "ms": "\(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)",
            ])
        return response
    }
}
