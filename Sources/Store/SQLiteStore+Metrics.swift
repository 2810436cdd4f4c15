extension SQLiteStore {
    /// The durations of done jobs (seconds from ingest to results) as histogram buckets, counted in SQL: one row
    /// comes back whatever the number of jobs, so a scrape's memory does not grow with them.
    ///
    /// A job counts in the first bucket whose upper bound is at least its duration, as
    /// `Histograms.observe` places a value.
    ///
    /// - Parameter bounds: Upper bounds of the buckets, ascending (`+Inf` implied).
    /// - Throws: ``StoreError``.
    public func doneDurations(bounds: [Double]) throws -> HistogramCounts {
        precondition(zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 }, "bounds must ascend")
        // Cumulative counts, one SUM per bound; the differences are the buckets.
        let sums = bounds.indices.map { "COALESCE(SUM(d <= ?), 0) AS le\($0)" }
        let sql = """
            SELECT \((sums + ["COUNT(*) AS n", "COALESCE(SUM(d), 0.0) AS total"]).joined(separator: ", "))
            FROM (SELECT (finished_us - created_us) / 1e6 AS d FROM jobs WHERE state = 'done' AND finished_us IS NOT NULL)
            """
        return try sync { db in
            guard let row = try db.query(sql, bounds.map { .real($0) }).first else {
                return HistogramCounts(counts: Array(repeating: 0, count: bounds.count + 1), sum: 0, count: 0)
            }
            return HistogramCounts(
                cumulative: bounds.indices.map { row["le\($0)"].int ?? 0 }, count: row["n"].int ?? 0,
                sum: row["total"].double ?? 0)
        }
    }
}
