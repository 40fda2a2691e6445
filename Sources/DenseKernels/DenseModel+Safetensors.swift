extension DenseModel {
    /// Loads a model from the safetensors file at `path`; see `init(safetensors file:prefix:activations:)`.
    public init(
        safetensors path: String,
        prefix: String? = nil,
        activations: [Activation]? = nil
    ) throws(SafetensorsError) {
        try self.init(safetensors: SafetensorsFile(contentsOf: path), prefix: prefix, activations: activations)
    }

    /// Builds a model from the tensors `<prefix><index>.weight` (`[out, in]`, PyTorch `nn.Linear` layout)
    /// and `<prefix><index>.bias` (`[out]`), one layer per index in increasing order.
    ///
    /// Indices need not be contiguous: an `nn.Sequential` of Linear and ReLU modules stores `0.weight`,
    /// `2.weight`, `4.weight`. A layer without a bias tensor gets a zero bias, which is what
    /// `nn.Linear(bias=False)` computes.
    ///
    /// - Parameters:
    ///   - file: the parsed safetensors file holding the tensors.
    ///   - prefix: the text before the index, such as `layers.` or `net.` (or `""`). When `nil` it is
    ///     inferred as the one prefix whose `<prefix><integer>.weight` tensors exist; several such
    ///     prefixes throw ``SafetensorsError/ambiguousPrefix(_:)``.
    ///   - activations: one per layer. When `nil`, the comma-separated `activations` metadata is used,
    ///     and if that is absent too the load fails with ``SafetensorsError/missingActivations(layers:)``
    ///     rather than silently guessing.
    public init(
        safetensors file: SafetensorsFile,
        prefix: String? = nil,
        activations: [Activation]? = nil
    ) throws(SafetensorsError) {
        let resolvedPrefix: String
        if let prefix {
            resolvedPrefix = prefix
        } else {
            resolvedPrefix = try DenseModel.inferLayerPrefix(in: file)
        }
        let prefix = resolvedPrefix
        let indexed = file.tensors.keys
            .compactMap { name in DenseModel.layerIndex(of: name, prefix: prefix).map { (index: $0, name: name) } }
            .sorted { $0.index < $1.index }
        guard !indexed.isEmpty else { throw .noLayers(prefix: prefix) }
        let resolved = try DenseModel.resolveActivations(activations, metadata: file.metadata, layers: indexed.count)

        var layers: [DenseLayer] = []
        for (position, entry) in indexed.enumerated() {
            let weightInfo = file.tensors[entry.name]!
            guard weightInfo.shape.count == 2 else {
                throw .unexpectedRank(tensor: entry.name, shape: weightInfo.shape, expectedRank: 2)
            }
            let (outputs, inputs) = (weightInfo.shape[0], weightInfo.shape[1])
            if let previous = layers.last, previous.outputs != inputs {
                throw .layerShapeMismatch(tensor: entry.name, expectedInputs: previous.outputs, got: inputs)
            }
            // Checked before the zero bias is allocated: a `[2**40, 0]` weight holds no bytes, so the file
            // is small, yet `outputs` floats of bias would be terabytes (found by Fuzz/FuzzSafetensors).
            guard outputs > 0, inputs > 0 else {
                throw .model(.invalidDimension(layer: position, inputs: inputs, outputs: outputs))
            }
            let biasName = "\(prefix)\(entry.index).bias"
            var bias = [Float](repeating: 0, count: outputs)
            if let biasInfo = file.tensors[biasName] {
                guard biasInfo.shape.count == 1 else {
                    throw .unexpectedRank(tensor: biasName, shape: biasInfo.shape, expectedRank: 1)
                }
                guard biasInfo.shape[0] == outputs else {
                    throw .biasLengthMismatch(tensor: biasName, expected: outputs, got: biasInfo.shape[0])
                }
                bias = try file.floats(biasName)
            }
            let weights = try file.floats(entry.name)
            do {
                layers.append(
                    try DenseLayer(
                        weights: weights, bias: bias, outputs: outputs, inputs: inputs, activation: resolved[position])
                )
            } catch {
                // DenseLayer does not know its position; report the position in the stack.
                if case .invalidDimension(_, let inputs, let outputs) = error {
                    throw .model(.invalidDimension(layer: position, inputs: inputs, outputs: outputs))
                }
                throw .model(error)
            }
        }
        do {
            try self.init(layers: layers)
        } catch {
            throw .model(error)
        }
    }

    /// The prefix `P` for which the file has `P<integer>.weight` tensors, if exactly one exists.
    ///
    /// For `layers.0.weight`, `layers.2.weight` and `norm.weight` it is `layers.`; for `0.weight` it is `""`.
    public static func inferLayerPrefix(in file: SafetensorsFile) throws(SafetensorsError) -> String {
        var prefixes: Set<String> = []
        let suffix = Array(".weight".utf8)
        for name in file.tensors.keys {
            let utf8 = Array(name.utf8)
            guard utf8.count > suffix.count, utf8.suffix(suffix.count).elementsEqual(suffix) else { continue }
            let stem = utf8.dropLast(suffix.count)
            let componentStart = (stem.lastIndex(of: UInt8(ascii: ".")) ?? -1) + 1
            guard canonicalInteger(stem[componentStart...]) != nil else { continue }
            prefixes.insert(String(decoding: stem[..<componentStart], as: UTF8.self))
        }
        guard prefixes.count <= 1 else { throw .ambiguousPrefix(prefixes.sorted()) }
        guard let prefix = prefixes.first else { throw .noLayers(prefix: nil) }
        return prefix
    }

    /// The layer index of `<prefix><index>.weight`, or `nil` if `name` is not of that form.
    private static func layerIndex(of name: String, prefix: String) -> Int? {
        // Compared as UTF-8 bytes: String comparison uses canonical equivalence, which could make the
        // prefix match a differently encoded name and then split it at the wrong place.
        let utf8 = Array(name.utf8)
        let head = Array(prefix.utf8)
        let tail = Array(".weight".utf8)
        guard utf8.count > head.count + tail.count, utf8.starts(with: head),
            utf8.suffix(tail.count).elementsEqual(tail)
        else { return nil }
        return canonicalInteger(utf8[head.count..<(utf8.count - tail.count)])
    }

    /// The value of `digits` if it is a decimal integer without sign or leading zeros that fits in `Int`.
    ///
    /// Leading zeros are refused so `01.weight` and `1.weight` cannot both claim layer 1.
    private static func canonicalInteger(_ digits: ArraySlice<UInt8>) -> Int? {
        guard let first = digits.first, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        guard first != UInt8(ascii: "0") || digits.count == 1 else { return nil }
        return Int(String(decoding: digits, as: UTF8.self))
    }

    private static func resolveActivations(
        _ given: [Activation]?,
        metadata: [String: String],
        layers: Int
    ) throws(SafetensorsError) -> [Activation] {
        var activations: [Activation]
        if let given {
            activations = given
        } else if let text = metadata["activations"] {
            activations = []
            for name in text.split(separator: ",", omittingEmptySubsequences: false) {
                guard let activation = Activation(name: String(name)) else { throw .unknownActivation(String(name)) }
                activations.append(activation)
            }
        } else {
            throw .missingActivations(layers: layers)
        }
        guard activations.count == layers else { throw .activationCount(expected: layers, got: activations.count) }
        return activations
    }
}
