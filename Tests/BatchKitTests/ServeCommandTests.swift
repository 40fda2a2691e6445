import ArgumentParser
import Testing

@testable import batchkit

/// `batchkit serve`'s flags: model specs and the checks that refuse bad values before anything starts.
@Suite struct ServeCommandTests {
    @Test func modelSpecsNameTheirModels() throws {
        #expect(try ServeCommand.split("mlp1024") == ("mlp1024", "mlp1024"))
        #expect(try ServeCommand.split("clf=models/a.safetensors") == ("clf", "models/a.safetensors"))
        #expect(try ServeCommand.split("models/ranker.safetensors") == ("ranker", "models/ranker.safetensors"))
        #expect(throws: (any Error).self) { try ServeCommand.split("=x.safetensors") }
        #expect(throws: (any Error).self) { try ServeCommand.split("bad|name=x.safetensors") }
        #expect(throws: (any Error).self) { try ServeCommand.split("name=") }
    }

    @Test func defaultsAndValidation() throws {
        let command = try ServeCommand.parse([])
        #expect(command.host == "127.0.0.1")
        #expect(command.port == 8000)
        #expect(command.models.isEmpty)
        let custom = try ServeCommand.parse([
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
            #expect(throws: (any Error).self) { try ServeCommand.parse(bad) }
        }
    }
}
