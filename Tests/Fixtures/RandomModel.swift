public import Core
public import Model

#if canImport(Glibc)
import Glibc
#endif

/// A small deterministic random generator for test fixtures (Core's SplitMix64 started at the seed).
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var generator: SplitMix64

    /// Creates a generator from a seed.
    public init(seed: UInt64) { generator = SplitMix64(state: seed) }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 { generator.next() }

    /// A uniform double in `range`.
    public mutating func uniform(_ range: ClosedRange<Double>) -> Double { Double.random(in: range, using: &self) }
}

/// The shape of a random party for ``RandomModel``.
public struct PartyShape: Sendable {
    /// The party's name.
    public var name: String
    /// How many features.
    public var features: Int
    /// Hidden widths of its bottom network (the last is its representation width).
    public var hidden: [Int]
    /// Whether feature 0 is a boolean with a value map.
    public var booleanFirst: Bool

    /// Creates a shape.
    public init(name: String, features: Int, hidden: [Int], booleanFirst: Bool = false) {
        self.name = name
        self.features = features
        self.hidden = hidden
        self.booleanFirst = booleanFirst
    }
}

/// Random `vfl-model` documents for tests: Glorot-uniform weights, features named `<party>_f<i>`.
public enum RandomModel {
    /// A model document as JSON text.
    ///
    /// - Parameters:
    ///   - parties: The parties' shapes.
    ///   - top: Hidden widths of the top network (a final 1-unit linear layer is added).
    ///   - activation: The hidden layers' activation name.
    ///   - masks: Whether the top has presence flags.
    ///   - output: The output object.
    public static func json(
        seed: UInt64, parties: [PartyShape], top: [Int], activation: String = "relu", masks: Bool = true,
        output: JSONValue = ["kind": "range_sigmoid", "min": 300, "max": 850], key: String = "tax_id"
    ) -> String {
        var random = SeededRandom(seed: seed)
        func dense(_ n: Int, _ m: Int, _ activation: String) -> JSONValue {
            let limit = (6.0 / Double(n + m)).squareRoot()
            return [
                "kind": "dense", "in": .number(Double(n)), "out": .number(Double(m)), "activation": .string(activation),
                "weights": .array((0..<n * m).map { _ in .number(Float(random.uniform(-limit...limit)).asDouble) }),
                "bias": .array((0..<m).map { _ in .number(Float(random.uniform(-0.1...0.1)).asDouble) }),
            ]
        }
        var partyJSON: [JSONValue] = []
        var width = 0
        var reasons: [(String, JSONValue)] = []
        for party in parties {
            var features: [JSONValue] = []
            for f in 0..<party.features {
                let code = "\(party.name.prefix(2).uppercased())\(f)"
                reasons.append((code, .string("\(party.name) feature \(f)")))
                var feature: [(String, JSONValue)] = [
                    ("name", .string("\(party.name)_f\(f)")),
                    ("mean", .number((random.uniform(-5...5) * 100).rounded() / 100)),
                    ("std", .number((random.uniform(0.5...3) * 100).rounded() / 100)), ("reason", .string(code)),
                ]
                if f == 0 && party.booleanFirst {
                    feature[1].1 = 0.5
                    feature[2].1 = 0.5
                    feature.append(("values", ["True": 1, "False": 0]))
                }
                features.append(.object(feature))
            }
            let dims = [party.features] + party.hidden
            var layers: [JSONValue] = []
            for i in 0..<(dims.count - 1) { layers.append(dense(dims[i], dims[i + 1], activation)) }
            partyJSON.append(["name": .string(party.name), "features": .array(features), "layers": .array(layers)])
            width += dims.last!
        }
        let topDims = [width + (masks ? parties.count : 0)] + top
        var topLayers: [JSONValue] = []
        for i in 0..<(topDims.count - 1) { topLayers.append(dense(topDims[i], topDims[i + 1], activation)) }
        topLayers.append(dense(topDims.last!, 1, "linear"))
        let model: JSONValue = [
            "format": "vfl-model", "version": 1, "name": .string("random-\(seed)"), "key": .string(key),
            "parties": .array(partyJSON), "top": ["masks": .bool(masks), "layers": .array(topLayers)], "output": output,
            "reasons": .object(reasons),
        ]
        return model.text
    }

    /// The default four-party test shape.
    public static let fourParties: [PartyShape] = [
        PartyShape(name: "auto_loans", features: 5, hidden: [8, 4], booleanFirst: true),
        PartyShape(name: "digital_savings", features: 4, hidden: [6, 3]),
        PartyShape(name: "home_loans", features: 6, hidden: [8, 4]),
        PartyShape(name: "credit_card", features: 3, hidden: [5, 2]),
    ]
}

extension Float {
    fileprivate var asDouble: Double { Double(self) }
}

/// A scalar float64 implementation of the split network, independent of BLAS and of ``NetworkEvaluator``.
public enum ReferenceNetwork {
    /// The score of one customer.
    ///
    /// - Parameters:
    ///   - model: The model.
    ///   - inputs: Per party (model order) the standardized features, or `nil` when the party does not know them.
    public static func score(model: SplitModel, inputs: [[Double]?]) -> Double {
        var top: [Double] = []
        var flags: [Double] = []
        for (p, party) in model.parties.enumerated() {
            if let x = inputs[p] {
                top += run(party.layers, x)
                flags.append(1)
            } else {
                top += [Double](repeating: 0, count: party.representationWidth)
                flags.append(0)
            }
        }
        if model.masks { top += flags }
        let z = run(model.top, top)[0]
        return model.output.score(z)
    }

    /// Runs dense layers in float64.
    public static func run(_ layers: [Layer], _ input: [Double]) -> [Double] {
        var x = input
        for layer in layers {
            guard case .dense(let d) = layer else { fatalError("dense only") }
            var y = [Double](repeating: 0, count: d.outputWidth)
            for j in 0..<d.outputWidth {
                var sum = Double(d.bias[j])
                for i in 0..<d.inputWidth { sum += x[i] * Double(d.weights[i * d.outputWidth + j]) }
                y[j] = sum
            }
            switch d.activation {
            case .linear: break
            case .relu: y = y.map { max($0, 0) }
            case .sigmoid: y = y.map { 1 / (1 + exp(-$0)) }
            case .tanh: y = y.map { tanh($0) }
            case .elu(let a): y = y.map { $0 > 0 ? $0 : Double(a) * expm1($0) }
            case .leakyRelu(let a): y = y.map { $0 > 0 ? $0 : Double(a) * $0 }
            case .softmax:
                let top = y.max()!
                let e = y.map { exp($0 - top) }
                let s = e.reduce(0, +)
                y = e.map { $0 / s }
            }
            x = y
        }
        return x
    }
}
