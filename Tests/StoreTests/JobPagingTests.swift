import Core
import Foundation
import Testing

@testable import Store

/// Keyset paging of jobs (``JobStore/jobs(state:after:limit:)``) and the duration histogram counted in SQL
/// (``JobStore/doneDurations(bounds:)``), on real SQLite files.
@Suite struct JobPagingTests {
    let directory = NSTemporaryDirectory() + "vfl-paging-" + UUID().uuidString

    func makeStore() throws -> SQLiteStore {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try SQLiteStore(path: directory + "/vfl.sqlite", process: "test")
    }

    /// Every page after `after`, following `next` until it is `nil`.
    func pages(_ store: SQLiteStore, state: JobState?, limit: Int) throws -> [[String]] {
        var out: [[String]] = []
        var after: String?
        repeat {
            let page = try store.jobs(state: state, after: after, limit: limit)
            out.append(page.jobs.map(\.id))
            after = page.next
        } while after != nil
        return out
    }

    /// Inserts jobs with given creation times directly (ties included), in this order.
    func insert(_ store: SQLiteStore, _ jobs: [(id: String, created: Int64, state: String)]) throws {
        try store.sync { db in
            try db.withImmediateTransaction {
                for job in jobs {
                    try db.execute(
                        """
                        INSERT INTO jobs(id, state, parties, created_us, updated_us, finished_us)
                        VALUES (?, ?, 'a', ?, ?, ?)
                        """,
                        [
                            .text(job.id), .text(job.state), .integer(job.created), .integer(job.created),
                            .integer(job.created + 1_500_000),
                        ])
                }
            }
        }
    }

    @Test func jobs_pagesNewestFirstWithTiesByInsertOrder() throws {
        let store = try makeStore()
        // c and d share a microsecond: d, inserted later, is newer. Ids do not decide the order.
        try insert(store, [("z", 10, "done"), ("c", 20, "done"), ("d", 20, "failed"), ("a", 30, "done")])
        #expect(try pages(store, state: nil, limit: 1) == [["a"], ["d"], ["c"], ["z"]])
        #expect(try pages(store, state: nil, limit: 3) == [["a", "d", "c"], ["z"]])
        #expect(try pages(store, state: nil, limit: 4) == [["a", "d", "c", "z"]])
        #expect(try pages(store, state: .done, limit: 2) == [["a", "c"], ["z"]])
        #expect(try pages(store, state: .queued, limit: 2) == [[]])
        // A cursor job in another state than the filter still places the page.
        #expect(try store.jobs(state: .done, after: "d", limit: 5).jobs.map(\.id) == ["c", "z"])
    }

    @Test func jobs_unknownCursorIsAnError() throws {
        let store = try makeStore()
        try insert(store, [("a", 1, "done")])
        #expect { try store.jobs(state: nil, after: "nope", limit: 10) } throws: {
            ($0 as? StoreError)?.code == .unknownCursor && !"\($0)".contains("nope")
        }
    }

    @Test func jobs_pagesManyJobsByStateWhileJobsArrive() throws {
        let store = try makeStore()
        var ids: [String] = []
        for i in 0..<600 {
            let id = String(format: "job-%04d", i)
            ids.append(id)
            if i % 3 == 0 {
                try store.recordRejected(id: id, parties: ["a"], reason: "bad manifest")
            } else {
                try store.createJob(id: id, parties: ["a"], modelID: "m", modelName: "n", tasks: 1)
            }
        }
        let rejected = ids.enumerated().filter { $0.offset % 3 == 0 }.map(\.element).reversed()
        let queued = ids.enumerated().filter { $0.offset % 3 != 0 }.map(\.element).reversed()
        // Page through queued jobs while new jobs of both states arrive between pages: the pages keep the
        // listing as it was at the first page (newer jobs come before it), with no job twice and none missed.
        var seen: [String] = []
        var after: String?
        var arrivals = 0
        repeat {
            let page = try store.jobs(state: .queued, after: after, limit: 37)
            #expect(page.jobs.count <= 37)
            #expect(page.jobs.allSatisfy { $0.state == .queued })
            seen += page.jobs.map(\.id)
            after = page.next
            try store.createJob(id: "late-\(arrivals)", parties: ["a"], modelID: "m", modelName: "n", tasks: 1)
            try store.recordRejected(id: "late-r-\(arrivals)", parties: ["a"], reason: "bad manifest")
            arrivals += 1
        } while after != nil
        #expect(seen == Array(queued))
        #expect(try pages(store, state: .rejected, limit: 50).joined().suffix(rejected.count) == Array(rejected))
        let all = try pages(store, state: nil, limit: 1000).joined()
        #expect(Array(all.suffix(600)) == Array(ids.reversed()))
        #expect(Set(all).count == all.count)
        // A full last page has no next page; the page before it does.
        #expect(try store.jobs(state: .rejected, after: nil, limit: 200 + arrivals).next == nil)
        #expect(try store.jobs(state: .rejected, after: nil, limit: 200 + arrivals - 1).next != nil)
    }

    @Test func jobs_pagesOfAMillionJobsUseAnIndex() throws {
        let store = try makeStore()
        // A million jobs in one statement (states cycling), then pages deep in the list.
        try store.sync { db in
            try db.withImmediateTransaction {
                try db.execute(
                    """
                    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999999)
                    INSERT INTO jobs(id, state, parties, created_us, updated_us)
                    SELECT 'j' || i, CASE i % 4 WHEN 0 THEN 'done' WHEN 1 THEN 'failed' ELSE 'queued' END, 'a',
                        i / 3, i / 3 FROM n
                    """)
            }
        }
        for (state, after) in [(false, false), (false, true), (true, false), (true, true)] {
            let plan = try store.pagePlan(state: state, after: after).joined(separator: "; ")
            #expect(plan.contains("USING INDEX") || plan.contains("USING COVERING INDEX"), "\(plan)")
            #expect(!plan.contains("TEMP B-TREE"), "\(plan)")
        }
        let clock = ContinuousClock()
        let started = clock.now
        let page = try store.jobs(state: .failed, after: "j500001", limit: 100)
        let elapsed = clock.now - started
        // j500001 was created at 166667 (i / 3); failed jobs below it: i = 499997, 499993, ...
        #expect(page.jobs.first?.id == "j499997")
        #expect(page.jobs.count == 100 && page.next == "j499601")
        #expect(elapsed < .milliseconds(200))
        let last = try store.jobs(state: nil, after: "j2", limit: 10)
        #expect(last.jobs.map(\.id) == ["j1", "j0"] && last.next == nil)
    }

    @Test func doneDurations_countsBucketsInSQL() throws {
        let store = try makeStore()
        let bounds: [Double] = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600]
        #expect(
            try store.doneDurations(bounds: bounds)
                == HistogramCounts(counts: Array(repeating: 0, count: bounds.count + 1), sum: 0, count: 0))
        let durations: [Int64] = [100_000, 100_001, 0, 2_500_000, 7_200_000_000, 45_000_000, 999_999]
        try store.sync { db in
            for (i, d) in durations.enumerated() {
                try db.execute(
                    "INSERT INTO jobs(id, state, parties, created_us, updated_us, finished_us) VALUES (?, 'done', 'a', ?, ?, ?)",
                    [.text("d\(i)"), .integer(1000), .integer(1000), .integer(1000 + d)])
            }
            // Not done, or done without a finish time: not counted.
            try db.execute(
                "INSERT INTO jobs(id, state, parties, created_us, updated_us, finished_us) VALUES ('f', 'failed', 'a', 0, 0, 5)"
            )
            try db.execute(
                "INSERT INTO jobs(id, state, parties, created_us, updated_us) VALUES ('g', 'done', 'a', 0, 0)")
        }
        let counted = try store.doneDurations(bounds: bounds)
        var expected = Array(repeating: 0, count: bounds.count + 1)
        for d in durations { expected[bounds.firstIndex { Double(d) / 1e6 <= $0 } ?? bounds.count] += 1 }
        #expect(counted.counts == expected)
        #expect(counted.count == durations.count)
        #expect(abs(counted.sum - durations.map { Double($0) / 1e6 }.reduce(0, +)) < 1e-6)
    }
}
