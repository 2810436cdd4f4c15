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
        try sync { db in try StoreReads.doneDurations(db, bounds: bounds) }
    }
}
