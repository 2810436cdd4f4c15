/// Counts of finite scores in bins of 10 points, each bin named by its lower edge: `summary.json`'s
/// `score_histogram`. An array holds the bins from 0 to 2,560, where scores are; a dictionary any others (a linear
/// output may be anywhere).
struct ScoreHistogram {
    private static let arrayBins = 256
    private var counts = [Int](repeating: 0, count: arrayBins)
    private var others: [Int: Int] = [:]

    /// Counts `score`, which is finite.
    @inline(__always)
    mutating func add(_ score: Double) {
        // A huge score's bin is clamped (an Int conversion would trap).
        let bin = Int(max(-1e17, min(1e17, (score / 10).rounded(.down))))
        if bin >= 0 && bin < Self.arrayBins {
            counts[bin] += 1
        } else {
            others[bin * 10, default: 0] += 1
        }
    }

    /// Adds another histogram's counts.
    mutating func merge(_ other: ScoreHistogram) {
        for k in 0..<Self.arrayBins { counts[k] += other.counts[k] }
        for (edge, count) in other.others { others[edge, default: 0] += count }
    }

    /// The non-empty bins: lower edge to count.
    var bins: [Int: Int] {
        var bins = others
        for k in 0..<Self.arrayBins where counts[k] > 0 { bins[k * 10] = counts[k] }
        return bins
    }
}
