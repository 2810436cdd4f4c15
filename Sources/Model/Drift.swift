#if canImport(Glibc)
import Glibc
#endif

/// The training population's distributions, stored in the model file (`"drift"`), against which every scored batch
/// is compared: the population stability index (PSI) of the scores and the characteristic stability index (CSI) of
/// each feature.
public struct DriftBaseline: Sendable {
    /// Bins given by ascending inner edges (bin k holds `edges[k-1] <= x < edges[k]`) and the baseline's share in
    /// each (`edges.count + 1` shares).
    public struct Bins: Sendable {
        /// Inner edges, ascending.
        public var edges: [Double]
        /// Baseline shares per bin.
        public var shares: [Double]
    }

    /// Score bins (edges on multiples of 10, so the summary's 10-point histogram gives the counts).
    public var score: Bins?
    /// Per party (model order), per feature (party order): the bins of the raw values, or nil.
    public var features: [[Bins?]]
}

/// Stability indices.
public enum Drift {
    /// Edges in the standardized space the scorer holds values in (`transform`, then `(x - mean) / std`).
    public static func standardizedEdges(_ edges: [Double], mean: Double, std: Double, log: Bool) -> [Float] {
        edges.map { e in
            let x = log ? (e < 0 ? -log1p(-e) : log1p(e)) : e
            return Float((x - mean) / std)
        }
    }

    /// The bin of `value`: how many edges are at or below it.
    @inline(__always)
    public static func bin(_ value: Float, _ edges: [Float]) -> Int {
        var k = 0
        while k < edges.count && edges[k] <= value { k += 1 }
        return k
    }

    /// `sum (a - e) ln(a / e)` over the bins, shares floored at 0.0001 (the usual guard against empty bins).
    public static func index(counts: [Int], shares: [Double]) -> Double? {
        let total = counts.reduce(0, +)
        guard total > 0, counts.count == shares.count else { return nil }
        var sum = 0.0
        for (count, expected) in zip(counts, shares) {
            let a = max(Double(count) / Double(total), 0.0001)
            let e = max(expected, 0.0001)
            sum += (a - e) * log(a / e)
        }
        return sum
    }

    /// The usual bands: below 0.10 stable, 0.10 to 0.25 watch, above 0.25 shifted.
    public static func band(_ index: Double) -> String {
        index < 0.10 ? "stable" : index <= 0.25 ? "watch" : "shifted"
    }
}
