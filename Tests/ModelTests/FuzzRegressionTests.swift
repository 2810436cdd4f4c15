import Core
import Fixtures
import Foundation
import Model
import Testing

/// Replays the model target's fuzz inputs as its harness (fuzz/model.swift) does: load, describe, and score a block
/// with reasons, each party given as features, as a representation and absent. A crash fails the whole run, a load
/// error is fine.
@Suite struct FuzzRegressionTests {
    @Test func inputs_arePresent() {
        #expect(!fuzzInputs("model").isEmpty)
    }

    @Test(arguments: fuzzInputs("model"))
    func model_loadsOrFailsAndALoadedOneScores(_ path: String) throws {
        guard let model = try? SplitModel(bytes: try FileIO.readFile(path)) else { return }
        _ = model.info.text
        let rows = 4
        let evaluator = NetworkEvaluator(model: model, capacity: rows)
        let values: [Float] = [0, .nan, 1, -2.5]
        for (p, party) in model.parties.enumerated() {
            let input = evaluator.featureInput(party: p)
            for i in 0..<rows * party.features.count { input[i] = values[i % values.count] }
            let representation = evaluator.representationInput(party: p)
            for i in 0..<rows * party.representationWidth { representation[i] = values[(i + 1) % values.count] }
            let presence = evaluator.presence(party: p)
            for i in 0..<rows { presence[i] = i == 3 ? 0 : 1 }
        }
        let kinds: [PartyInput] = [.features, .representation, .absent]
        for round in 0..<kinds.count {
            let inputs = model.parties.indices.map { kinds[($0 + round) % kinds.count] }
            evaluator.evaluate(rows: rows, inputs: inputs, reasons: true)
            for row in 0..<rows {
                _ = model.output.score(evaluator.z(row: row))
                for code in evaluator.reasons(row: row) {
                    #expect(code >= -1 && Int(code) < evaluator.reasonCodes.count)
                }
            }
        }
    }
}
