import BatchProcessing
import DenseKernels
public import Hummingbird
import NIOCore

extension InferenceServer {
    /// The protocol's routes plus `GET /metrics`, behind the access-log and metrics middleware.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: AccessMiddleware(metrics: metrics))

        router.get("/v2/health/live") { _, _ in Self.json("{\"live\":true}") }
        router.get("/v2/health/ready") { _, _ in
            self.isReady ? Self.json("{\"ready\":true}") : self.notReadyError().response()
        }
        router.get("/v2") { _, _ in self.serverMetadata() }
        router.get("/v2/models/:name") { _, context in
            Self.answer { () throws(ServerError) in try self.modelMetadata(context) }
        }
        router.get("/v2/models/:name/versions/:version") { _, context in
            Self.answer { () throws(ServerError) in try self.modelMetadata(context) }
        }
        router.get("/v2/models/:name/ready") { _, context in
            Self.answer { () throws(ServerError) in try self.modelReady(context) }
        }
        router.get("/v2/models/:name/versions/:version/ready") { _, context in
            Self.answer { () throws(ServerError) in try self.modelReady(context) }
        }
        router.post("/v2/models/:name/infer") { request, context in await self.infer(request, context) }
        router.post("/v2/models/:name/versions/:version/infer") { request, context in
            await self.infer(request, context)
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: self.metrics.exposition(models: self.models))))
        }
        return router
    }

    /// The response of `body`, or the JSON error it threw.
    static func answer(_ body: () throws(ServerError) -> Response) -> Response {
        do { return try body() } catch { return error.response() }
    }

    /// A 200 with a JSON body.
    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    func notReadyError() -> ServerError {
        readiness.current == .draining
            ? .notReady("the server is shutting down") : .notReady("the models are still loading")
    }

    /// The model named in the path, checking the version when the path has one.
    func resolveModel(_ context: BasicRequestContext) throws(ServerError) -> ServedModel {
        let name = context.parameters.get("name") ?? ""
        guard let served = modelsByName[name] else {
            throw .unknownModel(name, known: models.map(\.name))
        }
        if let version = context.parameters.get("version"), version != ServedModel.version {
            throw ServerError(
                .notFound, "model '\(name)' has no version '\(version)'; the served version is \(ServedModel.version)")
        }
        return served
    }

    func serverMetadata() -> Response {
        var text = "{\"name\":"
        JSONText.appendString(configuration.serverName, to: &text)
        text += ",\"version\":"
        JSONText.appendString(configuration.serverVersion, to: &text)
        text += ",\"extensions\":[\"binary_tensor_data\"]"
        text += ",\"models\":["
        for (index, served) in models.enumerated() {
            if index > 0 { text += "," }
            JSONText.appendString(served.name, to: &text)
        }
        text += "]}"
        return Self.json(text)
    }

    func modelMetadata(_ context: BasicRequestContext) throws(ServerError) -> Response {
        let served = try resolveModel(context)
        var text = "{\"name\":"
        JSONText.appendString(served.name, to: &text)
        text += ",\"versions\":[\"\(ServedModel.version)\"],\"platform\":\"batchkit_dense\""
        text += ",\"inputs\":[{\"name\":\"\(ServedModel.inputName)\",\"datatype\":\"FP32\","
        text += "\"shape\":[-1,\(served.model.inputWidth)]}]"
        text += ",\"outputs\":[{\"name\":\"\(ServedModel.outputName)\",\"datatype\":\"FP32\","
        text += "\"shape\":[-1,\(served.model.outputWidth)]}]}"
        return Self.json(text)
    }

    func modelReady(_ context: BasicRequestContext) throws(ServerError) -> Response {
        let served = try resolveModel(context)
        guard isReady, served.processor.isRunning else { throw notReadyError() }
        var text = "{\"name\":"
        JSONText.appendString(served.name, to: &text)
        text += ",\"ready\":true}"
        return Self.json(text)
    }
}
