import Core
import Fixtures
import Foundation
import Model
import Testing

@Suite struct NetworkEvaluatorTests {
    struct Shape: Sendable, CustomStringConvertible {
        var parties: [PartyShape]
        var top: [Int]
        var activation: String
        var masks: Bool
        var output: JSONValue
        var description: String { "\(parties.count) parties, top \(top), \(activation), masks \(masks)" }
    }

    static let shapes: [Shape] = [
        Shape(
            parties: RandomModel.fourParties, top: [16, 8], activation: "relu", masks: true,
            output: ["kind": "range_sigmoid", "min": 300, "max": 850]),
        Shape(
            parties: RandomModel.fourParties, top: [12], activation: "tanh", masks: false, output: ["kind": "linear"]),
        Shape(
            parties: [
                PartyShape(name: "a", features: 30, hidden: [64, 32, 16]),
                PartyShape(name: "b", features: 2, hidden: []),
            ],
            top: [64, 32], activation: "elu", masks: true,
            output: ["kind": "pdo", "base": 600, "odds": 20, "pdo": 20, "min": 300, "max": 850]),
        Shape(
            parties: [PartyShape(name: "solo", features: 7, hidden: [5])], top: [], activation: "sigmoid", masks: true,
            output: ["kind": "linear", "min": -1e9, "max": 1e9]),
        Shape(
            parties: RandomModel.fourParties, top: [9], activation: "leaky_relu", masks: true,
            output: ["kind": "range_sigmoid", "min": 0, "max": 1000]),
        Shape(
            parties: RandomModel.fourParties, top: [6], activation: "softmax", masks: true, output: ["kind": "linear"]),
    ]

    func model(_ shape: Shape, seed: UInt64) throws -> SplitModel {
        let text = RandomModel.json(
            seed: seed, parties: shape.parties, top: shape.top, activation: shape.activation, masks: shape.masks,
            output: shape.output)
        return try SplitModel(bytes: Array(text.utf8))
    }

    /// Fills a block with random inputs and presence; returns the float64 reference inputs.
    func fill(_ evaluator: NetworkEvaluator, rows: Int, random: inout SeededRandom) -> [[[Double]?]] {
        let model = evaluator.model
        var reference: [[[Double]?]] = []
        for i in 0..<rows {
            var row: [[Double]?] = []
            for (p, party) in model.parties.enumerated() {
                let known = random.uniform(0...1) < 0.8
                evaluator.presence(party: p)[i] = known ? 1 : 0
                var x: [Double] = []
                for f in 0..<party.features.count {
                    let v = known ? Float(random.uniform(-3...3)) : 0
                    evaluator.featureInput(party: p)[i * party.features.count + f] = v
                    x.append(Double(v))
                }
                row.append(known ? x : nil)
            }
            reference.append(row)
        }
        return reference
    }

    @Test(arguments: shapes)
    func evaluate_agreesWithScalarFloat64Reference(_ shape: Shape) throws {
        let model = try model(shape, seed: 11)
        let evaluator = NetworkEvaluator(model: model, capacity: 700)
        var random = SeededRandom(seed: 5)
        let rows = 700
        let reference = fill(evaluator, rows: rows, random: &random)
        evaluator.evaluate(rows: rows, inputs: Array(repeating: .features, count: model.parties.count), reasons: true)
        var worst = 0.0
        for i in 0..<rows {
            let expected = ReferenceNetwork.score(model: model, inputs: reference[i])
            worst = max(worst, abs(model.output.score(evaluator.z(row: i)) - expected))
        }
        #expect(worst <= 1e-3, "largest difference \(worst) points")
    }

    @Test func evaluate_rowResultDoesNotDependOnItsBlock() throws {
        let model = try model(Self.shapes[0], seed: 3)
        let big = NetworkEvaluator(model: model, capacity: 1500)
        var random = SeededRandom(seed: 9)
        _ = fill(big, rows: 1500, random: &random)
        let inputs = [PartyInput](repeating: .features, count: model.parties.count)
        big.evaluate(rows: 1500, inputs: inputs, reasons: true)
        // The same rows, scored in small blocks of odd sizes starting at other offsets (same capacity).
        let small = NetworkEvaluator(model: model, capacity: 1500)
        var start = 0
        while start < 1500 {
            let rows = min(37 - start % 5, 1500 - start)
            for (p, party) in model.parties.enumerated() {
                let width = party.features.count
                small.featureInput(party: p).update(
                    from: big.featureInput(party: p) + start * width, count: rows * width)
                small.presence(party: p).update(from: big.presence(party: p) + start, count: rows)
            }
            small.evaluate(rows: rows, inputs: inputs, reasons: true)
            for i in 0..<rows {
                #expect(small.z(row: i).bitPattern == big.z(row: start + i).bitPattern)
                #expect(Array(small.reasons(row: i)) == Array(big.reasons(row: start + i)))
            }
            start += rows
        }
    }

    @Test func reasons_areExactForLinearNetworks() throws {
        // Linear bottoms and a linear top: the contribution of feature i is w_i * (x_i - mean_i) / std_i.
        let shape = Shape(
            parties: [
                PartyShape(name: "a", features: 4, hidden: [3]), PartyShape(name: "b", features: 3, hidden: [2]),
            ],
            top: [], activation: "linear", masks: true, output: ["kind": "linear"])
        let model = try model(shape, seed: 21)
        let evaluator = NetworkEvaluator(model: model, capacity: 50)
        var random = SeededRandom(seed: 2)
        let reference = fill(evaluator, rows: 50, random: &random)
        evaluator.evaluate(rows: 50, inputs: [.features, .features], reasons: true)
        guard case .dense(let top) = model.top[0] else { return }
        var offset = 0
        var effective: [[Double]] = []
        for party in model.parties {
            guard case .dense(let d) = party.layers[0] else { return }
            effective.append(
                (0..<d.inputWidth).map { i in
                    (0..<d.outputWidth).reduce(0.0) {
                        $0 + Double(d.weights[i * d.outputWidth + $1]) * Double(top.weights[offset + $1])
                    }
                })
            offset += d.outputWidth
        }
        for row in 0..<50 {
            let contributions = evaluator.contributions(row: row)
            for (p, party) in model.parties.enumerated() {
                for (f, feature) in party.features.enumerated() {
                    let code = evaluator.reasonCodes.firstIndex(of: feature.reason)!
                    let x = reference[row][p]?[f] ?? 0
                    let expected = effective[p][f] * x
                    #expect(abs(Double(contributions[code]) - expected) <= 1e-5 * max(1, abs(expected)))
                }
            }
            // The reasons are the most negative contributions, in order.
            let reasons = Array(evaluator.reasons(row: row)).filter { $0 >= 0 }.map { contributions[Int($0)] }
            #expect(reasons == reasons.sorted())
            #expect(reasons.allSatisfy { $0 < 0 })
            let negatives = contributions.filter { $0 < 0 }.count
            #expect(reasons.count == min(4, negatives))
        }
    }

    /// The four most negative of the active codes' contributions, ties to the lower code: the rule, written plainly.
    func expectedReasons(_ contributions: UnsafeBufferPointer<Float>, active: [Int]) -> [Int32] {
        let chosen = active.filter { contributions[$0] < 0 }
            .sorted { (contributions[$0], $0) < (contributions[$1], $1) }.prefix(4).map { Int32($0) }
        return chosen + Array(repeating: -1, count: 4 - chosen.count)
    }

    @Test(arguments: [false, true])
    func reasons_areTheFourMostNegativeOfTheBatchsCodesTiesToTheLowerCode(_ absentParty: Bool) throws {
        // Many codes (the eight-at-a-time scan) and, with a party absent, only some codes active (the plain scan).
        let shape = Shape(
            parties: [
                PartyShape(name: "wide", features: 37, hidden: [8]), PartyShape(name: "thin", features: 3, hidden: []),
                PartyShape(name: "mid", features: 9, hidden: [4, 2]),
            ],
            top: [6], activation: "relu", masks: true, output: ["kind": "linear"])
        let model = try model(shape, seed: 5)
        let evaluator = NetworkEvaluator(model: model, capacity: 300)
        var random = SeededRandom(seed: 9)
        _ = fill(evaluator, rows: 300, random: &random)
        let inputs: [PartyInput] = absentParty ? [.features, .absent, .features] : [.features, .features, .features]
        evaluator.evaluate(rows: 300, inputs: inputs, reasons: true)
        var active: [Int] = []
        for (p, party) in model.parties.enumerated() where inputs[p] != .absent {
            active += party.features.map { evaluator.reasonCodes.firstIndex(of: $0.reason)! }
        }
        var withReasons = 0
        for row in 0..<300 {
            let expected = expectedReasons(evaluator.contributions(row: row), active: active.sorted())
            #expect(Array(evaluator.reasons(row: row)) == expected, "row \(row)")
            if expected[3] >= 0 { withReasons += 1 }
        }
        #expect(withReasons > 100)
    }

    @Test func reasons_aCodeSharedByFeaturesOfTwoPartiesSumsTheirContributions() throws {
        // A code used by two features is not consecutive with the others: its contributions are added one by one.
        let text = RandomModel.json(seed: 3, parties: RandomModel.fourParties, top: [8])
        let shared = try SplitModel(
            bytes: Array(text.replacingOccurrences(of: "\"reason\":\"AU1\"", with: "\"reason\":\"DI0\"").utf8))
        let plain = try SplitModel(bytes: Array(text.utf8))
        #expect(shared.parties[0].features[1].reason == "DI0")
        let a = NetworkEvaluator(model: plain, capacity: 64)
        let b = NetworkEvaluator(model: shared, capacity: 64)
        var random = SeededRandom(seed: 1)
        _ = fill(a, rows: 64, random: &random)
        random = SeededRandom(seed: 1)
        _ = fill(b, rows: 64, random: &random)
        let inputs = [PartyInput](repeating: .features, count: 4)
        a.evaluate(rows: 64, inputs: inputs, reasons: true)
        b.evaluate(rows: 64, inputs: inputs, reasons: true)
        let au1 = a.reasonCodes.firstIndex(of: "AU1")!
        let di0 = a.reasonCodes.firstIndex(of: "DI0")!
        let sharedCode = b.reasonCodes.firstIndex(of: "DI0")!
        for row in 0..<64 {
            let (ca, cb) = (a.contributions(row: row), b.contributions(row: row))
            #expect(cb[sharedCode] == ca[au1] + ca[di0])
            for (k, code) in b.reasonCodes.enumerated() where code != "DI0" {
                #expect(cb[k] == ca[a.reasonCodes.firstIndex(of: code)!])
            }
            let active = Array(0..<b.reasonCodes.count).filter { b.reasonCodes[$0] != "AU1" }
            #expect(Array(b.reasons(row: row)) == expectedReasons(cb, active: active))
        }
    }

    @Test func representation_givesTheSameScoresAsFeatures() throws {
        let model = try model(Self.shapes[0], seed: 8)
        let evaluator = NetworkEvaluator(model: model, capacity: 200)
        var random = SeededRandom(seed: 4)
        _ = fill(evaluator, rows: 200, random: &random)
        let features = [PartyInput](repeating: .features, count: 4)
        evaluator.evaluate(rows: 200, inputs: features, reasons: false)
        let expected = (0..<200).map { evaluator.z(row: $0) }
        let width = model.parties[1].representationWidth
        evaluator.representations(party: 1, rows: 200, output: evaluator.representationInput(party: 1), ldo: width)
        evaluator.evaluate(rows: 200, inputs: [.features, .representation, .features, .features], reasons: true)
        for i in 0..<200 { #expect(evaluator.z(row: i) == expected[i]) }
    }

    @Test func blas_selfCheckPasses() {
        #expect(BLAS.selfCheck() < 1e-5)
    }

    /// The kernel this process runs keeps a row's result wherever the row sits (scripts/test gives the tests the
    /// kernel vfl picks, `vfl blas`, not an `OPENBLAS_CORETYPE` the machine may carry).
    @Test func blas_placementCheckPassesOnTheKernelVflPicks() {
        #expect(
            BLAS.placementCheck(),
            "kernel \(BLAS.coreName): run the tests through scripts/test, which picks it as vfl does")
    }

    /// Scoring never picks the AVX2 kernels (a row's result depends on its place there); training keeps them, for the
    /// same model file on every AVX2 machine.
    @Test func blas_kernelChoiceByCPUFlags() {
        let avx2: Set<String> = ["avx", "avx2", "fma"]
        let avx512 = avx2.union(["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"])
        #expect(BLAS.preferredCoreType(cpuFlags: avx2) == "SandyBridge")
        #expect(BLAS.trainingCoreType(cpuFlags: avx2) == "Haswell")
        #expect(BLAS.preferredCoreType(cpuFlags: avx512) == "SkylakeX")
        #expect(BLAS.preferredCoreType(cpuFlags: avx512.union(["avx512_bf16"])) == "Cooperlake")
        #expect(BLAS.trainingCoreType(cpuFlags: avx512) == "Haswell")
        #expect(BLAS.preferredCoreType(cpuFlags: ["avx"]) == "SandyBridge")
        #expect(BLAS.trainingCoreType(cpuFlags: ["avx"]) == "SandyBridge")
        #expect(BLAS.preferredCoreType(cpuFlags: ["sse2"]) == nil)
    }
}
