extension SQLiteStore {
    /// Jobs newest first, one page at a time, by keyset: no offset, no scan of the jobs before the page.
    ///
    /// "Newest first" is the order jobs were recorded: `created_us` descending, ties (the same microsecond) by
    /// rowid descending, i.e. the later insert first. Jobs are never deleted, so the rowid only grows and the order
    /// is stable. A page after a job starts right below that job's position whatever its state now, so jobs
    /// recorded between two requests (which are newer) never shift or repeat the later pages, and a job that
    /// changed state since is still a valid cursor. Reads `limit + 1` rows to tell whether a next page exists. Served
    /// by `jobs_by_created(created_us)` and, with a state, `jobs_by_state(state, created_us)` (SQLite index entries
    /// end in the rowid): each page costs O(log n + limit) for any number of jobs.
    ///
    /// - Parameters:
    ///   - state: Only jobs in this state, or all.
    ///   - after: The `next` of the previous page (a job id), or `nil` for the first page.
    ///   - limit: The most jobs in the page (at least 1).
    /// - Returns: The page.
    /// - Throws: ``StoreError`` of code `unknownCursor` when no job has the id `after` (a client's bad cursor: the
    ///   API answers 400), or another ``StoreError``.
    public func jobs(state: JobState?, after: String?, limit: Int) throws -> JobPage {
        let limit = max(limit, 1)
        return try sync { db in
            var conditions: [String] = []
            var arguments: [SQLValue] = []
            if let state {
                conditions.append("state = ?")
                arguments.append(.text(state.rawValue))
            }
            if let after {
                guard
                    let cursor = try db.query("SELECT created_us, rowid AS r FROM jobs WHERE id = ?", [.text(after)])
                        .first,
                    let created = cursor["created_us"].int, let rowid = cursor["r"].int
                else { throw StoreError(.unknownCursor, "the paging cursor names no job") }
                conditions.append("(created_us, rowid) < (?, ?)")
                arguments += [.integer(Int64(created)), .integer(Int64(rowid))]
            }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let rows = try db.query(
                "SELECT * FROM jobs \(filter) ORDER BY created_us DESC, rowid DESC LIMIT ?",
                arguments + [.integer(Int64(limit) + 1)])
            let jobs = rows.prefix(limit).map(JobRecord.init(row:))
            return JobPage(jobs: jobs, next: rows.count > limit ? jobs.last?.id : nil)
        }
    }

    /// The query plan SQLite chose for a page (`EXPLAIN QUERY PLAN` details), for tests that check the index use.
    func pagePlan(state: Bool, after: Bool) throws -> [String] {
        var conditions: [String] = []
        var arguments: [SQLValue] = []
        if state {
            conditions.append("state = ?")
            arguments.append(.text("done"))
        }
        if after {
            conditions.append("(created_us, rowid) < (?, ?)")
            arguments += [.integer(0), .integer(0)]
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try sync { db in
            try db.query(
                "EXPLAIN QUERY PLAN SELECT * FROM jobs \(filter) ORDER BY created_us DESC, rowid DESC LIMIT ?",
                arguments + [.integer(11)]
            ).compactMap { $0["detail"].string }
        }
    }
}
