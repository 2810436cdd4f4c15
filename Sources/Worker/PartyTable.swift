import Core
import Model
import Spool

/// One party's shard, loaded: keys, standardized inputs (or representations) and per-row problems.
///
/// Rows are numbered in file order. Keys of up to 12 bytes live only in their sort entries (16 bytes a row: the key,
/// zero-padded, and the row; keys never contain NUL, so the padding marks their end); when any key is longer, every
/// key is also kept in a byte arena. A tokenized shard's keys (32 lowercase hex characters, ``useTokenKeys()``) are
/// kept as their 128 bits instead: the first 96 in the entry, the last 32 in a side array (20 bytes a row; hex order
/// is the bits' order, so sorting is unchanged). Line numbers are kept sparsely: a row's line is `row + 2` plus the line breaks
/// inside quoted fields before it. Built by ``ShardLoader`` on one thread, then read-only.
final class PartyTable: @unchecked Sendable {
    /// Why a row cannot be scored.
    enum Problem: UInt8 {
        case emptyKey = 1
        case notANumber
        case notFinite
        case unknownValue
        case missingRepresentation
        /// The value is a finite number, but its standardized form (after any derivation, value map or transform) is
        /// not a finite float32.
        case outOfRange
        /// The customer's evaluation left the finite floats in a network (a layer overflowed); the column is the
        /// party's value furthest from its mean, the likeliest cause. Set after scoring.
        case networkOverflow

        var text: String {
            switch self {
            case .emptyKey: "empty key"
            case .notANumber: "not a number"
            case .notFinite: "not a finite number"
            case .unknownValue: "value not in the feature's value map"
            case .missingRepresentation: "missing representation value"
            case .outOfRange: "out of range"
            case .networkOverflow: "out of range in the network"
            }
        }
    }

    /// A sort entry (16 bytes): the key's first 12 bytes as big-endian words (zero-padded) and the row.
    struct KeyEntry {
        var high: UInt64
        var low: UInt32
        var row: UInt32
    }

    /// Keys up to this length are held by their entry alone.
    static let prefixBytes = 12

    let party: Int
    let name: String
    let file: String
    let input: PartyInput
    /// Values per row: features, or the representation width.
    let width: Int
    private(set) var rows = 0
    /// One entry per row in file order; after ``sortKeys()`` the first ``sortedCount`` are sorted by key.
    let entries: GrowableBuffer<KeyEntry>
    private(set) var sortedCount = 0
    /// Whether some key is longer than ``prefixBytes`` (then every key is in the arena).
    private(set) var longKeys = false
    /// Whether the keys are tokens held as bits (``useTokenKeys()``).
    private(set) var tokenKeys = false
    /// For token keys: each row's last 32 bits, by row.
    private let tokenTails: GrowableBuffer<UInt32>
    /// For token keys after ``sortKeys()``: the last 32 bits of each sorted entry, by position (the join and the
    /// writer walk entries in order; a lookup by row would miss the cache on every customer).
    private var sortedTails: [UInt32] = []
    private let keyBytes: GrowableBuffer<UInt8>
    private let keyEnds: GrowableBuffer<UInt32>
    let values: GrowableBuffer<Float>
    /// Rows from which on a row's line is `row + 2 + extra` (ascending), and those extras: a few entries for a shard
    /// with line breaks inside quoted fields, one per row for bucket files (which carry their original lines).
    private var breakRows: [UInt32] = []
    private var breakExtras: [Int32] = []
    /// 0 for a good row, else a ``Problem`` raw value.
    let problems = GrowableBuffer<UInt8>(capacity: 1 << 16)
    /// For rows with a problem: the column name at fault, by row.
    var problemColumns: [UInt32: String] = [:]
    /// Shard columns the model does not use.
    var extraColumns: [String] = []
    /// How the shard's keys were tokenized (its header's `vfl-key:` column), `nil` for raw keys.
    var tokenScheme: TokenScheme?
    /// Raw keys with leading or trailing whitespace (which make one customer two); 0 for tokens.
    var keysWithWhitespace = 0

    /// At most this many extra column names are reported (a hostile header may hold millions).
    static let reportedColumns = 20

    /// The extra columns as reported in logs and summaries: the first ``reportedColumns`` names, each cut to 64
    /// characters.
    static func reported(_ names: [String]) -> [String] {
        names.prefix(reportedColumns).map { $0.count > 64 ? String($0.prefix(64)) + "…" : $0 }
    }

    /// Creates an empty table; with `base`, one that shares `base`'s keys (a companion model's inputs for the same
    /// shard, ``ShardLoader/Companion``: only its values and problems are its own, and with `values` not even those
    /// values). Its key state is taken from `base` by ``adoptKeys(of:)`` once `base` is sorted.
    init(
        party: Int, name: String, file: String, input: PartyInput, width: Int, sharingKeysOf base: PartyTable? = nil,
        values: GrowableBuffer<Float>? = nil
    ) {
        self.party = party
        self.name = name
        self.file = file
        self.input = input
        self.width = width
        entries = base?.entries ?? GrowableBuffer<KeyEntry>(capacity: 1 << 16)
        tokenTails = base?.tokenTails ?? GrowableBuffer<UInt32>(capacity: 1 << 10)
        keyBytes = base?.keyBytes ?? GrowableBuffer<UInt8>(capacity: 1 << 10)
        keyEnds = base?.keyEnds ?? GrowableBuffer<UInt32>(capacity: 1 << 10)
        self.values = values ?? GrowableBuffer<Float>(capacity: (1 << 16) * max(width, 1))
    }

    /// Takes the key state of the table whose keys this one shares, after that table's ``sortKeys()``.
    func adoptKeys(of base: PartyTable) {
        precondition(base.entries === entries)
        rows = base.rows
        sortedCount = base.sortedCount
        longKeys = base.longKeys
        tokenKeys = base.tokenKeys
        sortedTails = base.sortedTails
        breakRows = base.breakRows
        breakExtras = base.breakExtras
        tokenScheme = base.tokenScheme
        keysWithWhitespace = base.keysWithWhitespace
    }

    /// Takes a copy of `base`'s problems (a companion that shares its values: they have the same problems, until an
    /// overflow marks one of them).
    func copyProblems(of base: PartyTable) {
        problems.removeAll()
        let target = problems.reserve(base.problems.count)
        target.update(from: base.problems.base, count: base.problems.count)
        problems.commit(base.problems.count)
        problemColumns = base.problemColumns
    }

    /// Reserves room for `rows` rows.
    func reserve(rows: Int) {
        entries.reserveCapacity(rows)
        values.reserveCapacity(rows * width)
        problems.reserveCapacity(rows)
    }

    /// Holds every key as a token's bits from here on: only before the first row, and only when every key appended
    /// is a token (``ConsortiumKey/isToken(_:)``) or empty.
    func useTokenKeys() {
        precondition(rows == 0)
        tokenKeys = true
    }

    /// Records a new row's key and line; its values and problem are appended by the caller.
    @inline(__always)
    func appendRow(key: UnsafeBufferPointer<UInt8>, line: Int) {
        let row = rows
        let extra = line - row - 2
        if extra != Int(breakExtras.last ?? 0) {
            breakRows.append(UInt32(truncatingIfNeeded: row))
            breakExtras.append(Int32(truncatingIfNeeded: extra))
        }
        if tokenKeys {
            // An empty key (a row rejected as keyless) is all zeros, never sorted or shown.
            let bits = ConsortiumKey.tokenBits(key) ?? (0, 0)
            entries.append(KeyEntry(high: bits.high, low: UInt32(truncatingIfNeeded: bits.low >> 32), row: UInt32(row)))
            tokenTails.append(UInt32(truncatingIfNeeded: bits.low))
            rows += 1
            return
        }
        var high: UInt64 = 0
        var low: UInt32 = 0
        let n = key.count
        if n >= 8 {
            high = UInt64(bigEndian: UnsafeRawPointer(key.baseAddress!).loadUnaligned(as: UInt64.self))
            for i in 8..<min(n, 12) { low |= UInt32(key[i]) << (8 * (11 - i)) }
        } else {
            for i in 0..<n { high |= UInt64(key[i]) << (8 * (7 - i)) }
        }
        entries.append(KeyEntry(high: high, low: low, row: UInt32(row)))
        if n > PartyTable.prefixBytes && !longKeys { startArena() }
        if longKeys {
            let target = keyBytes.reserve(n)
            if n > 0 { target.update(from: key.baseAddress!, count: n) }
            keyBytes.commit(n)
            keyEnds.append(UInt32(truncatingIfNeeded: keyBytes.count))
        }
        rows += 1
    }

    /// Calls `body` with a token key's 32 characters (`tail`: its last 32 bits when the caller has them).
    @inline(__always)
    private func withTokenKey<R>(
        _ entry: KeyEntry, tail: UInt32? = nil, _ body: (UnsafeBufferPointer<UInt8>) -> R
    )
        -> R
    {
        let row = Int(entry.row)
        if problems.count > row && problems[row] == Problem.emptyKey.rawValue {
            return body(UnsafeBufferPointer(start: nil, count: 0))
        }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ConsortiumKey.tokenLength) { text in
            let low = UInt64(entry.low) << 32 | UInt64(tail ?? tokenTails[row])
            ConsortiumKey.writeTokenText(high: entry.high, low: low, to: text.baseAddress!)
            return body(UnsafeBufferPointer(text))
        }
    }

    /// Switches to keeping every key in the arena, filling it with the keys so far (all short).
    private func startArena() {
        longKeys = true
        for row in 0..<rows {
            withShortKey(entries[row]) { key in
                let target = keyBytes.reserve(key.count)
                if key.count > 0 { target.update(from: key.baseAddress!, count: key.count) }
                keyBytes.commit(key.count)
            }
            keyEnds.append(UInt32(truncatingIfNeeded: keyBytes.count))
        }
    }

    /// The 1-based line where `row` starts.
    func line(_ row: Int) -> Int {
        // The last breakpoint at or before `row` (binary search).
        var low = 0
        var high = breakRows.count
        while low < high {
            let mid = (low + high) / 2
            if Int(breakRows[mid]) <= row { low = mid + 1 } else { high = mid }
        }
        return row + 2 + (low == 0 ? 0 : Int(breakExtras[low - 1]))
    }

    /// Row `row`'s values.
    @inline(__always)
    func values(_ row: Int) -> UnsafeMutablePointer<Float> { values.base + row * width }

    /// Calls `body` with the key of an entry.
    @inline(__always)
    func withKey<R>(_ entry: KeyEntry, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if tokenKeys { return withTokenKey(entry, body) }
        if longKeys {
            let row = Int(entry.row)
            let start = row == 0 ? 0 : Int(keyEnds[row - 1])
            return body(UnsafeBufferPointer(start: keyBytes.base + start, count: Int(keyEnds[row]) - start))
        }
        return withShortKey(entry, body)
    }

    @inline(__always)
    private func withShortKey<R>(_ entry: KeyEntry, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        var words = (entry.high.bigEndian, entry.low.bigEndian)
        return withUnsafeBytes(of: &words) { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var n = 0
            while n < PartyTable.prefixBytes && bytes[n] != 0 { n += 1 }
            return body(UnsafeBufferPointer(rebasing: bytes[0..<n]))
        }
    }

    /// Sorts the entries of rows with a key (rows with an empty key are left out); a key twice is an error naming
    /// both lines.
    func sortKeys() throws {
        var kept = 0
        for i in 0..<rows where problems[i] != Problem.emptyKey.rawValue {
            entries[kept] = entries[i]
            kept += 1
        }
        sortedCount = kept
        var sorted = UnsafeMutableBufferPointer(start: entries.base, count: kept)
        if tokenKeys {
            let tails = tokenTails.base
            sorted.sort { a, b in
                if a.high != b.high { return a.high < b.high }
                if a.low != b.low { return a.low < b.low }
                return tails[Int(a.row)] < tails[Int(b.row)]
            }
            sortedTails = sorted.map { tails[Int($0.row)] }
        } else {
            sorted.sort { a, b in
                if a.high != b.high { return a.high < b.high }
                if a.low != b.low { return a.low < b.low }
                return longKeys && compareArena(Int(a.row), Int(b.row)) < 0
            }
        }
        for i in sorted.indices.dropFirst() where compare(sorted[i - 1], sorted[i]) == 0 {
            let lines = [line(Int(sorted[i - 1].row)), line(Int(sorted[i].row))].sorted()
            throw ScoringError(
                .duplicateKey, "party \(name): \(file) has the same key on lines \(lines[0]) and \(lines[1])")
        }
    }

    /// Byte-order comparison of two entries' keys: negative, zero or positive.
    @inline(__always)
    func compare(_ a: KeyEntry, _ b: KeyEntry) -> Int {
        if a.high != b.high { return a.high < b.high ? -1 : 1 }
        if a.low != b.low { return a.low < b.low ? -1 : 1 }
        if tokenKeys { return PartyTable.compareTails(tokenTails[Int(a.row)], tokenTails[Int(b.row)]) }
        return longKeys ? compareArena(Int(a.row), Int(b.row)) : 0
    }

    @inline(__always)
    private static func compareTails(_ a: UInt32, _ b: UInt32) -> Int { a == b ? 0 : a < b ? -1 : 1 }

    /// Compares the arena keys of two rows.
    private func compareArena(_ a: Int, _ b: Int) -> Int {
        PartyTable.compareBytes(arenaKey(a), arenaKey(b))
    }

    private func arenaKey(_ row: Int) -> UnsafeBufferPointer<UInt8> {
        let start = row == 0 ? 0 : Int(keyEnds[row - 1])
        return UnsafeBufferPointer(start: keyBytes.base + start, count: Int(keyEnds[row]) - start)
    }

    /// Byte-order comparison of the keys of two sorted entries, given by position, of any tables: negative, zero or
    /// positive.
    @inline(__always)
    static func compare(_ a: PartyTable, at i: Int, _ b: PartyTable, at j: Int) -> Int {
        guard a.tokenKeys && b.tokenKeys else { return compare(a, a.entries[i], b, b.entries[j]) }
        let x = a.entries[i]
        let y = b.entries[j]
        if x.high != y.high { return x.high < y.high ? -1 : 1 }
        if x.low != y.low { return x.low < y.low ? -1 : 1 }
        return compareTails(a.sortedTails[i], b.sortedTails[j])
    }

    /// Calls `body` with the key of the sorted entry at `position`.
    @inline(__always)
    func withKey<R>(at position: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        guard tokenKeys else { return withKey(entries[position], body) }
        return withTokenKey(entries[position], tail: sortedTails[position], body)
    }

    /// Byte-order comparison of two keys of any tables: negative, zero or positive.
    static func compare(_ a: PartyTable, _ x: KeyEntry, _ b: PartyTable, _ y: KeyEntry) -> Int {
        // Bits and bytes do not compare (never in a batch whose parties agree on their keys).
        if a.tokenKeys != b.tokenKeys { return a.withKey(x) { ka in b.withKey(y) { kb in compareBytes(ka, kb) } } }
        if x.high != y.high { return x.high < y.high ? -1 : 1 }
        if x.low != y.low { return x.low < y.low ? -1 : 1 }
        if a.tokenKeys && b.tokenKeys { return compareTails(a.tokenTails[Int(x.row)], b.tokenTails[Int(y.row)]) }
        if !a.longKeys && !b.longKeys && !a.tokenKeys && !b.tokenKeys { return 0 }
        return a.withKey(x) { ka in b.withKey(y) { kb in compareBytes(ka, kb) } }
    }

    static func compareBytes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        let n = min(a.count, b.count)
        for i in 0..<n where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
        return a.count - b.count
    }
}
