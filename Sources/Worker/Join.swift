/// The customers of a batch: the union of the shards' keys in byte order, with each party's row (or -1).
struct Join: Sendable {
    /// Number of customers.
    let count: Int
    /// `count x parties` row indices, customer-major; -1 where the party does not know the customer.
    let rows: [Int32]
    /// Customers known to each party.
    let known: [Int]
    /// How many customers are known to 0, 1, ... parties.
    let partiesPerCustomer: [Int]

    /// Merges the parties' sorted keys (``PartyTable/sortKeys()`` must have run).
    init(tables: [PartyTable], partyCount: Int) {
        var heads = [Int](repeating: 0, count: tables.count)
        var rows: [Int32] = []
        let estimate = tables.map(\.sorted.count).max() ?? 0
        rows.reserveCapacity(estimate * partyCount * 5 / 4)
        var known = [Int](repeating: 0, count: partyCount)
        var perCustomer = [Int](repeating: 0, count: partyCount + 1)
        var count = 0
        var current = [Int32](repeating: -1, count: partyCount)
        while true {
            // The smallest head key.
            var best = -1
            for t in tables.indices where heads[t] < tables[t].sorted.count {
                if best < 0 || Join.compare(tables[t], heads[t], tables[best], heads[best]) < 0 { best = t }
            }
            if best < 0 { break }
            for p in 0..<partyCount { current[p] = -1 }
            var present = 0
            for t in tables.indices where heads[t] < tables[t].sorted.count {
                if t == best || Join.compare(tables[t], heads[t], tables[best], heads[best]) == 0 {
                    current[tables[t].party] = Int32(tables[t].sorted[heads[t]].row)
                    known[tables[t].party] += 1
                    present += 1
                }
            }
            for t in tables.indices where current[tables[t].party] >= 0 && heads[t] < tables[t].sorted.count {
                if Int32(tables[t].sorted[heads[t]].row) == current[tables[t].party] { heads[t] += 1 }
            }
            rows.append(contentsOf: current)
            perCustomer[present] += 1
            count += 1
        }
        self.count = count
        self.rows = rows
        self.known = known
        self.partiesPerCustomer = perCustomer
    }

    @inline(__always)
    static func compare(_ a: PartyTable, _ i: Int, _ b: PartyTable, _ j: Int) -> Int {
        let x = a.sorted[i]
        let y = b.sorted[j]
        if x.high != y.high { return x.high < y.high ? -1 : 1 }
        if x.low != y.low { return x.low < y.low ? -1 : 1 }
        let ka = a.key(Int(x.row))
        let kb = b.key(Int(y.row))
        if ka.count <= 16 && kb.count <= 16 { return 0 }
        return PartyTable.compare(ka, kb)
    }
}
