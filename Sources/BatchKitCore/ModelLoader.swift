public import DenseKernels

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Resolves `batchkit`'s `--model` argument: a built-in model name or a `.safetensors` file.
public enum ModelLoader {
    /// Loads the model `spec` names.
    ///
    /// A built-in name (`linear256`, `mlp1024`) wins unless a file of that name exists, so a model file
    /// saved without an extension in the working directory is still reachable as `./mlp1024`.
    ///
    /// - Parameters:
    ///   - activations: comma-separated, one per layer (`relu,relu,softmax`); overrides the file's
    ///     `activations` metadata. Only for files.
    ///   - prefix: the layer-name prefix (`layers.`, `net.`); inferred when `nil`.
    ///   - note: called with what a user may want to know but that is not an error, such as a layer
    ///     without a bias tensor (computed with zeros, as `nn.Linear(bias=False)`); `--verbose` shows them.
    public static func load(
        _ spec: String, activations: String? = nil, prefix: String? = nil, note: (String) -> Void = { _ in }
    ) throws(InferError) -> DenseModel {
        if !fileExists(spec), let model = DenseModel.builtIn(named: spec) {
            if activations != nil { throw .activationsForBuiltIn(spec) }
            note("model \(spec): built in, \(model.shapeDescription)")
            return model
        }
        guard fileExists(spec) else { throw .modelNotFound(spec, builtIns: DenseModel.builtInNames) }
        let parsed = try activations.map { text throws(InferError) in try parseActivations(text) }
        do {
            let file = try SafetensorsFile(contentsOf: spec)
            let model = try DenseModel(safetensors: file, prefix: prefix, activations: parsed)
            let layers = try DenseModel.layerTensors(in: file, prefix: prefix)
            note("model \(spec): \(model.shapeDescription), from " + layers.map(\.weight).joined(separator: ", "))
            for (position, layer) in layers.enumerated() where layer.bias == nil {
                note(
                    "model \(spec): layer \(position) ('\(layer.weight)') has no bias tensor; it is computed with "
                        + "zeros, as nn.Linear(bias=False)")
            }
            return model
        } catch {
            throw .badModel(path: spec, error)
        }
    }

    /// Parses `relu,relu,softmax` into activations, refusing unknown names.
    public static func parseActivations(_ text: String) throws(InferError) -> [Activation] {
        var result: [Activation] = []
        for name in text.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = name.filter { $0 != " " }
            guard let activation = Activation(name: trimmed) else { throw .unknownActivation(trimmed) }
            result.append(activation)
        }
        return result
    }

    private static func fileExists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }
}
