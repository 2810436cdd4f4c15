import Core
public import Spool
public import Store

/// The status API (../shared/CONTRACTS.md and docs/openapi.yaml): one route table drives dispatch, the 404s and
/// 405s and the metrics labels; authentication and latency are middleware around every handler.
///
/// Open: `/health`, `/ready`, `/metrics`, the dashboard, the job list and each job's state, counts, timings,
/// progress, model and error, and the model registry's metadata (`/models`). Behind the token: results, the customer
/// lookup, a job's distribution detail and model files.
public struct StatusRouter: HTTPResponder {
    /// The job store.
    public let store: any JobStore
    /// The spool (for result files).
    public let spool: Spool
    /// The API token; `nil` only when the operator declared results public (`VFL_API_OPEN=1`).
    public let token: String?
    /// Whether the model loaded (readiness).
    public let modelLoaded: Bool
    /// The smallest group of customers a reported count may describe (histograms, drift, coverage).
    public let minimumGroup: Int
    /// Answers for jobs in a final state, for a few seconds.
    let cache = ResponseCache()
    /// Mapped `scores.csv` files, for lookups.
    let scoresFiles = ScoresFileCache()
    /// Request latency by route template and status, fed by the ``LatencyRecorder`` middleware.
    public let latency = Histograms(
        name: "vfl_http_request_duration_seconds", help: "HTTP request latency by route and status.",
        labels: ["route", "status"],
        bounds: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10])

    /// The loaded model's id and reason texts (code → text), to explain the codes of its jobs' results.
    public let model: (id: String, reasons: [String: String])?

    /// Creates a router.
    public init(
        store: any JobStore, spool: Spool, token: String?, modelLoaded: Bool,
        model: (id: String, reasons: [String: String])? = nil, minimumGroup: Int = SummaryRedaction.defaultMinimumGroup
    ) {
        self.minimumGroup = max(minimumGroup, 1)
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

    /// The route table of `router` (built once, in the initializer): the one list of what the API serves.
    private static func makeTable(_ router: StatusRouter) -> RouteTable {
        RouteTable([
            Route(.get, "/", onLoop: true) { _, _ in router.dashboard() },
            Route(.get, "/health", onLoop: true) { _, _ in healthy },
            Route(.get, "/ready") { _, _ in router.ready() },
            Route(.get, "/metrics") { _, _ in try router.metrics() },
            Route(.get, "/jobs") { request, _ in try router.jobs(request) },
            Route(.get, "/jobs/{id}", fromMemory: { _, parameters in router.cachedJob(parameters["id"] ?? "") }) {
                _, parameters in try router.job(parameters["id"] ?? "")
            },
            Route(.get, "/jobs/{id}/summary", access: .token) { _, parameters in
                try router.summary(parameters["id"] ?? "")
            },
            Route(.get, "/jobs/{id}/comparison", access: .token) { _, parameters in
                try router.comparison(parameters["id"] ?? "")
            },
            Route(.get, "/jobs/{id}/results", access: .token) { request, parameters in
                try router.results(parameters["id"] ?? "", request)
            },
            Route(.post, "/jobs/{id}/lookup", access: .token) { request, parameters in
                try router.lookup(parameters["id"] ?? "", request)
            },
            Route(.get, "/models") { _, _ in try router.models() },
            Route(.get, "/models/{id}") { _, parameters in try router.model(parameters["id"] ?? "") },
            Route(.get, "/models/{id}/file", access: .token) { _, parameters in
                try router.modelFile(parameters["id"] ?? "")
            },
        ])
    }

    /// The middleware, outermost first: latency, then authentication.
    private(set) var middleware: [any HTTPMiddleware] = []

    /// The answer of `/health`, made once.
    private static let healthy = HTTPResponse.json(.ok, ["status": "ok", "service": "vfl-api"])

    /// The answer on the event loop: for a route that runs there, or one with an answer in memory; `nil` sends the
    /// request to the pool. The middleware runs around it all the same.
    public func respondOnLoop(to request: HTTPRequest) -> HTTPResponse? {
        let match = table.match(request.method, request.path)
        guard case .found(let route, let parameters) = match else { return nil }
        if route.onLoop { return run(request, match) { routed in answer(routed, match: match) } }
        guard let fromMemory = route.fromMemory, let answer = fromMemory(request, parameters) else { return nil }
        return run(request, .found(route, parameters: parameters)) { _ in answer }
    }

    /// Answers one request: the table finds the route, the middleware runs around its handler.
    public func respond(to request: HTTPRequest) -> HTTPResponse {
        let match = table.match(request.method, request.path)
        return run(request, match) { routed in answer(routed, match: match) }
    }

    /// Runs the middleware chain around `end`.
    private func run(
        _ request: HTTPRequest, _ match: RouteTable.Match, end: (RoutedRequest) -> HTTPResponse
    ) -> HTTPResponse {
        var routed = RoutedRequest(request: request, route: nil, template: "other")
        switch match {
        case .found(let route, _):
            routed.route = route
            routed.template = route.template
        case .methodNotAllowed(let template, _):
            routed.template = template
        case .notFound:
            break
        }
        let chain = middleware
        func next(_ index: Int, _ routed: RoutedRequest) -> HTTPResponse {
            index < chain.count ? chain[index].respond(to: routed) { next(index + 1, $0) } : end(routed)
        }
        return next(0, routed)
    }

    /// The end of the chain: the handler, or the 404 or 405.
    private func answer(_ routed: RoutedRequest, match: RouteTable.Match) -> HTTPResponse {
        switch match {
        case .notFound:
            return .error(.notFound, "no such route")
        case .methodNotAllowed(_, let allowed):
            let names = allowed.map(\.rawValue).joined(separator: ", ")
            var response = HTTPResponse.error(.methodNotAllowed, "only \(names)")
            response.headers.append(("Allow", names))
            return response
        case .found(let route, let parameters):
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

    func dashboard() -> HTTPResponse {
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
}
