import Store

/// `GET /metrics`: Prometheus text. Its size is fixed: counts by state and histograms with fixed buckets, counted
/// in the store, whatever the number of jobs ever run.
extension StatusRouter {
    /// The buckets of `vfl_job_duration_seconds`.
    static let jobDurationBounds: [Double] = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600]

    func metrics() throws -> HTTPResponse {
        let m = try store.metrics()
        var text = "# HELP vfl_jobs Jobs by state.\n# TYPE vfl_jobs gauge\n"
        for state in JobState.allCases {
            text += "vfl_jobs{state=\"\(state.rawValue)\"} \(m.jobs[state.rawValue] ?? 0)\n"
        }
        text += "# HELP vfl_tasks Tasks by state.\n# TYPE vfl_tasks gauge\n"
        for state in ["queued", "running", "done", "failed"] {
            text += "vfl_tasks{state=\"\(state)\"} \(m.tasks[state] ?? 0)\n"
        }
        text += "# HELP vfl_rows_scored_total Customers scored by done jobs.\n# TYPE vfl_rows_scored_total counter\n"
        text += "vfl_rows_scored_total \(m.scored)\n"
        text += "# HELP vfl_rows_rejected_total Rows rejected by done jobs.\n# TYPE vfl_rows_rejected_total counter\n"
        text += "vfl_rows_rejected_total \(m.rejectedRows)\n"
        text += "# HELP vfl_workers_live Workers with a heartbeat in the last 30 s.\n# TYPE vfl_workers_live gauge\n"
        text += "vfl_workers_live \(m.liveWorkers)\n"
        let durations = try store.doneDurations(bounds: Self.jobDurationBounds)
        text += Histograms.render(
            name: "vfl_job_duration_seconds", help: "Done jobs: seconds from ingest to results.",
            bounds: Self.jobDurationBounds, counts: durations.counts, sum: durations.sum, count: durations.count)
        text += latency.text
        return HTTPResponse(
            status: .ok, headers: [("Content-Type", "text/plain; version=0.0.4")], body: .bytes(Array(text.utf8)))
    }
}
