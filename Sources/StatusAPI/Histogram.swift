import Synchronization

/// Prometheus histograms keyed by labels (cumulative buckets, `_sum`, `_count`), safe to observe from any thread.
public final class Histograms: Sendable {
    private struct Series {
        var buckets: [UInt64]
        var sum = 0.0
        var count: UInt64 = 0
    }

    /// The metric's name.
    public let name: String
    /// Its help text.
    public let help: String
    /// Upper bounds of the buckets (ascending; `+Inf` is implied).
    public let bounds: [Double]
    private let series = Mutex<[[String]: Series]>([:])
    private let labelNames: [String]

    /// A family of histograms with the given label names.
    public init(name: String, help: String, labels: [String], bounds: [Double]) {
        self.name = name
        self.help = help
        self.bounds = bounds
        labelNames = labels
    }

    /// Records one observation under `labels` (values in the order of the label names).
    public func observe(_ value: Double, labels: [String]) {
        let bucket = bounds.firstIndex { value <= $0 } ?? bounds.count
        series.withLock { all in
            var s = all[labels] ?? Series(buckets: Array(repeating: 0, count: bounds.count + 1))
            s.buckets[bucket] += 1
            s.sum += value
            s.count += 1
            all[labels] = s
        }
    }

    /// Records a set of observations computed elsewhere (replacing nothing: for histograms built per scrape).
    public static func render(
        name: String, help: String, bounds: [Double], values: [Double]
    ) -> String {
        let h = Histograms(name: name, help: help, labels: [], bounds: bounds)
        for v in values { h.observe(v, labels: []) }
        return h.text
    }

    /// The family in Prometheus text format.
    public var text: String {
        var out = "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
        let snapshot = series.withLock { $0 }
        for labels in snapshot.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let s = snapshot[labels]!
            let pairs = zip(labelNames, labels).map { "\($0)=\"\($1)\"" }
            func braces(_ extra: [String]) -> String {
                let all = pairs + extra
                return all.isEmpty ? "" : "{" + all.joined(separator: ",") + "}"
            }
            var cumulative: UInt64 = 0
            for (i, bound) in bounds.enumerated() {
                cumulative += s.buckets[i]
                out += "\(name)_bucket\(braces(["le=\"\(Self.format(bound))\""])) \(cumulative)\n"
            }
            cumulative += s.buckets[bounds.count]
            out += "\(name)_bucket\(braces(["le=\"+Inf\""])) \(cumulative)\n"
            out += "\(name)_sum\(braces([])) \(s.sum)\n"
            out += "\(name)_count\(braces([])) \(s.count)\n"
        }
        return out
    }

    private static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? "\(Int64(v))" : "\(v)"
    }
}
