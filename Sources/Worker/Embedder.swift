import Core
public import Model

/// `vfl embed`: computes one party's bottom network on its own shard and writes its representation shard
/// (key, `r1..rK`, `model`), so that the bank's raw columns never leave it.
///
/// Rows are written in key order. A row that cannot be computed (a bad value, or one whose network overflows) is
/// written with empty `r` cells, so the scorer rejects it with its line instead of losing it; ``Outcome/badRows``
/// counts them.
public struct Embedder: Sendable {
    /// The model.
    public let model: SplitModel

    /// Counts of a run.
    public struct Outcome: Sendable {
        /// Rows written.
        public var rows: Int
        /// Rows written without a representation because of a bad value or an overflow.
        public var badRows: Int
    }

    /// Creates an embedder.
    public init(model: SplitModel) { self.model = model }

    /// Embeds `shardPath` as party `party` into `outputPath` (written atomically).
    ///
    /// - Throws: ``ScoringError`` for an unknown party, malformed CSV, missing columns or a duplicate key.
    public func embed(party name: String, shardPath: String, outputPath: String) throws -> Outcome {
        guard let p = model.partyIndex(name) else {
            throw ScoringError(.manifest, "the model has no party \(name)")
        }
        let table = try ShardLoader(model: model).load(path: shardPath, party: p, input: .features)
        try table.sortKeys()
        let width = model.parties[p].representationWidth
        let evaluator = NetworkEvaluator(model: model, capacity: 2048)
        let temporary = FileIO.temporaryName(for: outputPath)
        var bad = 0
        do {
            let writer = try BufferedFileWriter(path: temporary)
            var header = ScoreText.cell(model.key)
            for j in 1...width { header += Array(",r\(j)".utf8) }
            header += Array(",model\n".utf8)
            try writer.write(header)
            let modelID = Array(model.id.utf8)
            var representation = [Float](repeating: 0, count: 2048 * width)
            var start = 0
            let input = evaluator.featureInput(party: p)
            while start < table.sortedCount {
                let rows = min(2048, table.sortedCount - start)
                for i in 0..<rows {
                    let row = Int(table.entries[start + i].row)
                    (input + i * table.width).update(from: table.values(row), count: table.width)
                }
                representation.withUnsafeMutableBufferPointer { out in
                    evaluator.representations(party: p, rows: rows, output: out.baseAddress!, ldo: width)
                }
                var text: [UInt8] = []
                text.reserveCapacity(rows * (16 + width * 14 + 66))
                for i in 0..<rows {
                    let entry = table.entries[start + i]
                    let row = Int(entry.row)
                    table.withKey(entry) { ScoreText.appendCell($0, to: &text) }
                    // A bad value, or a network that overflowed on this row: no representation.
                    let good = table.problems[row] == 0 && evaluator.overflowParty(row: i) == nil
                    if !good { bad += 1 }
                    for j in 0..<width {
                        text.append(UInt8(ascii: ","))
                        if good { text += Array(FloatText.shortest(representation[i * width + j]).utf8) }
                    }
                    text.append(UInt8(ascii: ","))
                    text += modelID
                    text.append(UInt8(ascii: "\n"))
                }
                try writer.write(text)
                start += rows
            }
            try writer.close(sync: true)
            try FileIO.rename(temporary, to: outputPath)
        } catch let error as ScoringError {
            throw error
        } catch {
            throw ScoringError(.io, "cannot write \(outputPath): \(error)")
        }
        return Outcome(rows: table.sortedCount, badRows: bad)
    }
}

/// Float formatting that round-trips exactly.
enum FloatText {
    /// The shortest decimal text that reads back as the same `Float`.
    static func shortest(_ value: Float) -> String {
        if value == 0 { return "0" }
        return "\(value)"
    }
}
