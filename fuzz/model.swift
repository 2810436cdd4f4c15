// libFuzzer target `model`: Model's loader, `SplitModel(bytes:)`, which reads a model file (`--model`, VFL_MODEL).
//
// A file that loads is then used as `vfl model info` and a worker use it: its description is written, and an
// evaluator for 4-row blocks scores a block with reason codes, each party given in turn as features (zeros, NaN,
// ones), as a representation and absent, so a file the loader accepts cannot crash a scoring process either.
import Core
import Model

/// The libFuzzer entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModel(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
    guard let model = try? SplitModel(bytes: bytes) else { return 0 }
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
            for code in evaluator.reasons(row: row) where code >= 0 { _ = evaluator.reasonCodes[Int(code)] }
        }
    }
    return 0
}
