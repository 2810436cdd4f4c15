/// One route of the API: method, path template, who may call it, where it runs, and its handler.
public struct Route: Sendable {
    /// Who may call a route.
    public enum Access: Sendable {
        /// Anyone.
        case open
        /// The holder of the API token (`Authorization: Bearer <token>`), when one is configured.
        case token
    }

    /// The method (a `GET` route also answers `HEAD`).
    public var method: HTTPMethod
    /// The path template: literal segments and `{name}` parameters, e.g. `/jobs/{id}/results`. It is also the
    /// route's metrics label, so an id never becomes a label.
    public var template: String
    /// Who may call it.
    public var access: Access
    /// Whether it is answered on the event loop (constant work, no store, no file); else on the handler pool.
    public var onLoop: Bool
    /// The handler: the request and the template's parameters. Only ``HTTPError`` reaches the client as itself; any
    /// other error becomes a bare 500.
    public var handler: @Sendable (HTTPRequest, [String: String]) throws -> HTTPResponse
    /// An answer from memory on the event loop (a cached one), or `nil` to run ``handler`` on the pool.
    public var fromMemory: (@Sendable (HTTPRequest, [String: String]) -> HTTPResponse?)?
    /// The template's segments.
    let segments: [Substring]

    /// Creates a route.
    public init(
        _ method: HTTPMethod, _ template: String, access: Access = .open, onLoop: Bool = false,
        fromMemory: (@Sendable (HTTPRequest, [String: String]) -> HTTPResponse?)? = nil,
        handler: @escaping @Sendable (HTTPRequest, [String: String]) throws -> HTTPResponse
    ) {
        self.method = method
        self.template = template
        self.access = access
        self.onLoop = onLoop
        self.fromMemory = fromMemory
        self.handler = handler
        segments = template.split(separator: "/")
    }
}

/// An error a handler throws to answer with a status and message of its own.
public struct HTTPError: Error, Sendable {
    /// The status.
    public var status: HTTPStatus
    /// The message, `{"error": message}`: never a customer key or value.
    public var message: String

    /// Creates an error.
    public init(_ status: HTTPStatus, _ message: String) {
        self.status = status
        self.message = message
    }
}

/// The routes of an API, and the one place that maps a method and path to a route: it drives dispatch, the 404s
/// and 405s (with `Allow`), and the metrics labels.
public struct RouteTable: Sendable {
    /// What a request matched.
    public enum Match: Sendable {
        /// A route and the values of its template's parameters.
        case found(Route, parameters: [String: String])
        /// A path a route has, with a method none of them takes: the template and the methods allowed.
        case methodNotAllowed(template: String, allowed: [HTTPMethod])
        /// No route has this path.
        case notFound
    }

    /// The routes, in the order they are tried.
    public let routes: [Route]
    /// Each route's segments and method, apart: matching reads them without copying a route.
    private let patterns: [[Substring]]
    private let methods: [HTTPMethod]

    /// Creates a table.
    public init(_ routes: [Route]) {
        self.routes = routes
        patterns = routes.map(\.segments)
        methods = routes.map(\.method)
    }

    /// The route of `method` and `path`.
    public func match(_ method: HTTPMethod, _ path: String) -> Match {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        var allowed: [HTTPMethod] = []
        var template: String?
        for index in patterns.indices {
            guard let parameters = Self.bind(patterns[index], parts) else { continue }
            let routeMethod = methods[index]
            if routeMethod == method || (method == .head && routeMethod == .get) {
                return .found(routes[index], parameters: parameters)
            }
            template = template ?? routes[index].template
            allowed.append(routeMethod)
            if routeMethod == .get { allowed.append(.head) }
        }
        guard let template else { return .notFound }
        return .methodNotAllowed(template: template, allowed: allowed)
    }

    /// The parameters of `template` bound to the path's segments, or `nil` when they do not match.
    private static func bind(_ template: [Substring], _ parts: [Substring]) -> [String: String]? {
        guard template.count == parts.count else { return nil }
        var parameters: [String: String] = [:]
        for (pattern, part) in zip(template, parts) {
            if pattern.first == "{" && pattern.last == "}" {
                parameters[String(pattern.dropFirst().dropLast())] = String(part)
            } else if pattern != part {
                return nil
            }
        }
        return parameters
    }
}
