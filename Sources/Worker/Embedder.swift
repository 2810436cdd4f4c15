import Core
public import Model

#if canImport(Glibc)
import Glibc
#endif

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
    /// With a tokenizer the keys are tokenized as well (`vfl embed --key-file`): the output carries neither raw
    /// columns nor raw keys, its rows are in token order, it declares its scheme like `vfl tokenize`'s, and `mapPath`
    /// receives the token → key map.
    ///
    /// - Throws: ``ScoringError`` for an unknown party, malformed CSV, missing columns or a duplicate key (also two
    ///   keys that normalize to one).
    public func embed(
        party name: String, shardPath: String, outputPath: String, tokenizer: Tokenizer? = nil, mapPath: String? = nil
    ) throws -> Outcome {
        guard let p = model.partyIndex(name) else {
            throw ScoringError(.manifest, "the model has no party \(name)")
        }
        let table = try ShardLoader(model: model).load(path: shardPath, party: p, input: .features)
        if table.tokenScheme != nil {
            throw ScoringError(.columns, "party \(name): \(table.file) is tokenized already; embed the raw shard")
        }
        try table.sortKeys()
        let tokens = try tokenizer.map { try EmbeddedTokens(table: table, tokenizer: $0) }
        let map = try mapPath.map { try TokenMapWriter(path: $0, keyColumn: model.key) }
        defer { map?.abandon() }
        let width = model.parties[p].representationWidth
        let evaluator = NetworkEvaluator(model: model, capacity: 2048)
        let temporary = FileIO.temporaryName(for: outputPath)
        var bad = 0
        do {
            let writer = try BufferedFileWriter(path: temporary)
            var header = ScoreText.cell(model.key)
            for j in 1...width { header += Array(",r\(j)".utf8) }
            header += Array(",model".utf8)
            if let tokenizer { header += Array(",\(tokenizer.scheme.columnName)".utf8) }
            header += [10]
            try writer.write(header)
            let modelID = Array(model.id.utf8)
            var representation = [Float](repeating: 0, count: 2048 * width)
            var start = 0
            let input = evaluator.featureInput(party: p)
            while start < table.sortedCount {
                let rows = min(2048, table.sortedCount - start)
                for i in 0..<rows {
                    let row = Int(table.entries[tokens?.order[start + i] ?? start + i].row)
                    (input + i * table.width).update(from: table.values(row), count: table.width)
                }
                representation.withUnsafeMutableBufferPointer { out in
                    evaluator.representations(party: p, rows: rows, output: out.baseAddress!, ldo: width)
                }
                var text: [UInt8] = []
                text.reserveCapacity(rows * (16 + width * 14 + 66))
                for i in 0..<rows {
                    let index = tokens?.order[start + i] ?? start + i
                    let entry = table.entries[index]
                    let row = Int(entry.row)
                    if let tokens {
                        if let token = tokens.token(index) {
                            text += token
                            table.withKey(entry) { map?.append(token: token, key: $0) }
                        }
                    } else {
                        table.withKey(entry) { ScoreText.appendCell($0, to: &text) }
                    }
                    // A bad value, or a network that overflowed on this row: no representation.
                    let good = table.problems[row] == 0 && evaluator.overflowParty(row: i) == nil
                    if !good { bad += 1 }
                    for j in 0..<width {
                        text.append(UInt8(ascii: ","))
                        if good { text += Array(FloatText.shortest(representation[i * width + j]).utf8) }
                    }
                    text.append(UInt8(ascii: ","))
                    text += modelID
                    if tokens != nil { text.append(UInt8(ascii: ",")) }
                    text.append(UInt8(ascii: "\n"))
                }
                try writer.write(text)
                try map?.flushIfFull()
                start += rows
            }
            try writer.close(sync: true)
            try map?.commit()
            try FileIO.rename(temporary, to: outputPath)
        } catch let error as ScoringError {
            throw error
        } catch {
            throw ScoringError(.io, "cannot write \(outputPath): \(error)")
        }
        return Outcome(rows: table.sortedCount, badRows: bad)
    }
}

/// The tokens of a sorted table's keys, and the order that sorts its rows by token (keys that normalize to nothing
/// first, written with an empty key).
private struct EmbeddedTokens {
    /// Table entry indices in token order.
    var order: [Int]
    private var bytes: [UInt8]
    private var present: [Bool]

    /// Tokenizes every sorted key of `table`.
    ///
    /// - Throws: ``ScoringError`` of code `duplicateKey` when two keys normalize to one, naming their lines.
    init(table: PartyTable, tokenizer: Tokenizer) throws {
        let n = table.sortedCount
        var bytes = [UInt8](repeating: 0, count: n * ConsortiumKey.tokenLength)
        var present = [Bool](repeating: false, count: n)
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 20)
        defer { scratch.deallocate() }
        bytes.withUnsafeMutableBufferPointer { out in
            for i in 0..<n {
                table.withKey(table.entries[i]) { key in
                    tokenizer.normalization.apply(key, scratch: scratch) { normalized in
                        guard normalized.count > 0 else { return }
                        tokenizer.key.writeToken(of: normalized, to: out.baseAddress! + i * ConsortiumKey.tokenLength)
                        present[i] = true
                    }
                }
            }
        }
        let order = bytes.withUnsafeBufferPointer { all in
            (0..<n).sorted { a, b in
                if present[a] != present[b] { return !present[a] }
                let c = memcmp(
                    all.baseAddress! + a * ConsortiumKey.tokenLength, all.baseAddress! + b * ConsortiumKey.tokenLength,
                    ConsortiumKey.tokenLength)
                return c != 0 ? c < 0 : a < b
            }
        }
        for k in order.indices.dropFirst() where present[order[k]] && present[order[k - 1]] {
            let a = order[k - 1] * ConsortiumKey.tokenLength
            let b = order[k] * ConsortiumKey.tokenLength
            if bytes[a..<a + ConsortiumKey.tokenLength] == bytes[b..<b + ConsortiumKey.tokenLength] {
                let lines = [order[k - 1], order[k]].map { table.line(Int(table.entries[$0].row)) }.sorted()
                throw ScoringError(
                    .duplicateKey,
                    "party \(table.name): \(table.file) lines \(lines[0]) and \(lines[1]) have keys that normalize "
                        + "to the same customer (\(tokenizer.normalization.rawValue))")
            }
        }
        self.order = order
        self.bytes = bytes
        self.present = present
    }

    /// The token of table entry `index` as text bytes, or `nil` when its key normalized to nothing.
    func token(_ index: Int) -> [UInt8]? {
        guard present[index] else { return nil }
        return Array(bytes[index * ConsortiumKey.tokenLength..<(index + 1) * ConsortiumKey.tokenLength])
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
