public import Core
public import Spool

#if canImport(Glibc)
import Glibc
#endif

/// `vfl tokenize`: replaces a shard's key column by consortium tokens (``ConsortiumKey``), on the bank's own machine,
/// so that the scoring service joins and scores customers without ever seeing their keys.
///
/// Streams in bounded memory: each record is copied as it was with only its key cell replaced (a record whose cells
/// were re-quoted by the reader is re-encoded), and one empty column is added whose name declares the scheme
/// (``TokenScheme/columnName``). Rows, their order and their lines stay as they were, so the scorer's line numbers in
/// `rejects.csv` are the bank's own. A key that normalizes to nothing is written empty (the scorer rejects that row
/// with its line). With a map path, the bank's own token → key table is written beside, readable by its owner only.
public struct Tokenizer: Sendable {
    /// The consortium's key.
    public let key: ConsortiumKey
    /// The normalization applied before tokenizing.
    public let normalization: KeyNormalization
    /// The key column's name (the model's key, `tax_id` for the default model).
    public let keyColumn: String

    /// Creates a tokenizer.
    public init(key: ConsortiumKey, normalization: KeyNormalization = .trim, keyColumn: String) {
        self.key = key
        self.normalization = normalization
        self.keyColumn = keyColumn
    }

    /// The scheme the output declares.
    public var scheme: TokenScheme { TokenScheme(normalization: normalization, keyID: key.keyID) }

    /// Counts of a run.
    public struct Outcome: Sendable {
        /// Data rows written.
        public var rows: Int
        /// Rows whose key normalized to nothing (written with an empty key).
        public var emptyKeys: Int
    }

    /// Tokenizes `shardPath` into `outputPath` (written under a temporary name, then renamed), and the token → key
    /// map into `mapPath` when given (mode 0600).
    ///
    /// - Throws: ``ScoringError``: `csv` for a malformed shard (line and column), `columns` when it has no key column,
    ///   has it twice or is already tokenized, `io` when a file cannot be read or written.
    public func tokenize(shardPath: String, outputPath: String, mapPath: String?) throws -> Outcome {
        let file = String(shardPath.split(separator: "/").last ?? "")
        let reader: CSVReader
        do { reader = try CSVReader(path: shardPath) } catch { throw ScoringError(.io, error.message) }
        let temporary = FileIO.temporaryName(for: outputPath)
        let map = try mapPath.map { try TokenMapWriter(path: $0, keyColumn: keyColumn) }
        var outcome = Outcome(rows: 0, emptyKeys: 0)
        do {
            let writer = try BufferedFileWriter(path: temporary, bufferBytes: 0)
            defer { unlink(temporary) }
            guard try reader.next() else {
                throw ScoringError(.columns, "\(file) is empty; a shard needs a header row")
            }
            let header = reader.recordStrings()
            let matches = header.indices.filter { header[$0] == keyColumn }
            guard matches.count == 1 else {
                throw ScoringError(
                    .columns,
                    matches.isEmpty
                        ? "\(file) has no column \"\(keyColumn)\"" : "\(file) has the column \"\(keyColumn)\" twice")
            }
            guard !header.contains(where: { $0.hasPrefix(TokenScheme.columnPrefix) }) else {
                throw ScoringError(
                    .columns, "\(file) is tokenized already (it has a \(TokenScheme.columnPrefix) column)")
            }
            let column = matches[0]
            let out = ByteBuffer(capacity: 1 << 20)
            for i in 0..<reader.fieldCount {
                out.appendCell(reader.field(i))
                out.append(UInt8(ascii: ","))
            }
            out.append(Array(scheme.columnName.utf8))
            out.append(UInt8(ascii: "\n"))
            let fields = reader.fieldCount
            let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 20)
            defer { scratch.deallocate() }
            var batch = TokenBatch()
            defer { batch.deallocate() }
            let normalization = self.normalization
            let key = self.key
            while try reader.next() {
                let cell = reader.field(column)
                // The record as it was, with only the key replaced, when the reader kept it intact and the key was
                // not quoted; else every cell re-encoded.
                var prefix: UnsafeBufferPointer<UInt8>?
                var suffix: UnsafeBufferPointer<UInt8>?
                if let raw = reader.rawRecord, let rawBase = raw.baseAddress {
                    let start = cell.baseAddress.map { $0 - rawBase } ?? -1
                    if start >= 0 && start + cell.count <= raw.count
                        && (start == 0 || raw[start - 1] == UInt8(ascii: ","))
                        && (start + cell.count == raw.count || raw[start + cell.count] == UInt8(ascii: ","))
                    {
                        prefix = UnsafeBufferPointer(rebasing: raw[0..<start])
                        suffix = UnsafeBufferPointer(rebasing: raw[(start + cell.count)...])
                    }
                }
                if let prefix {
                    out.append(prefix)
                } else {
                    for i in 0..<column {
                        out.appendCell(reader.field(i))
                        out.append(UInt8(ascii: ","))
                    }
                }
                let written = normalization.apply(cell, scratch: scratch) { normalized -> Bool in
                    guard normalized.count > 0 else { return false }
                    let outOffset = out.count
                    out.appendRaw(maximum: ConsortiumKey.tokenLength) { _ in ConsortiumKey.tokenLength }
                    let mapOffset = map?.reserveToken(key: cell) ?? -1
                    if normalized.count <= HMACSHA256.shortMessageLimit {
                        // Eight at a time on SIMD lanes: the token's place is filled when its batch is full.
                        batch.add(normalized, outOffset: outOffset, mapOffset: mapOffset)
                        if batch.count == HMACSHA256.lanes { batch.finish(key: key, out: out, map: map) }
                    } else {
                        key.writeToken(of: normalized, to: out.base + outOffset)
                        map?.setToken(at: mapOffset, from: out.base + outOffset)
                    }
                    return true
                }
                if !written { outcome.emptyKeys += 1 }
                if let suffix {
                    out.append(suffix)
                } else {
                    for i in (column + 1)..<fields {
                        out.append(UInt8(ascii: ","))
                        out.appendCell(reader.field(i))
                    }
                }
                out.append(UInt8(ascii: ","))
                out.append(UInt8(ascii: "\n"))
                outcome.rows += 1
                // Written out only between batches, so that no token is left to fill in what was written.
                if batch.count == 0 && out.count >= 1 << 20 {
                    try writer.writeThrough(out.bytes)
                    out.removeAll()
                }
                if batch.count == 0 { try map?.flushIfFull() }
            }
            batch.finish(key: key, out: out, map: map)
            try writer.writeThrough(out.bytes)
            try writer.close(sync: true)
            try map?.commit()
            try FileIO.rename(temporary, to: outputPath)
        } catch let error as CSVError {
            map?.abandon()
            if error.kind == .io { throw ScoringError(.io, "\(file): \(error.message)") }
            throw ScoringError(
                .csv, "\(file) line \(error.line), column \(error.column): \(error.message) (\(error.kind))")
        } catch let error as ScoringError {
            map?.abandon()
            throw error
        } catch {
            map?.abandon()
            throw ScoringError(.io, "cannot write \(outputPath): \(error)")
        }
        return outcome
    }
}

/// A bank's token → key table (`token,<key column>`), written under a temporary name with mode 0600 and renamed
/// into place; it holds the bank's customer keys and never leaves the bank.
///
/// Not thread-safe: one writer belongs to one thread.
final class TokenMapWriter {
    let path: String
    private let temporary: String
    private let writer: BufferedFileWriter
    private let buffer = ByteBuffer(capacity: 1 << 20)

    /// Creates the temporary file and writes the header.
    ///
    /// - Throws: ``ScoringError`` of code `io`.
    init(path: String, keyColumn: String) throws {
        self.path = path
        temporary = FileIO.temporaryName(for: path)
        do { writer = try BufferedFileWriter(path: temporary, bufferBytes: 0, mode: 0o600) } catch {
            throw ScoringError(.io, "cannot write the map \(path): \(error)")
        }
        buffer.append(Array("token,".utf8))
        buffer.append(ScoreText.cell(keyColumn))
        buffer.append(UInt8(ascii: "\n"))
    }

    /// Adds a row: the 32 characters at `token` and the key as the shard holds it.
    @inline(__always)
    func append(token: UnsafePointer<UInt8>, key: UnsafeBufferPointer<UInt8>) {
        buffer.append(UnsafeBufferPointer(start: token, count: ConsortiumKey.tokenLength))
        buffer.append(UInt8(ascii: ","))
        buffer.appendCell(key)
        buffer.append(UInt8(ascii: "\n"))
    }

    /// Adds a row whose token is filled in later by ``setToken(at:from:)``; returns its place.
    @inline(__always)
    func reserveToken(key: UnsafeBufferPointer<UInt8>) -> Int {
        let offset = buffer.count
        buffer.appendRaw(maximum: ConsortiumKey.tokenLength) { _ in ConsortiumKey.tokenLength }
        buffer.append(UInt8(ascii: ","))
        buffer.appendCell(key)
        buffer.append(UInt8(ascii: "\n"))
        return offset
    }

    /// Fills in the token of a reserved row.
    @inline(__always)
    func setToken(at offset: Int, from token: UnsafePointer<UInt8>) {
        (buffer.base + offset).update(from: token, count: ConsortiumKey.tokenLength)
    }

    /// Writes the buffer out when it is full.
    @inline(__always)
    func flushIfFull() throws {
        if buffer.count >= 1 << 20 {
            try writer.writeThrough(buffer.bytes)
            buffer.removeAll()
        }
    }

    /// Flushes, syncs and renames the map into place.
    func commit() throws {
        try writer.writeThrough(buffer.bytes)
        try writer.close(sync: true)
        try FileIO.rename(temporary, to: path)
    }

    /// Removes the temporary file.
    func abandon() { unlink(temporary) }
}

/// Up to ``HMACSHA256/lanes`` normalized keys waiting for their tokens (``ConsortiumKey/writeTokens(lanes:lengths:to:)``), with the
/// places in the output and the map where each goes.
///
/// Not thread-safe: one batch belongs to one tokenizing loop.
private struct TokenBatch {
    private let blocks = UnsafeMutablePointer<UInt8>.allocate(capacity: 64 * HMACSHA256.lanes)
    private let lengths = UnsafeMutablePointer<Int>.allocate(capacity: HMACSHA256.lanes)
    private let tokens = UnsafeMutablePointer<UInt8>.allocate(capacity: ConsortiumKey.tokenLength * HMACSHA256.lanes)
    private let outOffsets = UnsafeMutablePointer<Int>.allocate(capacity: HMACSHA256.lanes)
    private let mapOffsets = UnsafeMutablePointer<Int>.allocate(capacity: HMACSHA256.lanes)
    private(set) var count = 0

    func deallocate() {
        blocks.deallocate()
        tokens.deallocate()
        lengths.deallocate()
        outOffsets.deallocate()
        mapOffsets.deallocate()
    }

    /// Queues a key of at most ``HMACSHA256/shortMessageLimit`` bytes.
    @inline(__always)
    mutating func add(_ key: UnsafeBufferPointer<UInt8>, outOffset: Int, mapOffset: Int) {
        (blocks + 64 * count).update(from: key.baseAddress!, count: key.count)
        lengths[count] = key.count
        outOffsets[count] = outOffset
        mapOffsets[count] = mapOffset
        count += 1
    }

    /// Computes the queued tokens (padding a short batch with empty keys) and writes each into its places.
    @inline(__always)
    mutating func finish(key: ConsortiumKey, out: ByteBuffer, map: TokenMapWriter?) {
        guard count > 0 else { return }
        for j in count..<HMACSHA256.lanes { lengths[j] = 0 }
        key.writeTokens(lanes: blocks, lengths: lengths, to: tokens)
        for j in 0..<count {
            let token = tokens + ConsortiumKey.tokenLength * j
            (out.base + outOffsets[j]).update(from: token, count: ConsortiumKey.tokenLength)
            map?.setToken(at: mapOffsets[j], from: token)
        }
        count = 0
    }
}
