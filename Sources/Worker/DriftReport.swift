import Core
import Dispatch
import Model

/// The drift section of `summary.json`: the PSI of the batch's scores and the CSI of every feature against the
/// model's training baseline (``DriftBaseline``), with the usual bands. Counts are kept in the summary so that the
/// summaries of a partitioned batch merge exactly.
enum DriftReport {
    /// Per party, per feature: the counts of the batch's rows in the baseline's bins (nil without a baseline or for
    /// a party sent as representations). Rows with a problem are left out; an empty cell counts at the mean, as it
    /// is scored.
    static func featureCounts(model: SplitModel, tables: [PartyTable]) -> [[[Int]?]] {
        guard let drift = model.drift else { return [] }
        let work = tables.filter { $0.input == .features }
        final class Results: @unchecked Sendable {
            var counts: [[[Int]?]]
            init(_ n: Int) { counts = Array(repeating: [], count: n) }
        }
        let results = Results(work.count)
        // One pass over each table's rows (row-major, as stored), every feature's bin counted branch-free.
        DispatchQueue.concurrentPerform(iterations: work.count) { j in
            let table = work[j]
            let features = model.parties[table.party].features
            let edges: [[Float]] = features.indices.map { f in
                guard let bins = drift.features[table.party][f] else { return [] }
                let feature = features[f]
                return Drift.standardizedEdges(
                    bins.edges, mean: feature.mean, std: feature.std, log: feature.signedLog)
            }
            let width = table.width
            // Edges padded with +infinity to one stride, so the inner loop has a fixed length (vectorized).
            let stride = max(edges.map(\.count).max() ?? 0, 1)
            var padded = [Float](repeating: .infinity, count: width * stride)
            for f in 0..<width { for (k, e) in edges[f].enumerated() { padded[f * stride + k] = e } }
            var counts = [Int](repeating: 0, count: width * (stride + 1))
            let base = table.values.base
            let problems = table.problems.base
            let rows = table.rows
            let stride1 = stride + 1
            padded.withUnsafeBufferPointer { padded in
                counts.withUnsafeMutableBufferPointer { counts in
                    let edgeBase = padded.baseAddress!
                    let countBase = counts.baseAddress!
                    var row = 0
                    while row < rows {
                        if problems[row] == 0 {
                            let values = base + row * width
                            var f = 0
                            while f < width {
                                let v = values[f]
                                let e = edgeBase + f * stride
                                var k = 0
                                var i = 0
                                while i < stride {
                                    k &+= e[i] <= v ? 1 : 0
                                    i &+= 1
                                }
                                countBase[f &* stride1 &+ k] &+= 1
                                f &+= 1
                            }
                        }
                        row &+= 1
                    }
                }
            }
            let offsets = (0...width).map { $0 * (stride + 1) }
            results.counts[j] = features.indices.map { f in
                drift.features[table.party][f] == nil
                    ? nil : Array(counts[offsets[f]..<(offsets[f] + edges[f].count + 1)])
            }
        }
        var out: [[[Int]?]] = model.parties.map { party in Array(repeating: nil, count: party.features.count) }
        for (j, table) in work.enumerated() { out[table.party] = results.counts[j] }
        return out
    }

    /// The counts of a summary's drift section (for merging partitions).
    static func featureCounts(from summary: JSONValue, model: SplitModel) -> [[[Int]?]] {
        model.parties.map { party in
            party.features.map { feature in
                summary["drift"]?["features"]?[party.name]?[feature.name]?["counts"]?.array?.compactMap(\.int)
            }
        }
    }

    /// Adds partition counts.
    static func add(_ a: [[[Int]?]], _ b: [[[Int]?]]) -> [[[Int]?]] {
        if a.isEmpty { return b }
        if b.isEmpty { return a }
        return zip(a, b).map { pa, pb in
            zip(pa, pb).map { x, y in
                switch (x, y) {
                case (let x?, let y?) where x.count == y.count: zip(x, y).map { $0 + $1 }
                case (let x?, nil): x
                case (nil, let y?): y
                default: nil
                }
            }
        }
    }

    /// The drift section, or nil when the model has no baseline.
    static func json(model: SplitModel, featureCounts: [[[Int]?]], histogram: [Int: Int]) -> JSONValue? {
        guard let drift = model.drift else { return nil }
        var members: [(String, JSONValue)] = []
        var shifted: [JSONValue] = []
        if let score = drift.score {
            var counts = [Int](repeating: 0, count: score.edges.count + 1)
            let edges = score.edges.map { Float($0) }
            for (from, count) in histogram { counts[Drift.bin(Float(from), edges)] += count }
            if let psi = Drift.index(counts: counts, shares: score.shares) {
                members.append(("psi", .number(rounded(psi))))
                members.append(("psi_band", .string(Drift.band(psi))))
                if Drift.band(psi) == "shifted" { shifted.append("score") }
            }
            members.append(("score_counts", .array(counts.map { .number(Double($0)) })))
        }
        var parties: [(String, JSONValue)] = []
        for (p, party) in model.parties.enumerated() where p < featureCounts.count {
            var features: [(String, JSONValue)] = []
            for (f, feature) in party.features.enumerated() {
                guard let counts = featureCounts[p][f], let bins = drift.features[p][f],
                    let csi = Drift.index(counts: counts, shares: bins.shares)
                else { continue }
                let band = Drift.band(csi)
                if band == "shifted" { shifted.append(.string("\(party.name).\(feature.name)")) }
                features.append(
                    (
                        feature.name,
                        [
                            "csi": .number(rounded(csi)), "band": .string(band),
                            "counts": .array(counts.map { .number(Double($0)) }),
                        ]
                    ))
            }
            if !features.isEmpty { parties.append((party.name, .object(features))) }
        }
        members.append(("features", .object(parties)))
        members.append(("shifted", .array(shifted)))
        return .object(members)
    }

    private static func rounded(_ value: Double) -> Double { (value * 10_000).rounded() / 10_000 }
}
