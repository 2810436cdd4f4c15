import Core
import Foundation
public import Spool
public import Store

/// The status API's routes (../shared/CONTRACTS.md): `/health`, `/ready`, `/jobs`, `/jobs/{id}`,
/// `/jobs/{id}/results`, `/metrics`, and the dashboard at `/`. JSON everywhere else; unknown routes 404, wrong
/// methods 405.
public struct StatusRouter: Sendable {
    /// The job store.
    public var store: JobStore
    /// The spool (for result files).
    public var spool: Spool
    /// When set, `/jobs/{id}/results` needs `Authorization: Bearer <token>`.
    public var token: String?
    /// Whether the model loaded (readiness).
    public var modelLoaded: Bool
    /// Answers for jobs in a final state, for a few seconds.
    let cache = ResponseCache()
    /// Request latency by route and status, fed by the server (``observe(_:status:seconds:)``).
    public let latency = Histograms(
        name: "vfl_http_request_duration_seconds", help: "HTTP request latency by route and status.",
        labels: ["route", "status"],
        bounds: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10])

    /// The loaded model's id and reason texts (code → text), to explain the codes of its jobs' results.
    public var model: (id: String, reasons: [String: String])?

    /// Creates a router.
    public init(
        store: JobStore, spool: Spool, token: String?, modelLoaded: Bool,
        model: (id: String, reasons: [String: String])? = nil
    ) {
        self.store = store
        self.spool = spool
        self.token = token
        self.modelLoaded = modelLoaded
        self.model = model
    }

    /// The route template of a path, as a metrics label (`/jobs/{id}`, never the id itself).
    public static func route(_ path: String) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        switch parts.count {
        case 0: return "/"
        case 1 where ["health", "ready", "jobs", "metrics"].contains(String(parts[0])): return "/" + parts[0]
        case 2 where parts[0] == "jobs": return "/jobs/{id}"
        case 3 where parts[0] == "jobs" && parts[2] == "results": return "/jobs/{id}/results"
        default: return "other"
        }
    }

    /// Records a served request's latency (called by the server once the answer is written).
    public func observe(_ request: HTTPRequest, status: Int, seconds: Double) {
        latency.observe(seconds, labels: [Self.route(request.path), String(status)])
    }

    /// Answers one request.
    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        let route = Self.route(request.path)
        guard route != "other" else { return .error(404, "no such route") }
        guard request.method == "GET" || request.method == "HEAD" else {
            var response = HTTPResponse.error(405, "only GET and HEAD")
            response.headers.append(("Allow", "GET, HEAD"))
            return response
        }
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        do {
            switch route {
            case "/":
                return HTTPResponse(
                    status: 200,
                    headers: [
                        ("Content-Type", "text/html; charset=utf-8"),
                        (
                            "Content-Security-Policy",
                            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'"
                        ),
                    ], body: .bytes(Array(Dashboard.html.utf8)))
            case "/health":
                return .json(200, ["status": "ok", "service": "vfl-api"])
            case "/ready":
                return ready()
            case "/jobs":
                return try jobs(request)
            case "/metrics":
                return try metrics()
            case "/jobs/{id}":
                if let body = cache.get(parts[1]) {
                    return HTTPResponse(
                        status: 200, headers: [("Content-Type", "application/json")], body: .bytes(body))
                }
                guard let job = try store.job(parts[1]) else { return .error(404, "no such job") }
                let response = HTTPResponse.json(200, try describe(job, detailed: true))
                if job.state == .done || job.state == .rejected, case .bytes(let body) = response.body {
                    cache.put(job.id, body)
                }
                return response
            default:
                return try results(parts[1], request)
            }
        } catch {
            return .error(500, "internal error")
        }
    }

    private func jobs(_ request: HTTPRequest) throws -> HTTPResponse {
        var state: JobState?
        if let name = request.query["state"] {
            guard let parsed = JobState(rawValue: name) else { return .error(400, "unknown state \(name)") }
            state = parsed
        }
        let limit = min(max(Int(request.query["limit"] ?? "") ?? 100, 1), 1000)
        var list = try store.jobs(state: state, limit: 10_000)
        if let after = request.query["after"], let i = list.firstIndex(where: { $0.id == after }) {
            list = Array(list[(i + 1)...])
        }
        let page = Array(list.prefix(limit))
        var body: [(String, JSONValue)] = [("jobs", .array(try page.map { try describe($0, detailed: false) }))]
        if list.count > limit, let last = page.last { body.append(("next", .string(last.id))) }
        return .json(200, .object(body))
    }

    private func describe(_ job: JobRecord, detailed: Bool) throws -> JSONValue {
        func time(_ us: Int64?) -> JSONValue { us.map { .string(Timestamp(microseconds: $0).iso8601) } ?? .null }
        var members: [(String, JSONValue)] = [
            ("id", .string(job.id)), ("state", .string(job.state.rawValue)),
            ("parties", .array(job.parties.map { .string($0) })),
            ("model_id", job.modelID.map { .string($0) } ?? .null),
            ("customers", job.customers.map { .number(Double($0)) } ?? .null),
            ("scored", job.scored.map { .number(Double($0)) } ?? .null),
            ("rejected_rows", job.rejectedRows.map { .number(Double($0)) } ?? .null),
            (
                "progress",
                ["tasks_done": .number(Double(job.tasksDone)), "tasks_total": .number(Double(job.tasksTotal))]
            ),
            ("created_at", time(job.createdAt)), ("started_at", time(job.startedAt)),
            ("finished_at", time(job.finishedAt)),
            ("attempts", .number(Double(job.attempts))), ("error", job.error.map { .string($0) } ?? .null),
        ]
        if let start = job.startedAt, let end = job.finishedAt {
            members.append(("duration_s", .number(Double(end - start) / 1e6)))
        }
        if detailed {
            let summaryPath = spool.results + "/" + job.id + "/summary.json"
            if let bytes = try? FileIO.readFile(summaryPath, limit: 1 << 24),
                let summary = try? JSONValue(parsing: Data(bytes))
            {
                members.append(("summary", summary))
            }
            members.append(
                (
                    "events",
                    .array(
                        try store.events(job: job.id).map { event in
                            [
                                "at": time(event.at), "process": .string(event.process), "kind": .string(event.kind),
                                "detail": .string(event.detail),
                            ]
                        })
                ))
        }
        return .object(members)
    }

    private func results(_ id: String, _ request: HTTPRequest) throws -> HTTPResponse {
        if let token {
            let given = request.headers["authorization"] ?? ""
            guard constantTimeEqual(given, "Bearer " + token) else {
                var response = HTTPResponse.error(401, "a bearer token is required")
                response.headers.append(("WWW-Authenticate", "Bearer"))
                return response
            }
        }
        let path = spool.results + "/" + id + "/scores.csv"
        guard BatchID.isValid(id), let job = try store.job(id), job.state == .done, FileIO.exists(path) else {
            return .error(404, "no results for this job")
        }
        if request.query["format"] == "json" {
            let offset = max(Int(request.query["offset"] ?? "") ?? 0, 0)
            let limit = min(max(Int(request.query["limit"] ?? "") ?? 100, 1), 10_000)
            let reader = try CSVReader(path: path)
            guard try reader.next() else { return .json(200, ["offset": .number(Double(offset)), "rows": []]) }
            let header = reader.recordStrings()
            var rows: [JSONValue] = []
            var index = 0
            while rows.count < limit, try reader.next() {
                defer { index += 1 }
                if index < offset { continue }
                rows.append(.object(zip(header, reader.recordStrings()).map { ($0, .string($1)) }))
            }
            var body: [(String, JSONValue)] = [("offset", .number(Double(offset))), ("rows", .array(rows))]
            if rows.count == limit, try reader.next() { body.append(("next", .number(Double(offset + limit)))) }
            // The texts of the page's reason codes, when the job was scored with the loaded model.
            if let model, job.modelID == model.id {
                var codes: [String] = []
                for row in rows {
                    for k in 1...4 {
                        if let code = row["reason_\(k)"]?.string, !code.isEmpty, !codes.contains(code) {
                            codes.append(code)
                        }
                    }
                }
                body.append(
                    (
                        "reason_texts",
                        .object(codes.sorted().compactMap { code in model.reasons[code].map { (code, .string($0)) } })
                    ))
            }
            return .json(200, .object(body))
        }
        return HTTPResponse(
            status: 200, headers: [("Content-Type", "text/csv; charset=utf-8")],
            body: .file(path: path, size: FileIO.size(path)))
    }

    private func metrics() throws -> HTTPResponse {
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
        text += Histograms.render(
            name: "vfl_job_duration_seconds", help: "Done jobs: seconds from ingest to results.",
            bounds: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600], values: m.doneSeconds)
        text += latency.text
        return HTTPResponse(
            status: 200, headers: [("Content-Type", "text/plain; version=0.0.4")], body: .bytes(Array(text.utf8)))
    }

    /// Compares without an early exit, so the time does not reveal how much of a token matched.
    private func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0
    }
}
