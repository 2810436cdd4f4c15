import Core
import Foundation
public import Spool
public import Store

/// The status API (../shared/CONTRACTS.md and docs/openapi.yaml): one route table drives dispatch, the 404s and
/// 405s and the metrics labels; authentication and latency are middleware around every handler.
///
/// Open: `/health`, `/ready`, `/metrics`, the dashboard, the job list and each job's state, counts, timings,
/// progress and error. Behind the token: results, the customer lookup and a job's distribution detail.
public struct StatusRouter: HTTPResponder {
    /// The job store.
    public let store: JobStore
    /// The spool (for result files).
    public let spool: Spool
    /// The API token; `nil` only when the operator declared results public (`VFL_API_OPEN=1`).
    public let token: String?
    /// Whether the model loaded (readiness).
    public let modelLoaded: Bool
    /// Answers for jobs in a final state, for a few seconds.
    let cache = ResponseCache()
    /// Request latency by route template and status, fed by the ``LatencyRecorder`` middleware.
    public let latency = Histograms(
        name: "vfl_http_request_duration_seconds", help: "HTTP request latency by route and status.",
        labels: ["route", "status"],
        bounds: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10])

    /// The loaded model's id and reason texts (code → text), to explain the codes of its jobs' results.
    public let model: (id: String, reasons: [String: String])?

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
        middleware = [LatencyRecorder(histograms: latency), BearerAuthentication(token: token)]
        table = Self.makeTable(self)
    }

    /// The routes.
    public private(set) var table = RouteTable([])

    /// The route table of `router` (built once, in ``init(store:spool:token:modelLoaded:model:)``).
    private static func makeTable(_ router: StatusRouter) -> RouteTable {
        let dashboard = router.dashboard
        let ready = router.ready
        let metrics = router.metrics
        let jobs = router.jobs
        let job = router.job
        let results = router.results
        return RouteTable([
            Route(.get, "/", onLoop: true) { _, _ in dashboard() },
            Route(.get, "/health", onLoop: true) { _, _ in .json(.ok, ["status": "ok", "service": "vfl-api"]) },
            Route(.get, "/ready") { _, _ in ready() },
            Route(.get, "/metrics") { _, _ in try metrics() },
            Route(.get, "/jobs") { request, _ in try jobs(request) },
            Route(.get, "/jobs/{id}") { _, parameters in try job(parameters["id"] ?? "") },
            Route(.get, "/jobs/{id}/results", access: .token) { request, parameters in
                try results(parameters["id"] ?? "", request)
            },
        ])
    }

    /// The middleware, outermost first: latency, then authentication.
    private(set) var middleware: [any HTTPMiddleware] = []

    /// The route template of a path, as a metrics label (`/jobs/{id}`, never the id itself; `other` when no route
    /// has the path).
    public func route(_ path: String) -> String {
        switch table.match(.get, path) {
        case .found(let route, _): route.template
        case .methodNotAllowed(let template, _): template
        case .notFound:
            switch table.match(.post, path) {
            case .found(let route, _): route.template
            default: "other"
            }
        }
    }

    /// Whether the request's route is answered on the event loop.
    public func answersOnLoop(_ request: HTTPRequest) -> Bool {
        if case .found(let route, _) = table.match(request.method, request.path) { return route.onLoop }
        return false
    }

    /// Answers one request: the table finds the route, the middleware runs around its handler.
    public func respond(to request: HTTPRequest) -> HTTPResponse {
        let match = table.match(request.method, request.path)
        var routed = RoutedRequest(request: request, route: nil, template: "other")
        var parameters: [String: String] = [:]
        switch match {
        case .found(let route, let bound):
            routed.route = route
            routed.template = route.template
            parameters = bound
        case .methodNotAllowed(let template, _):
            routed.template = template
        case .notFound:
            break
        }
        let chain = middleware
        func next(_ index: Int, _ routed: RoutedRequest) -> HTTPResponse {
            if index < chain.count {
                return chain[index].respond(to: routed) { next(index + 1, $0) }
            }
            return answer(routed, match: match, parameters: parameters)
        }
        return next(0, routed)
    }

    /// The end of the chain: the handler, or the 404 or 405.
    private func answer(_ routed: RoutedRequest, match: RouteTable.Match, parameters: [String: String]) -> HTTPResponse
    {
        switch match {
        case .notFound:
            return .error(.notFound, "no such route")
        case .methodNotAllowed(_, let allowed):
            let names = allowed.map(\.rawValue).joined(separator: ", ")
            var response = HTTPResponse.error(.methodNotAllowed, "only \(names)")
            response.headers.append(("Allow", names))
            return response
        case .found(let route, _):
            do {
                return try route.handler(routed.request, parameters)
            } catch let error as HTTPError {
                return .error(error.status, error.message)
            } catch {
                return .error(.internalServerError, "internal error")
            }
        }
    }

    /// Answers one request (``respond(to:)``, for callers without a server).
    public func handle(_ request: HTTPRequest) -> HTTPResponse { respond(to: request) }

    private func dashboard() -> HTTPResponse {
        HTTPResponse(
            status: .ok,
            headers: [
                ("Content-Type", "text/html; charset=utf-8"),
                (
                    "Content-Security-Policy",
                    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'"
                ),
                ("Referrer-Policy", "no-referrer"),
            ], body: .bytes(Array(Dashboard.html.utf8)))
    }

    private func job(_ id: String) throws -> HTTPResponse {
        if let body = cache.get(id) {
            return HTTPResponse(status: .ok, headers: [("Content-Type", "application/json")], body: .bytes(body))
        }
        guard BatchID.isValid(id), let job = try store.job(id) else { throw HTTPError(.notFound, "no such job") }
        let response = HTTPResponse.json(.ok, try describe(job, detailed: true))
        if job.state == .done || job.state == .rejected, case .bytes(let body) = response.body {
            cache.put(job.id, body)
        }
        return response
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
}
