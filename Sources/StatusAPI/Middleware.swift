import Core

/// A request on its way to its route's handler, with what the table found.
public struct RoutedRequest: Sendable {
    /// The request.
    public var request: HTTPRequest
    /// The route matched, if any (none for a 404 or 405).
    public var route: Route?
    /// The route's template, the metrics label (`other` when no route has the path).
    public var template: String
}

/// Code that runs around every handler: authentication, latency. Each calls `next` to go on, or answers itself.
public protocol HTTPMiddleware: Sendable {
    /// Answers `routed`, calling `next` for the rest of the chain and the handler.
    func respond(to routed: RoutedRequest, next: (RoutedRequest) -> HTTPResponse) -> HTTPResponse
}

/// Requires `Authorization: Bearer <token>` on the routes whose access is ``Route/Access/token``; 401 with
/// `WWW-Authenticate: Bearer` otherwise. With no token configured (the operator said results may be public), it lets
/// everything through.
public struct BearerAuthentication: HTTPMiddleware {
    private let expected: [UInt8]?

    /// Creates the middleware; `nil` means open.
    public init(token: String?) { expected = token.map { Array("Bearer \($0)".utf8) } }

    /// Checks the token of a ``Route/Access/token`` route, in constant time.
    public func respond(to routed: RoutedRequest, next: (RoutedRequest) -> HTTPResponse) -> HTTPResponse {
        guard let expected, routed.route?.access == .token else { return next(routed) }
        let given = Array((routed.request.headers["authorization"] ?? "").utf8)
        guard Self.constantTimeEqual(given, expected) else {
            var response = HTTPResponse.error(.unauthorized, "a bearer token is required")
            response.headers.append(("WWW-Authenticate", "Bearer"))
            return response
        }
        return next(routed)
    }

    /// Compares without an early exit, so the time does not reveal how much of a token matched.
    static func constantTimeEqual(_ x: [UInt8], _ y: [UInt8]) -> Bool {
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0
    }
}

/// Records each answer's latency, from the whole request received to the answer made, by route template and status.
public struct LatencyRecorder: HTTPMiddleware {
    /// The histograms it feeds.
    public let histograms: Histograms

    /// Creates the middleware.
    public init(histograms: Histograms) { self.histograms = histograms }

    /// Times the rest of the chain.
    public func respond(to routed: RoutedRequest, next: (RoutedRequest) -> HTTPResponse) -> HTTPResponse {
        let response = next(routed)
        let started = routed.request.receivedAt > 0 ? routed.request.receivedAt : Timestamp.monotonicSeconds()
        histograms.observe(
            Timestamp.monotonicSeconds() - started, labels: [routed.template, response.status.description])
        return response
    }
}
