import Core

#if canImport(Glibc)
import Glibc
#endif

/// `vfl detokenize`: a bank's own results with its real keys, from the scorer's tokenized results (`scores.csv`, or
/// any results file whose first column is the key, such as `rejects.csv`) and the bank's map from `vfl tokenize`.
///
/// Rows whose token the map does not hold (customers of the other banks, keyless rows) are dropped and counted. The
/// rows kept are sorted by the real key in byte order (a key's rows keep their order), so the file is what scoring
/// the same customers with raw keys writes. Memory: the map and the kept rows.
public enum Detokenizer {
    /// Counts of a run.
    public struct Outcome: Sendable {
        /// Rows written (the header not counted).
        public var rows: Int
        /// Rows dropped: their token is not in the map.
        public var dropped: Int
    }

    /// A token's 128 bits.
    private struct Token: Hashable {
        var high: UInt64
        var low: UInt64

        /// Parses 32 lowercase hex characters, or `nil`.
        init?(_ text: UnsafeBufferPointer<UInt8>) {
            guard ConsortiumKey.isToken(text) else { return nil }
            func nibble(_ c: UInt8) -> UInt64 { UInt64(c <= 0x39 ? c - 0x30 : c - 0x57) }
            var high: UInt64 = 0
            var low: UInt64 = 0
            for i in 0..<16 { high = high << 4 | nibble(text[i]) }
            for i in 16..<32 { low = low << 4 | nibble(text[i]) }
            self.high = high
            self.low = low
        }
    }

    /// Writes the rows of `resultsPath` whose token `mapPath` holds to `outputPath` with their real keys.
    ///
    /// - Throws: ``ScoringError``: `csv` for malformed files, `columns` for a map that is not `token,<key>` or maps
    ///   one token to two keys, `io` when a file cannot be read or written. Never shows a key or a token.
    public static func detokenize(resultsPath: String, mapPath: String, outputPath: String) throws -> Outcome {
        // The map: token → the key's bytes in an arena.
        var keys: [Token: (start: Int, count: Int)] = [:]
        let arena = ByteBuffer(capacity: 1 << 20)
        try read(mapPath) { reader, isHeader in
            guard reader.fieldCount == 2 else {
                throw ScoringError(.columns, "the map \(mapPath) is not a token,KEY file from vfl tokenize --map")
            }
            if isHeader {
                guard reader.fieldString(0) == "token" else {
                    throw ScoringError(.columns, "the map \(mapPath) is not a token,KEY file from vfl tokenize --map")
                }
                return
            }
            guard let token = Token(reader.field(0)) else {
                throw ScoringError(
                    .columns, "the map \(mapPath) line \(reader.recordLine) does not start with a token")
            }
            let key = reader.field(1)
            if let known = keys[token] {
                let same =
                    known.count == key.count
                    && (key.count == 0 || memcmp(arena.base + known.start, key.baseAddress!, key.count) == 0)
                guard same else {
                    throw ScoringError(
                        .columns,
                        "the map \(mapPath) gives one token two keys (line \(reader.recordLine)): two spellings of one "
                            + "customer under the normalization")
                }
                return
            }
            keys[token] = (arena.count, key.count)
            arena.append(key)
        }
        // The results: rows kept as (key, line) in a second arena, sorted by key at the end.
        let lines = ByteBuffer(capacity: 1 << 20)
        var rows: [(key: Int, keyCount: Int, line: Int, lineCount: Int)] = []
        var header: [UInt8] = []
        var dropped = 0
        try read(resultsPath) { reader, isHeader in
            if isHeader {
                let out = ByteBuffer(capacity: 256)
                for i in 0..<reader.fieldCount {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    out.appendCell(reader.field(i))
                }
                out.append(UInt8(ascii: "\n"))
                header = Array(out.bytes)
                return
            }
            guard let token = Token(reader.field(0)), let key = keys[token] else {
                dropped += 1
                return
            }
            let start = lines.count
            lines.appendCell(UnsafeBufferPointer(start: arena.base + key.start, count: key.count))
            for i in 1..<reader.fieldCount {
                lines.append(UInt8(ascii: ","))
                lines.appendCell(reader.field(i))
            }
            lines.append(UInt8(ascii: "\n"))
            rows.append((key.start, key.count, start, lines.count - start))
        }
        let base = arena.base
        // By key in byte order; the original order breaks ties (stable).
        var order = Array(rows.indices)
        order.sort { a, b in
            let x = rows[a]
            let y = rows[b]
            let c = PartyTable.compareBytes(
                UnsafeBufferPointer(start: base + x.key, count: x.keyCount),
                UnsafeBufferPointer(start: base + y.key, count: y.keyCount))
            return c != 0 ? c < 0 : a < b
        }
        let temporary = FileIO.temporaryName(for: outputPath)
        do {
            // The bank's customers with their keys: owner-only, like the map.
            let writer = try BufferedFileWriter(path: temporary, mode: 0o600)
            try writer.write(header)
            for i in order {
                try writer.write(UnsafeBufferPointer(start: lines.base + rows[i].line, count: rows[i].lineCount))
            }
            try writer.close(sync: true)
            try FileIO.rename(temporary, to: outputPath)
        } catch {
            unlink(temporary)
            throw ScoringError(.io, "cannot write \(outputPath): \(error)")
        }
        return Outcome(rows: rows.count, dropped: dropped)
    }

    /// Reads a CSV file record by record, the header flagged.
    private static func read(_ path: String, _ body: (CSVReader, Bool) throws -> Void) throws {
        let file = String(path.split(separator: "/").last ?? "")
        do {
            let reader = try CSVReader(path: path)
            var first = true
            while try reader.next() {
                try body(reader, first)
                first = false
            }
            if first { throw ScoringError(.columns, "\(file) is empty") }
        } catch let error as CSVError {
            if error.kind == .io { throw ScoringError(.io, error.message) }
            throw ScoringError(
                .csv, "\(file) line \(error.line), column \(error.column): \(error.message) (\(error.kind))")
        }
    }
}
