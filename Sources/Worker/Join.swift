/// The customers of a batch: the union of the shards' keys in byte order, with each party's sorted position.
struct Join: Sendable {
    /// Number of customers.
    let count: Int
    /// `count x parties`, customer-major: the position of the customer's entry in the party's sorted entries, or -1
    /// where the party does not know the customer.
    let positions: [Int32]
    /// Customers known to each party.
    let known: [Int]
    /// How many customers are known to 0, 1, ... parties.
    let partiesPerCustomer: [Int]
    /// For a join projected from another (``projected(onto:)``): each customer's index in that join; `nil` when the
    /// indices are that join's own.
    let origin: [Int32]?

    /// Merges the parties' sorted keys (``PartyTable/sortKeys()`` must have run).
    init(tables: [PartyTable], partyCount: Int) {
        var heads = [Int](repeating: 0, count: tables.count)
        var positions: [Int32] = []
        let total = tables.reduce(0) { $0 + $1.sortedCount }
        let largest = tables.map(\.sortedCount).max() ?? 0
        positions.reserveCapacity(min(total, largest * 2) * partyCount)
        var known = [Int](repeating: 0, count: partyCount)
        var perCustomer = [Int](repeating: 0, count: partyCount + 1)
        var count = 0
        var current = [Int32](repeating: -1, count: partyCount)
        var atMinimum = [Bool](repeating: false, count: tables.count)
        while true {
            // The smallest head key, and which tables hold it.
            var best = -1
            for t in tables.indices where heads[t] < tables[t].sortedCount {
                let order =
                    best < 0
                    ? -1
                    : PartyTable.compare(tables[t], at: heads[t], tables[best], at: heads[best])
                if order < 0 {
                    for u in 0..<t { atMinimum[u] = false }
                    best = t
                    atMinimum[t] = true
                } else {
                    atMinimum[t] = order == 0
                }
            }
            if best < 0 { break }
            for p in 0..<partyCount { current[p] = -1 }
            var present = 0
            for t in tables.indices where atMinimum[t] && heads[t] < tables[t].sortedCount {
                current[tables[t].party] = Int32(heads[t])
                known[tables[t].party] += 1
                present += 1
                heads[t] += 1
                atMinimum[t] = false
            }
            positions.append(contentsOf: current)
            perCustomer[present] += 1
            count += 1
        }
        self.count = count
        self.positions = positions
        self.known = known
        self.partiesPerCustomer = perCustomer
        self.origin = nil
    }

    private init(count: Int, positions: [Int32], known: [Int], partiesPerCustomer: [Int], origin: [Int32]?) {
        self.count = count
        self.positions = positions
        self.known = known
        self.partiesPerCustomer = partiesPerCustomer
        self.origin = origin
    }

    /// The customers as another model with other parties sees them (a challenger's): `parties[q]` is this join's
    /// party for that model's party `q`, or -1 where the batch has no shard of it. Customers known to none of its
    /// parties are left out; the order stays the key order, so the result is the join of that model's shards alone.
    func projected(onto parties: [Int]) -> Join {
        let source = known.count
        if parties == Array(0..<source) { return self }
        let width = parties.count
        var positions: [Int32] = []
        positions.reserveCapacity(count * width)
        var known = [Int](repeating: 0, count: width)
        var perCustomer = [Int](repeating: 0, count: width + 1)
        var count = 0
        var current = [Int32](repeating: -1, count: width)
        var origin: [Int32] = []
        for c in 0..<self.count {
            var present = 0
            for q in 0..<width {
                let p = parties[q]
                let position = p >= 0 ? self.positions[c * source + p] : -1
                current[q] = position
                if position >= 0 {
                    present += 1
                    known[q] += 1
                }
            }
            guard present > 0 else { continue }
            positions.append(contentsOf: current)
            origin.append(self.origin?[c] ?? Int32(c))
            perCustomer[present] += 1
            count += 1
        }
        return Join(
            count: count, positions: positions, known: known, partiesPerCustomer: perCustomer, origin: origin)
    }
}
