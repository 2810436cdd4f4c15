/// The fixed cells of a model's `scores.csv` rows, laid out once: each reason code's cell and, for every set of
/// parties that may know a customer, its `parties` cell (the names joined by `|`), in one arena that the per-row path
/// reads without reference counting or a call per copy.
///
/// Immutable after creation; shared by the scoring threads.
final class RowCells: @unchecked Sendable {
    /// Parties up to this many get a precomputed `parties` cell per set; more are joined per row.
    static let maximumPrecomputedParties = 10
    /// Bytes readable past the end of every cell (``ByteBuffer/appendPadded(_:count:)`` copies whole lanes).
    static let padding = 16

    private let arena: UnsafeMutablePointer<UInt8>
    /// Cell k spans `starts[k]..<starts[k] + lengths[k]`: the codes first, then the party sets (by bit mask), then each
    /// party's name alone.
    private let starts: UnsafeMutablePointer<Int32>
    private let lengths: UnsafeMutablePointer<Int32>
    private let codeCount: Int
    private let partyCount: Int
    /// Whether every set of parties has its cell (``maximumPrecomputedParties``).
    let precomputedSets: Bool
    /// The longest cell of a code, of a set of parties: for a row's size estimate.
    let longestCode: Int
    let longestParties: Int

    /// Lays out the cells of `codes` (each a CSV cell's bytes) and of the parties named `partyNames`.
    init(codes: [[UInt8]], partyNames: [[UInt8]]) {
        codeCount = codes.count
        partyCount = partyNames.count
        precomputedSets = partyCount <= Self.maximumPrecomputedParties
        var cells = codes
        if precomputedSets {
            for mask in 0..<(1 << partyCount) {
                var cell: [UInt8] = []
                for p in 0..<partyCount where mask & (1 << p) != 0 {
                    if !cell.isEmpty { cell.append(UInt8(ascii: "|")) }
                    cell += partyNames[p]
                }
                cells.append(cell)
            }
        }
        cells += partyNames
        let total = cells.reduce(0) { $0 + $1.count + Self.padding }
        let arena = UnsafeMutablePointer<UInt8>.allocate(capacity: max(total, 1))
        arena.initialize(repeating: 0, count: max(total, 1))
        let starts = UnsafeMutablePointer<Int32>.allocate(capacity: cells.count)
        let lengths = UnsafeMutablePointer<Int32>.allocate(capacity: cells.count)
        var offset = 0
        for (k, cell) in cells.enumerated() {
            starts[k] = Int32(offset)
            lengths[k] = Int32(cell.count)
            for (j, byte) in cell.enumerated() { arena[offset + j] = byte }
            offset += cell.count + Self.padding
        }
        self.arena = arena
        self.starts = starts
        self.lengths = lengths
        longestCode = codes.map(\.count).max() ?? 0
        longestParties = partyNames.reduce(0) { $0 + $1.count + 1 }
    }

    deinit {
        arena.deallocate()
        starts.deallocate()
        lengths.deallocate()
    }

    /// Reason code `code`'s cell: its start (readable ``padding`` bytes past its end) and length.
    @inline(__always)
    func code(_ code: Int) -> (UnsafePointer<UInt8>, Int) { cell(code) }

    /// The `parties` cell of the set of parties in `mask` (bit p for party p); only when ``precomputedSets``.
    @inline(__always)
    func parties(mask: Int) -> (UnsafePointer<UInt8>, Int) { cell(codeCount + mask) }

    /// Party `party`'s name.
    @inline(__always)
    func partyName(_ party: Int) -> (UnsafePointer<UInt8>, Int) {
        cell(codeCount + (precomputedSets ? 1 << partyCount : 0) + party)
    }

    @inline(__always)
    private func cell(_ k: Int) -> (UnsafePointer<UInt8>, Int) {
        (UnsafePointer(arena + Int(starts[k])), Int(lengths[k]))
    }
}
