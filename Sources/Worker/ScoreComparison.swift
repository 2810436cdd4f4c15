public import Core
import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// One customer scored by both the champion and a challenger: the two scores as written in their `scores.csv`, and
/// whether their first reason codes are the same text (both empty counts as the same).
public struct ScorePair: Sendable, Equatable {
    /// The champion's score.
    public var champion: Double
    /// The challenger's score.
    public var challenger: Double
    /// Whether `reason_1` is the same in both rows.
    public var sameFirstReason: Bool

    /// Creates a pair.
    public init(champion: Double, challenger: Double, sameFirstReason: Bool) {
        self.champion = champion
        self.challenger = challenger
        self.sameFirstReason = sameFirstReason
    }
}

/// The fixed settings of `comparison.json` (docs/spool-protocol.md, "Shadow scoring").
public struct ComparisonOptions: Sendable, Equatable {
    /// The cutoffs of the swap set: a customer is above a cutoff when its score is at least the cutoff.
    public var cutoffs: [Double]
    /// The range of the PSI's equal-width bins; scores outside it count in the first or last bin.
    public var psiRange: ClosedRange<Double>
    /// The number of the PSI's bins.
    public var psiBins: Int
    /// The share that stands in for an empty bin's share in the PSI (so that its logarithm is finite).
    public var psiEpsilon: Double

    /// Creates options; the defaults are the documented ones: cutoffs 580, 620, 660, 700; 10 bins over 300-850;
    /// epsilon 0.0001.
    public init(
        cutoffs: [Double] = [580, 620, 660, 700], psiRange: ClosedRange<Double> = 300...850, psiBins: Int = 10,
        psiEpsilon: Double = 1e-4
    ) {
        self.cutoffs = cutoffs.sorted()
        self.psiRange = psiRange
        self.psiBins = max(1, psiBins)
        self.psiEpsilon = psiEpsilon
    }
}

/// The statistics of `comparison.json`: how a challenger's scores differ from the champion's on the customers both
/// scored. Pure functions of their inputs, in a fixed order, so the same inputs give the same bytes.
public enum ScoreComparison {
    /// The quantiles reported for the score shift.
    public static let quantiles: [(name: String, p: Double)] = [
        ("p1", 0.01), ("p5", 0.05), ("p10", 0.1), ("p20", 0.2), ("p25", 0.25), ("p30", 0.3), ("p40", 0.4),
        ("p50", 0.5), ("p60", 0.6), ("p70", 0.7), ("p75", 0.75), ("p80", 0.8), ("p90", 0.9), ("p95", 0.95),
        ("p99", 0.99),
    ]

    /// The `p` quantile of ascending `sorted` values by linear interpolation between order statistics (Hyndman and
    /// Fan's type 7, numpy's default): position `(n - 1) p`; `nil` when empty.
    public static func quantile(sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let h = Double(sorted.count - 1) * min(max(p, 0), 1)
        let low = Int(h.rounded(.down))
        let high = min(low + 1, sorted.count - 1)
        return sorted[low] + (h - Double(low)) * (sorted[high] - sorted[low])
    }

    /// The 1-based ranks of `values`, ties given the average of the ranks they span.
    public static func averageRanks(_ values: [Double]) -> [Double] {
        // The values' order-preserving keys radix-sorted with their indices (the order among ties does not change
        // their average rank).
        var keys = values.map(RadixSort.key)
        var indices = (0..<values.count).map { Int32($0) }
        RadixSort.sort(&keys, carrying: &indices)
        var ranks = [Double](repeating: 0, count: values.count)
        var i = 0
        while i < keys.count {
            var j = i
            while j + 1 < keys.count && keys[j + 1] == keys[i] { j += 1 }
            let rank = Double(i + j) / 2 + 1
            for k in i...j { ranks[Int(indices[k])] = rank }
            i = j + 1
        }
        return ranks
    }

    /// Spearman's rank correlation: Pearson's correlation of the average ranks; `nil` for fewer than two values or
    /// when either side is constant (the correlation is undefined).
    public static func spearman(_ a: [Double], _ b: [Double]) -> Double? {
        precondition(a.count == b.count)
        guard a.count >= 2 else { return nil }
        return rankCorrelation(averageRanks(a), averageRanks(b))
    }

    /// Pearson's correlation of two sides' ranks (``averageRanks(_:)``); `nil` when either is constant.
    static func rankCorrelation(_ x: [Double], _ y: [Double]) -> Double? {
        guard x.count >= 2 else { return nil }
        let mean = Double(x.count + 1) / 2  // the mean of any ranks of n values
        var sxy = 0.0
        var sxx = 0.0
        var syy = 0.0
        for i in x.indices {
            let dx = x[i] - mean
            let dy = y[i] - mean
            sxy += dx * dy
            sxx += dx * dx
            syy += dy * dy
        }
        guard sxx > 0, syy > 0 else { return nil }
        return sxy / (sxx * syy).squareRoot()
    }

    /// The counts of `scores` in the PSI's equal-width bins (``ComparisonOptions``).
    public static func binCounts(_ scores: [Double], options: ComparisonOptions = ComparisonOptions()) -> [Int] {
        var counts = [Int](repeating: 0, count: options.psiBins)
        let low = options.psiRange.lowerBound
        let width = (options.psiRange.upperBound - low) / Double(options.psiBins)
        for score in scores {
            let bin = ((score - low) / width).rounded(.down)
            counts[Int(min(max(bin, 0), Double(options.psiBins - 1)))] += 1
        }
        return counts
    }

    /// The population stability index of `actual` (the challenger's bin counts) against `expected` (the
    /// champion's): `Σ (a - e) ln(a / e)` over the bins' shares, an empty bin's share replaced by the epsilon; `nil`
    /// when either side is empty.
    public static func psi(
        expected: [Int], actual: [Int], epsilon: Double = ComparisonOptions().psiEpsilon
    )
        -> Double?
    {
        precondition(expected.count == actual.count)
        let n = expected.reduce(0, +)
        let m = actual.reduce(0, +)
        guard n > 0, m > 0 else { return nil }
        var total = 0.0
        for k in expected.indices {
            let e = expected[k] == 0 ? epsilon : Double(expected[k]) / Double(n)
            let a = actual[k] == 0 ? epsilon : Double(actual[k]) / Double(m)
            total += (a - e) * log(a / e)
        }
        return total
    }

    /// How many customers cross `cutoff`: `up` were below it with the champion and are at or above it with the
    /// challenger, `down` the reverse.
    public static func swaps(_ pairs: [ScorePair], cutoff: Double) -> (up: Int, down: Int) {
        var up = 0
        var down = 0
        for pair in pairs {
            let before = pair.champion >= cutoff
            let after = pair.challenger >= cutoff
            if !before && after { up += 1 }
            if before && !after { down += 1 }
        }
        return (up, down)
    }

    /// Counts of a comparison besides its pairs.
    public struct Counts: Sendable, Equatable {
        /// Customers the champion scored.
        public var champion: Int
        /// Customers the challenger scored.
        public var challenger: Int

        /// Creates counts.
        public init(champion: Int, challenger: Int) {
            self.champion = champion
            self.challenger = challenger
        }
    }

    /// The comparison of one challenger with the champion as `comparison.json` holds it: the customers, the score
    /// shift (challenger minus champion: mean and quantiles), Spearman's rank correlation, the PSI, the swap set at
    /// each cutoff and the agreement of the first reason code. Every statistic is rounded to 6 decimals.
    ///
    /// - Parameters:
    ///   - pairs: The customers both scored, in key order.
    ///   - counts: How many customers each scored.
    public static func json(
        pairs: [ScorePair], counts: Counts, options: ComparisonOptions = ComparisonOptions()
    )
        -> JSONValue
    {
        let champion = pairs.map(\.champion)
        let challenger = pairs.map(\.challenger)
        let shift = pairs.map { $0.challenger - $0.champion }
        // The three sorts (the shift, each side's ranks) on the cores at once.
        final class Sorted: @unchecked Sendable {
            // Slot k is written by iteration k only; read after concurrentPerform returns.
            var results: [[Double]] = [[], [], []]
        }
        let sorted = Sorted()
        DispatchQueue.concurrentPerform(iterations: 3) { k in
            sorted.results[k] = k == 0 ? RadixSort.sorted(shift) : averageRanks(k == 1 ? champion : challenger)
        }
        let sortedShift = sorted.results[0]
        var shiftMembers: [(String, JSONValue)] = [
            ("mean", number(shift.isEmpty ? nil : shift.reduce(0, +) / Double(shift.count))),
            ("median", number(quantile(sorted: sortedShift, 0.5))),
        ]
        for (name, p) in quantiles { shiftMembers.append((name, number(quantile(sorted: sortedShift, p)))) }
        let expected = binCounts(champion, options: options)
        let actual = binCounts(challenger, options: options)
        let swapSet: [JSONValue] = options.cutoffs.map { cutoff in
            let (up, down) = swaps(pairs, cutoff: cutoff)
            var above = (0, 0)
            for pair in pairs {
                if pair.champion >= cutoff { above.0 += 1 }
                if pair.challenger >= cutoff { above.1 += 1 }
            }
            return [
                "cutoff": .number(cutoff), "up": .number(Double(up)), "down": .number(Double(down)),
                "champion_above": .number(Double(above.0)), "challenger_above": .number(Double(above.1)),
            ]
        }
        let agreeing = pairs.filter(\.sameFirstReason).count
        return [
            "customers": [
                "champion": .number(Double(counts.champion)), "challenger": .number(Double(counts.challenger)),
                "both": .number(Double(pairs.count)),
                "only_champion": .number(Double(counts.champion - pairs.count)),
                "only_challenger": .number(Double(counts.challenger - pairs.count)),
            ],
            "score_shift": .object(shiftMembers),
            "spearman": number(rankCorrelation(sorted.results[1], sorted.results[2])),
            "psi": [
                "value": number(psi(expected: expected, actual: actual, epsilon: options.psiEpsilon)),
                "bins": .number(Double(options.psiBins)), "from": .number(options.psiRange.lowerBound),
                "to": .number(options.psiRange.upperBound), "epsilon": .number(options.psiEpsilon),
                "champion_counts": .array(expected.map { .number(Double($0)) }),
                "challenger_counts": .array(actual.map { .number(Double($0)) }),
            ],
            "swaps": .array(swapSet),
            "first_reason_agreement": number(pairs.isEmpty ? nil : Double(agreeing) / Double(pairs.count)),
        ]
    }

    /// A statistic rounded to 6 decimals (half away from zero), or `null`; `-0` is written `0`.
    static func number(_ value: Double?) -> JSONValue {
        guard let value, value.isFinite else { return .null }
        let rounded = (value * 1e6).rounded() / 1e6
        return .number(rounded == 0 ? 0 : rounded)
    }
}
