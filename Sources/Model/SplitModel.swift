import Core

import struct Foundation.Data

#if canImport(Glibc)
import Glibc
#endif

/// How a feature's cell becomes a number before standardization.
public struct Feature: Sendable {
    /// The shard column it reads.
    public var name: String
    /// The training mean: `(x - mean) / std` is the network's input, and the reason-code reference.
    public var mean: Double
    /// The training standard deviation (positive).
    public var std: Double
    /// The reason code reported when this feature pulls a score down (defaults to the feature's name).
    public var reason: String
    /// Exact cell texts mapped to numbers (booleans, categories); `nil` for numeric columns.
    public var values: [(text: [UInt8], value: Double)]?
    /// `signed_log1p`: `sign(x) ln(1 + |x|)` before standardization (heavy-tailed amounts); false: none.
    public var signedLog = false
    /// When the feature is computed from two columns of the shard instead of read from one.
    public var derivation: Derivation?
}

/// A feature computed from two numeric columns of the same shard (`"derive"` in the model file), in float64, in
/// exactly this order so that an imported model sees the numbers it was trained on:
/// `ratio`: `(scale * a) / (b / divisor)`, a zero denominator replaced by 1; `product`: `(scale * a * b) / divisor`.
public struct Derivation: Sendable, Equatable {
    /// The operation.
    public enum Operation: String, Sendable {
        /// `(scale * a) / (b / divisor)`.
        case ratio
        /// `(scale * a * b) / divisor`.
        case product
    }

    /// The operation.
    public var operation: Operation
    /// The two columns, `a` and `b`.
    public var columns: (String, String)
    /// Multiplies `a` (default 1).
    public var scale: Double
    /// Divides `b` (ratio) or the product (default 1).
    public var divisor: Double

    /// A derivation.
    public init(operation: Operation, columns: (String, String), scale: Double = 1, divisor: Double = 1) {
        self.operation = operation
        self.columns = columns
        self.scale = scale
        self.divisor = divisor
    }

    /// The value from the two cells.
    @inline(__always)
    public func value(_ a: Double, _ b: Double) -> Double {
        Self.value(operation, scale: scale, divisor: divisor, a, b)
    }

    /// The value of `operation` on two cells (for callers that keep the fields apart).
    @inline(__always)
    public static func value(_ operation: Operation, scale: Double, divisor: Double, _ a: Double, _ b: Double) -> Double
    {
        switch operation {
        case .ratio:
            var denominator = b / divisor
            if denominator == 0 { denominator = 1 }
            return (scale * a) / denominator
        case .product:
            return (scale * a * b) / divisor
        }
    }

    /// Equal when all fields are.
    public static func == (x: Derivation, y: Derivation) -> Bool {
        x.operation == y.operation && x.columns == y.columns && x.scale == y.scale && x.divisor == y.divisor
    }
}

/// One layer of a party's or the top network.
public enum Layer: Sendable {
    /// A fully connected layer with an activation.
    case dense(DenseLayer)
    /// A gradient-boosted tree ensemble (leaf indices or margins); a party's first layer only.
    case trees(TreeEnsembleLayer)

    /// Input width.
    public var inputWidth: Int {
        switch self {
        case .dense(let d): d.inputWidth
        case .trees(let t): t.inputWidth
        }
    }

    /// Output width.
    public var outputWidth: Int {
        switch self {
        case .dense(let d): d.outputWidth
        case .trees(let t): t.outputWidth
        }
    }

    /// Whether the layer is a tree ensemble (not differentiable: its party is attributed as a whole).
    public var isTrees: Bool {
        if case .trees = self { return true }
        return false
    }
}

/// A dense layer: `y = activation(x W + b)`, `W` row-major `[in][out]`, in float32.
public struct DenseLayer: Sendable {
    /// Input width.
    public var inputWidth: Int
    /// Output width.
    public var outputWidth: Int
    /// The activation.
    public var activation: Activation
    /// `inputWidth * outputWidth` weights, row-major `[in][out]`.
    public var weights: [Float]
    /// `outputWidth` biases.
    public var bias: [Float]

    /// Creates a layer; the caller guarantees the shapes.
    public init(inputWidth: Int, outputWidth: Int, activation: Activation, weights: [Float], bias: [Float]) {
        precondition(weights.count == inputWidth * outputWidth && bias.count == outputWidth)
        self.inputWidth = inputWidth
        self.outputWidth = outputWidth
        self.activation = activation
        self.weights = weights
        self.bias = bias
    }
}

/// One bank: its features, its bottom network and the width of its representation.
public struct Party: Sendable {
    /// The party's name (its shard is `<name>.csv`).
    public var name: String
    /// Its features, in input order.
    public var features: [Feature]
    /// Its bottom network (may be empty: the standardized features are then the representation).
    public var layers: [Layer]

    /// The width of the party's block in the top network's input.
    public var representationWidth: Int { layers.last?.outputWidth ?? features.count }

    /// The shard columns its features are read from, in feature order, each once: a feature's own name, or a derived
    /// feature's two source columns.
    public var inputColumns: [String] {
        var columns: [String] = []
        for feature in features {
            let needed = feature.derivation.map { [$0.columns.0, $0.columns.1] } ?? [feature.name]
            for column in needed where !columns.contains(column) { columns.append(column) }
        }
        return columns
    }
}

/// How the top network's single output `z` becomes a score.
public enum OutputKind: Sendable, Equatable {
    /// `min + (max - min) * sigmoid(z)`.
    case rangeSigmoid(min: Double, max: Double)
    /// `z`, clipped to `min`/`max` when given.
    case linear(min: Double?, max: Double?)
    /// Points to double the odds: `base + pdo / ln 2 * (z - ln odds)`, clipped when bounds are given.
    case pdo(base: Double, odds: Double, pdo: Double, min: Double?, max: Double?)

    /// The score for `z`.
    @inline(__always)
    public func score(_ z: Double) -> Double {
        switch self {
        case .rangeSigmoid(let lo, let hi):
            return lo + (hi - lo) / (1.0 + exp(-z))
        case .linear(let lo, let hi):
            return OutputKind.clip(z, lo, hi)
        case .pdo(let base, let odds, let pdo, let lo, let hi):
            let factor = pdo / 0.693_147_180_559_945_3
            return OutputKind.clip(base - factor * log(odds) + factor * z, lo, hi)
        }
    }

    private static func clip(_ v: Double, _ lo: Double?, _ hi: Double?) -> Double {
        var v = v
        if let lo, v < lo { v = lo }
        if let hi, v > hi { v = hi }
        return v
    }
}

/// A loaded, validated `vfl-model` file: the split network, its output scaling and its reason texts.
///
/// The format is documented in docs/model-format.md. The model id is the SHA-256 of the file's bytes.
public struct SplitModel: Sendable {
    /// SHA-256 of the file bytes, hex.
    public var id: String
    /// The model's display name.
    public var name: String
    /// The key column of every shard.
    public var key: String
    /// The parties, in the order of the top network's input.
    public var parties: [Party]
    /// Whether presence flags follow the parties' blocks in the top input.
    public var masks: Bool
    /// The top network; its last layer has one output.
    public var top: [Layer]
    /// Output scaling.
    public var output: OutputKind
    /// Reason code to plain-English text.
    public var reasons: [String: String]
    /// The training population's distributions for drift indices, when the file has them.
    public var drift: DriftBaseline?

    /// The top network's input width: the representations, plus one flag per party with masks.
    public var topInputWidth: Int {
        parties.reduce(0) { $0 + $1.representationWidth } + (masks ? parties.count : 0)
    }

    /// The index of the party named `name`.
    public func partyIndex(_ name: String) -> Int? { parties.firstIndex { $0.name == name } }

    /// Loads a model file.
    ///
    /// - Throws: ``ModelError`` naming the party and layer at fault.
    public static func load(path: String) throws -> SplitModel {
        let bytes: [UInt8]
        do { bytes = try FileIO.readFile(path) } catch { throw ModelError(.io, "cannot read model \(path): \(error)") }
        return try SplitModel(bytes: bytes)
    }

    /// Parses and validates a model document.
    ///
    /// - Throws: ``ModelError`` naming the party and layer at fault.
    public init(bytes: [UInt8]) throws {
        let json: JSONValue
        do { json = try JSONValue(parsing: Data(bytes)) } catch { throw ModelError(.format, "model: \(error)") }
        guard json["format"]?.string == "vfl-model" else {
            throw ModelError(.format, "model: field \"format\" must be \"vfl-model\"")
        }
        guard let version = json["version"]?.int, version == 1 else {
            throw ModelError(.unsupported, "model: field \"version\" must be 1")
        }
        id = SHA256.hex(of: bytes)
        name = json["name"]?.string ?? ""
        let key = json["key"]?.string ?? "tax_id"
        self.key = key
        guard let partyList = json["parties"]?.array, !partyList.isEmpty else {
            throw ModelError(.field, "model: field \"parties\" is missing or empty")
        }
        var parties: [Party] = []
        for (index, item) in partyList.enumerated() {
            let party = try Self.parseParty(item, index: index)
            guard !parties.map(\.name).contains(party.name) else {
                throw ModelError(.field, "model: party \(party.name) appears twice")
            }
            if party.features.contains(where: { $0.name == key }) {
                throw ModelError(.field, "party \(party.name): the key column \(key) cannot be a feature")
            }
            parties.append(party)
        }
        self.parties = parties
        guard let topJSON = json["top"] else { throw ModelError(.field, "model: field \"top\" is missing") }
        masks = topJSON["masks"]?.bool ?? true
        let width = parties.reduce(0) { $0 + $1.representationWidth } + (masks ? parties.count : 0)
        top = try Self.parseLayers(topJSON["layers"], inputWidth: width, owner: "top")
        guard let last = top.last, last.outputWidth == 1 else {
            throw ModelError(.shape, "top: the last layer must have exactly 1 output")
        }
        output = try Self.parseOutput(json["output"])
        var reasons: [String: String] = [:]
        for (code, text) in json["reasons"]?.object ?? [] {
            guard let text = text.string else {
                throw ModelError(.field, "reasons: the text of \(code) is not a string")
            }
            reasons[code] = text
        }
        self.reasons = reasons
        drift = try Self.parseDrift(json["drift"], parties: parties)
    }

    private static func parseDrift(_ json: JSONValue?, parties: [Party]) throws -> DriftBaseline? {
        guard let json else { return nil }
        func bins(_ item: JSONValue?, _ place: String) throws -> DriftBaseline.Bins? {
            guard let item else { return nil }
            guard let edges = item["edges"]?.array?.compactMap(\.double),
                let shares = item["shares"]?.array?.compactMap(\.double),
                shares.count == edges.count + 1, zip(edges, edges.dropFirst()).allSatisfy({ $0 < $1 })
            else {
                throw ModelError(.field, "drift \(place): \"edges\" must ascend and \"shares\" hold one more number")
            }
            return DriftBaseline.Bins(edges: edges, shares: shares)
        }
        let score = try bins(json["score"], "score")
        let features = try parties.map { party in
            try party.features.map { feature in
                try bins(json["features"]?[party.name]?[feature.name], "\(party.name) \(feature.name)")
            }
        }
        return DriftBaseline(score: score, features: features)
    }

    private static func parseParty(_ json: JSONValue, index: Int) throws -> Party {
        guard let name = json["name"]?.string, BatchID.isValidPartyName(name) else {
            throw ModelError(.field, "party #\(index + 1): field \"name\" is missing or not a valid party name")
        }
        guard let featureList = json["features"]?.array, !featureList.isEmpty else {
            throw ModelError(.field, "party \(name): field \"features\" is missing or empty")
        }
        var features: [Feature] = []
        for (i, item) in featureList.enumerated() {
            guard let featureName = item["name"]?.string, !featureName.isEmpty else {
                throw ModelError(.field, "party \(name) feature #\(i + 1): field \"name\" is missing")
            }
            let mean = item["mean"]?.double ?? 0
            let std = item["std"]?.double ?? 1
            guard mean.isFinite, std.isFinite, std > 0 else {
                throw ModelError(
                    .nonFinite, "party \(name) feature \(featureName): mean must be finite and std positive")
            }
            var values: [(text: [UInt8], value: Double)]?
            if let map = item["values"] {
                guard let members = map.object else {
                    throw ModelError(.field, "party \(name) feature \(featureName): \"values\" must be an object")
                }
                values = try members.map { text, value in
                    guard let v = value.double, v.isFinite else {
                        throw ModelError(
                            .field, "party \(name) feature \(featureName): value of \"\(text)\" is not a number")
                    }
                    return (Array(text.utf8), v)
                }
            }
            var derivation: Derivation?
            if let derive = item["derive"] {
                guard let op = derive["op"]?.string.flatMap(Derivation.Operation.init(rawValue:)),
                    let of = derive["of"]?.array?.compactMap(\.string), of.count == 2
                else {
                    throw ModelError(
                        .field,
                        "party \(name) feature \(featureName): \"derive\" needs \"op\" (ratio or product) and \"of\" "
                            + "(two column names)")
                }
                let scale = derive["scale"]?.double ?? 1
                let divisor = derive["divisor"]?.double ?? 1
                guard scale.isFinite, divisor.isFinite, divisor != 0 else {
                    throw ModelError(
                        .field,
                        "party \(name) feature \(featureName): \"scale\" and \"divisor\" must be finite, divisor non-zero"
                    )
                }
                guard item["values"] == nil else {
                    throw ModelError(.field, "party \(name) feature \(featureName): a derived feature has no value map")
                }
                derivation = Derivation(operation: op, columns: (of[0], of[1]), scale: scale, divisor: divisor)
            }
            var signedLog = false
            if let transform = item["transform"] {
                guard transform.string == "signed_log1p" else {
                    throw ModelError(
                        .unsupported,
                        "party \(name) feature \(featureName): unknown \"transform\" (known: signed_log1p)")
                }
                signedLog = true
            }
            guard !features.contains(where: { $0.name == featureName }) else {
                throw ModelError(.field, "party \(name): feature \(featureName) appears twice")
            }
            features.append(
                Feature(
                    name: featureName, mean: mean, std: std, reason: item["reason"]?.string ?? featureName,
                    values: values, signedLog: signedLog, derivation: derivation))
        }
        let layers = try parseLayers(json["layers"] ?? .array([]), inputWidth: features.count, owner: "party \(name)")
        return Party(name: name, features: features, layers: layers)
    }

    private static func parseLayers(_ json: JSONValue?, inputWidth: Int, owner: String) throws -> [Layer] {
        guard let list = json?.array else { throw ModelError(.field, "\(owner): field \"layers\" is missing") }
        var width = inputWidth
        var layers: [Layer] = []
        for (i, item) in list.enumerated() {
            let where_ = "\(owner) layer \(i)"
            let kind = item["kind"]?.string ?? "dense"
            switch kind {
            case "tree_ensemble":
                guard i == 0 else {
                    throw ModelError(.unsupported, "\(where_): a tree ensemble must be the first layer of a party")
                }
                guard owner != "top" else {
                    throw ModelError(.unsupported, "\(where_): a tree ensemble belongs to a party, not the top network")
                }
                let layer = try TreeEnsembleLayer.parse(item, where: where_)
                guard layer.inputWidth == width else {
                    throw ModelError(.shape, "\(where_): \"in\" is \(layer.inputWidth), the previous width is \(width)")
                }
                width = layer.outputWidth
                layers.append(.trees(layer))
            case "dense":
                let layer = try parseDense(item, where: where_)
                guard layer.inputWidth == width else {
                    throw ModelError(.shape, "\(where_): \"in\" is \(layer.inputWidth), the previous width is \(width)")
                }
                width = layer.outputWidth
                layers.append(.dense(layer))
            default:
                throw ModelError(.unsupported, "\(where_): unknown layer kind \"\(kind)\"")
            }
        }
        return layers
    }

    private static func parseDense(_ item: JSONValue, where place: String) throws -> DenseLayer {
        guard let n = item["in"]?.int, n > 0, let m = item["out"]?.int, m > 0 else {
            throw ModelError(.field, "\(place): \"in\" and \"out\" must be positive integers")
        }
        let name = item["activation"]?.string ?? "linear"
        guard let activation = Activation(name: name, alpha: item["alpha"]?.double) else {
            throw ModelError(.unsupported, "\(place): unknown activation \"\(name)\"")
        }
        // "in" and "out" are each below 2^53: their product can overflow, and no file holds that many weights.
        let (count, overflow) = n.multipliedReportingOverflow(by: m)
        guard !overflow else { throw ModelError(.shape, "\(place): in*out = \(n)*\(m) is too large") }
        guard let w = item["weights"]?.array, w.count == count else {
            throw ModelError(.shape, "\(place): \"weights\" must hold in*out = \(count) numbers")
        }
        guard let b = item["bias"]?.array, b.count == m else {
            throw ModelError(.shape, "\(place): \"bias\" must hold out = \(m) numbers")
        }
        func floats(_ values: [JSONValue], _ field: String) throws -> [Float] {
            try values.map { value in
                guard let v = value.double, v.isFinite, Float(v).isFinite else {
                    throw ModelError(.nonFinite, "\(place): \"\(field)\" holds a non-finite or non-numeric value")
                }
                return Float(v)
            }
        }
        return DenseLayer(
            inputWidth: n, outputWidth: m, activation: activation, weights: try floats(w, "weights"),
            bias: try floats(b, "bias"))
    }

    private static func parseOutput(_ json: JSONValue?) throws -> OutputKind {
        guard let json, let kind = json["kind"]?.string else {
            throw ModelError(.field, "output: field \"kind\" is missing")
        }
        func number(_ key: String) throws -> Double {
            guard let v = json[key]?.double, v.isFinite else {
                throw ModelError(.field, "output: field \"\(key)\" is missing or not a number")
            }
            return v
        }
        let lo = json["min"]?.double
        let hi = json["max"]?.double
        switch kind {
        case "range_sigmoid":
            return .rangeSigmoid(min: try number("min"), max: try number("max"))
        case "linear":
            return .linear(min: lo, max: hi)
        case "pdo":
            let odds = try number("odds")
            guard odds > 0 else { throw ModelError(.field, "output: \"odds\" must be positive") }
            return .pdo(base: try number("base"), odds: odds, pdo: try number("pdo"), min: lo, max: hi)
        default:
            throw ModelError(.unsupported, "output: unknown kind \"\(kind)\"")
        }
    }
}
