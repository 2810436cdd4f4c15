import Core
import Model

/// One party's shard, loaded: keys, standardized inputs (or representations) and per-row problems.
///
/// Rows are in file order. Built by ``ShardLoader`` on one thread, then read-only.
final class PartyTable: @unchecked Sendable {
    /// Why a row cannot be scored.
    enum Problem: UInt8 {
        case emptyKey = 1
        case notANumber
        case notFinite
        case unknownValue
        case missingRepresentation

        var text: String {
            switch self {
            case .emptyKey: "empty key"
            case .notANumber: "not a number"
            case .notFinite: "not a finite number"
            case .unknownValue: "value not in the feature's value map"
            case .missingRepresentation: "missing representation value"
            }
        }
    }

    /// A sort entry: the key's first 16 bytes as two big-endian words (zero-padded) and the row.
    struct KeyEntry {
        var high: UInt64
        var low: UInt64
        var row: UInt32
    }

    let party: Int
    let name: String
    let file: String
    let input: PartyInput
    /// Values per row: features, or the representation width.
    let width: Int
    var rows = 0
    let keyBytes = GrowableBuffer<UInt8>(capacity: 1 << 20)
    /// keyEnds[i] is the end of row i's key in keyBytes; row i starts at keyEnds[i - 1] (0 for row 0).
    let keyEnds = GrowableBuffer<UInt32>(capacity: 1 << 16)
    let values: GrowableBuffer<Float>
    let lines = GrowableBuffer<UInt32>(capacity: 1 << 16)
    /// 0 for a good row, else a ``Problem`` raw value.
    let problems = GrowableBuffer<UInt8>(capacity: 1 << 16)
    /// For rows with a problem: the column name at fault, by row.
    var problemColumns: [UInt32: String] = [:]
    /// Entries sorted by key (filled by ``sortKeys()``; rows with an empty key are left out).
    var sorted: [KeyEntry] = []
    /// Shard columns the model does not use.
    var extraColumns: [String] = []

    init(party: Int, name: String, file: String, input: PartyInput, width: Int) {
        self.party = party
        self.name = name
        self.file = file
        self.input = input
        self.width = width
        values = GrowableBuffer<Float>(capacity: (1 << 16) * max(width, 1))
    }

    @inline(__always)
    func keyStart(_ row: Int) -> Int { row == 0 ? 0 : Int(keyEnds[row - 1]) }

    @inline(__always)
    func key(_ row: Int) -> UnsafeBufferPointer<UInt8> {
        let s = keyStart(row)
        return UnsafeBufferPointer(start: keyBytes.base + s, count: Int(keyEnds[row]) - s)
    }

    /// Row `row`'s values.
    @inline(__always)
    func values(_ row: Int) -> UnsafeMutablePointer<Float> { values.base + row * width }

    /// Sorts the keys; a key twice is an error naming both lines.
    func sortKeys() throws {
        var entries: [KeyEntry] = []
        entries.reserveCapacity(rows)
        for row in 0..<rows where problems[row] != Problem.emptyKey.rawValue {
            let k = key(row)
            var high: UInt64 = 0
            var low: UInt64 = 0
            for i in 0..<8 { high = high << 8 | UInt64(i < k.count ? k[i] : 0) }
            for i in 8..<16 { low = low << 8 | UInt64(i < k.count ? k[i] : 0) }
            entries.append(KeyEntry(high: high, low: low, row: UInt32(row)))
        }
        entries.sort { a, b in
            if a.high != b.high { return a.high < b.high }
            if a.low != b.low { return a.low < b.low }
            return compareTails(Int(a.row), Int(b.row)) < 0
        }
        for i in entries.indices.dropFirst() {
            let a = entries[i - 1]
            let b = entries[i]
            if a.high == b.high && a.low == b.low && compareTails(Int(a.row), Int(b.row)) == 0 {
                let first = min(lines[Int(a.row)], lines[Int(b.row)])
                let second = max(lines[Int(a.row)], lines[Int(b.row)])
                throw ScoringError(
                    .duplicateKey, "party \(name): \(file) has the same key on lines \(first) and \(second)")
            }
        }
        sorted = entries
    }

    /// Compares the bytes after the first 16 of two rows' keys (whose first 16 bytes are equal).
    func compareTails(_ a: Int, _ b: Int) -> Int {
        let ka = key(a)
        let kb = key(b)
        if ka.count <= 16 && kb.count <= 16 { return 0 }
        return PartyTable.compare(ka, kb)
    }

    /// Byte-order comparison of two keys: negative, zero or positive.
    static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        let n = min(a.count, b.count)
        for i in 0..<n where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
        return a.count - b.count
    }
}
