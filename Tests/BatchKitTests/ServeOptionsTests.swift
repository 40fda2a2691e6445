import ArgumentParser
import BatchKitCore
import Testing

/// `batchkit serve`'s flags (``ServeOptions``): model specs and the checks that refuse bad values before anything starts.
@Suite struct ServeOptionsTests {
    @Test func modelSpecsNameTheirModels() throws {
        #expect(try ServeOptions.split("mlp1024") == ("mlp1024", "mlp1024"))
        #expect(try ServeOptions.split("clf=models/a.safetensors") == ("clf", "models/a.safetensors"))
        #expect(try ServeOptions.split("models/ranker.safetensors") == ("ranker", "models/ranker.safetensors"))
        #expect(throws: (any Error).self) { try ServeOptions.split("=x.safetensors") }
        #expect(throws: (any Error).self) { try ServeOptions.split("bad|name=x.safetensors") }
        #expect(throws: (any Error).self) { try ServeOptions.split("name=") }
    }

    @Test func defaultsAndValidation() throws {
        let command = try ServeOptions.parse([])
        #expect(command.host == "127.0.0.1")
        #expect(command.port == 8000)
        #expect(command.models.isEmpty)
        let custom = try ServeOptions.parse([
            "--model", "a=x.safetensors", "--model", "linear256", "--port", "0", "--replica-id", "r1",
            "--drain-timeout",
            "2.5",
        ])
        #expect(custom.models == ["a=x.safetensors", "linear256"])
        #expect(custom.replicaId == "r1")
        #expect(custom.drainTimeout == 2.5)
        for bad in [
            ["--port", "70000"], ["--max-body-bytes", "10"], ["--drain-timeout", "0"], ["--log-level", "loud"],
        ] {
            #expect(throws: (any Error).self) { try ServeOptions.parse(bad) }
        }
    }
}
