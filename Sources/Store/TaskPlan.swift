/// How a job's work is cut into tasks (the stages are run by the workers; see `StagedScoring`).
///
/// A batch whose shards fit a worker's memory bound is one task; a larger one is split into one partition task per
/// party, one bucket task per bucket and a merge task, so that each worker's peak memory stays bounded and several
/// workers share the batch.
public enum TaskPlan {
    /// Task stages, in the order they run within a job.
    public enum Stage: Int, Sendable {
        /// Score the whole batch.
        case whole = 0
        /// Hash-partition one party's shard into buckets.
        case partition = 1
        /// Score one bucket.
        case bucket = 2
        /// Merge the buckets' results.
        case merge = 3
    }

    /// Resident bytes per byte of CSV while scoring (measured: about 0.63 on the 1,000,000-customer benchmark),
    /// with a margin.
    static let residentPerCSVByte = 0.8

    /// How a challenger reads one party's shard, for the memory plan.
    public enum ChallengerInput: Sendable {
        /// It does not know the party.
        case none
        /// Into the champion's inputs: it shares their values (and adds its scores and the comparison).
        case shared
        /// Into inputs of its own: a second table of values.
        case own
    }

    /// The share of a shard's resident bytes a challenger adds: measured on the 1,000,000-customer benchmark,
    /// 6% with shared inputs (480 MiB peak against 454) and 80% with its own (816 MiB), each with a margin.
    static func challengerShare(_ input: ChallengerInput) -> Double {
        switch input {
        case .none: 0
        case .shared: 0.1
        case .own: 1
        }
    }

    /// The bytes of CSV the plan counts for a batch: each shard's once for the champion, plus the share each
    /// challenger adds (``ChallengerInput``).
    ///
    /// - Parameters:
    ///   - shardBytes: Each shard's size.
    ///   - challengers: Per shard, how each challenger reads it (empty: no challenger).
    public static func plannedBytes(shardBytes: [Int], challengers: [[ChallengerInput]]) -> Int {
        var total = 0.0
        for (k, bytes) in shardBytes.enumerated() {
            let inputs = k < challengers.count ? challengers[k] : []
            total += Double(bytes) * (1 + inputs.reduce(0) { $0 + challengerShare($1) })
        }
        return Int(total.rounded(.up))
    }

    /// The number of buckets for a batch of `shardBytes` bytes of CSV under `memoryBound` bytes per worker
    /// (1: do not split).
    public static func buckets(shardBytes: Int, memoryBound: Int) -> Int {
        // Less the process's own footprint (about 64 MB); tiny bounds (tests) keep half.
        let usable = memoryBound > 128_000_000 ? Double(memoryBound) - 64e6 : Double(memoryBound) / 2
        return max(1, Int((Double(shardBytes) * residentPerCSVByte / usable).rounded(.up)))
    }

    /// The tasks of a job over `parties` parties with `buckets` buckets.
    public static func tasks(parties: Int, buckets: Int) -> [TaskSpec] {
        guard buckets > 1 else { return [TaskSpec(stage: Stage.whole.rawValue, part: 0)] }
        return (0..<parties).map { TaskSpec(stage: Stage.partition.rawValue, part: $0) }
            + (0..<buckets).map { TaskSpec(stage: Stage.bucket.rawValue, part: $0) }
            + [TaskSpec(stage: Stage.merge.rawValue, part: 0)]
    }
}
