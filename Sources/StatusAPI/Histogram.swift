#if canImport(Glibc)
import Glibc
#endif

/// Prometheus histograms keyed by labels (cumulative buckets, `_sum`, `_count`), safe to observe from any thread.
///
/// Observations go to one of 16 shards chosen by the calling thread, each behind its own plain mutex, so the
/// connection threads of a busy server do not queue on one lock; rendering merges the shards.
public final class Histograms: @unchecked Sendable {
    private struct Series {
        var buckets: [UInt64]
        var sum = 0.0
        var count: UInt64 = 0

        mutating func record(_ bucket: Int, _ value: Double) {
            buckets[bucket] += 1
            sum += value
            count += 1
        }
    }

    /// The metric's name.
    public let name: String
    /// Its help text.
    public let help: String
    /// Upper bounds of the buckets (ascending; `+Inf` is implied).
    public let bounds: [Double]
    private final class Shard {
        var lock = pthread_mutex_t()
        var series: [[String]: Series] = [:]
        init() { pthread_mutex_init(&lock, nil) }
        deinit { pthread_mutex_destroy(&lock) }
    }

    private let shards = (0..<16).map { _ in Shard() }
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
        let shard = shards[Int(UInt(bitPattern: Int(pthread_self())) >> 8 & 15)]
        pthread_mutex_lock(&shard.lock)
        defer { pthread_mutex_unlock(&shard.lock) }
        let empty = bounds.count + 1
        // One lookup, mutated in place.
        shard.series[labels, default: Series(buckets: Array(repeating: 0, count: empty))].record(bucket, value)
    }

    /// One unlabelled histogram from bucket counts computed elsewhere (for example in SQL), in Prometheus text
    /// format: the same text as ``text`` gives for the values counted.
    ///
    /// - Parameters:
    ///   - bounds: Upper bounds of the buckets, ascending (`+Inf` implied).
    ///   - counts: Observations per bucket, not cumulative: `bounds.count + 1` of them, the last above every bound.
    ///   - sum: The sum of the observations.
    ///   - count: The number of observations (no series is written when it is 0).
    public static func render(
        name: String, help: String, bounds: [Double], counts: [Int], sum: Double, count: Int
    ) -> String {
        precondition(counts.count == bounds.count + 1, "one count per bound, and one above them")
        var series = Series(buckets: counts.map { UInt64(max($0, 0)) })
        series.sum = sum
        series.count = UInt64(max(count, 0))
        return header(name, help) + (count == 0 ? "" : lines(name, bounds, labels: [], series))
    }

    /// The family in Prometheus text format.
    public var text: String {
        var snapshot: [[String]: Series] = [:]
        for shard in shards {
            pthread_mutex_lock(&shard.lock)
            for (labels, s) in shard.series {
                if var merged = snapshot[labels] {
                    for i in merged.buckets.indices { merged.buckets[i] += s.buckets[i] }
                    merged.sum += s.sum
                    merged.count += s.count
                    snapshot[labels] = merged
                } else {
                    snapshot[labels] = s
                }
            }
            pthread_mutex_unlock(&shard.lock)
        }
        var out = Self.header(name, help)
        for labels in snapshot.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            out += Self.lines(
                name, bounds, labels: zip(labelNames, labels).map { "\($0)=\"\($1)\"" }, snapshot[labels]!)
        }
        return out
    }

    private static func header(_ name: String, _ help: String) -> String {
        "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
    }

    /// One series: cumulative buckets, sum and count.
    private static func lines(_ name: String, _ bounds: [Double], labels: [String], _ s: Series) -> String {
        func braces(_ extra: [String]) -> String {
            let all = labels + extra
            return all.isEmpty ? "" : "{" + all.joined(separator: ",") + "}"
        }
        var out = ""
        var cumulative: UInt64 = 0
        for (i, bound) in bounds.enumerated() {
            cumulative += s.buckets[i]
            out += "\(name)_bucket\(braces(["le=\"\(format(bound))\""])) \(cumulative)\n"
        }
        cumulative += s.buckets[bounds.count]
        out += "\(name)_bucket\(braces(["le=\"+Inf\""])) \(cumulative)\n"
        out += "\(name)_sum\(braces([])) \(s.sum)\n"
        out += "\(name)_count\(braces([])) \(s.count)\n"
        return out
    }

    private static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? "\(Int64(v))" : "\(v)"
    }
}
