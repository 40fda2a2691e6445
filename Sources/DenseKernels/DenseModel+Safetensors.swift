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
    /// `nn.Linear(bias=False)` computes (``layerTensors(in:prefix:)`` tells which layers have none); a
    /// bias without its weight is refused.
    ///
    /// Refused too, naming the tensor: integer or boolean layer tensors (the file does not say how they
    /// were quantised, so their raw codes would be computed with), and NaN or infinite parameters (after
    /// conversion to float32), which would turn every output into NaN or a plausible-looking constant.
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
        let sources = try DenseModel.layerTensors(in: file, prefix: prefix)
        let resolved = try DenseModel.resolveActivations(activations, metadata: file.metadata, layers: sources.count)

        var layers: [DenseLayer] = []
        for (position, source) in sources.enumerated() {
            let weightInfo = file.tensors[source.weight]!
            guard weightInfo.shape.count == 2 else {
                throw .unexpectedRank(tensor: source.weight, shape: weightInfo.shape, expectedRank: 2)
            }
            let (outputs, inputs) = (weightInfo.shape[0], weightInfo.shape[1])
            if let previous = layers.last, previous.outputs != inputs {
                throw .layerShapeMismatch(tensor: source.weight, expectedInputs: previous.outputs, got: inputs)
            }
            // Checked before the zero bias is allocated: a `[2**40, 0]` weight holds no bytes, so the file
            // is small, yet `outputs` floats of bias would be terabytes (found by Fuzz/FuzzSafetensors).
            guard outputs > 0, inputs > 0 else {
                throw .model(.invalidDimension(layer: position, inputs: inputs, outputs: outputs))
            }
            var bias = [Float](repeating: 0, count: outputs)
            if let biasName = source.bias {
                let biasInfo = file.tensors[biasName]!
                guard biasInfo.shape.count == 1 else {
                    throw .unexpectedRank(tensor: biasName, shape: biasInfo.shape, expectedRank: 1)
                }
                guard biasInfo.shape[0] == outputs else {
                    throw .biasLengthMismatch(tensor: biasName, expected: outputs, got: biasInfo.shape[0])
                }
                bias = try DenseModel.parameters(biasName, in: file)
            }
            let weights = try DenseModel.parameters(source.weight, in: file)
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

    /// The tensors each layer of the model in `file` is read from, first layer first: its weight, and its
    /// bias if the file has one (`nil` for a layer saved with `bias=False`, which computes with zeros).
    ///
    /// - Parameters:
    ///   - file: the opened `.safetensors` file.
    ///   - prefix: the text before each layer index (`net.`, `""`); inferred when `nil`.
    /// - Throws: ``SafetensorsError/noLayers(prefix:)``, ``SafetensorsError/ambiguousPrefix(_:)``, or
    ///   ``SafetensorsError/orphanBias(tensor:missingWeight:)`` for a `<prefix><index>.bias` whose weight
    ///   is missing (a misnamed or dropped weight would otherwise silently shorten the model).
    public static func layerTensors(in file: SafetensorsFile, prefix: String? = nil) throws(SafetensorsError)
        -> [SafetensorsLayerTensors]
    {
        let resolved: String
        if let prefix {
            resolved = prefix
        } else {
            resolved = try inferLayerPrefix(in: file)
        }
        let indexed = file.tensors.keys
            .compactMap { name in
                layerIndex(of: name, prefix: resolved, suffix: ".weight").map { (index: $0, name: name) }
            }
            .sorted { $0.index < $1.index }
        let weights = Set(indexed.map(\.index))
        // The lowest orphan, so the message is the same on every run.
        let orphans = file.tensors.keys
            .compactMap { name in
                layerIndex(of: name, prefix: resolved, suffix: ".bias").map { (index: $0, name: name) }
            }
            .filter { !weights.contains($0.index) }
        if let orphan = orphans.min(by: { $0.index < $1.index }) {
            throw .orphanBias(tensor: orphan.name, missingWeight: "\(resolved)\(orphan.index).weight")
        }
        guard !indexed.isEmpty else { throw .noLayers(prefix: resolved) }
        return indexed.map { entry in
            let bias = "\(resolved)\(entry.index).bias"
            return SafetensorsLayerTensors(
                index: entry.index, weight: entry.name, bias: file.tensors[bias] == nil ? nil : bias)
        }
    }

    /// The values of layer tensor `name` as floats, refusing integer dtypes and non-finite values.
    private static func parameters(_ name: String, in file: SafetensorsFile) throws(SafetensorsError) -> [Float] {
        let info = file.tensors[name]!
        guard !info.dtype.isInteger else { throw .integerTensor(tensor: name, dtype: info.dtype.rawValue) }
        let values = try file.floats(name)
        if let flat = values.firstIndex(where: { !$0.isFinite }) {
            var index: [Int] = []
            var remainder = flat
            for dimension in info.shape.reversed() {
                index.append(remainder % dimension)
                remainder /= dimension
            }
            throw .nonFiniteValue(tensor: name, index: index.reversed(), value: values[flat])
        }
        return values
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

    /// The layer index of `<prefix><index><suffix>`, or `nil` if `name` is not of that form.
    private static func layerIndex(of name: String, prefix: String, suffix: String) -> Int? {
        // Compared as UTF-8 bytes: String comparison uses canonical equivalence, which could make the
        // prefix match a differently encoded name and then split it at the wrong place.
        let utf8 = Array(name.utf8)
        let head = Array(prefix.utf8)
        let tail = Array(suffix.utf8)
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

/// The tensors one layer of a safetensors model is read from (see ``DenseModel/layerTensors(in:prefix:)``).
public struct SafetensorsLayerTensors: Sendable, Equatable {
    /// The layer's index in the tensor names (`2` for `net.2.weight`), not its position in the stack.
    public let index: Int
    /// The weight tensor's name.
    public let weight: String
    /// The bias tensor's name, or `nil` if the file has none for this layer (zeros are used).
    public let bias: String?

    /// Names the tensors of the layer with index `index`.
    public init(index: Int, weight: String, bias: String?) {
        self.index = index
        self.weight = weight
        self.bias = bias
    }
}
