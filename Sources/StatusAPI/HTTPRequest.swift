/// A parsed HTTP/1.1 request: its head and, when it announced one, its body.
public struct HTTPRequest: Sendable {
    /// The method (`GET`, ...).
    public var method: HTTPMethod
    /// The path, without the query.
    public var path: String
    /// Query parameters (last value wins).
    public var query: [String: String]
    /// Header fields, names lowercased.
    public var headers: HTTPHeaders
    /// `HTTP/1.1` or `HTTP/1.0`.
    public var version: String
    /// The body (`Content-Length` bytes; empty without one).
    public var body: [UInt8]
    /// When the server had the whole request (monotonic seconds, ``Timestamp/monotonicSeconds()``), for latency.
    public var receivedAt: Double

    /// Creates a request.
    public init(
        method: HTTPMethod, path: String, query: [String: String] = [:], headers: HTTPHeaders = [:],
        version: String = "HTTP/1.1", body: [UInt8] = [], receivedAt: Double = 0
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.version = version
        self.body = body
        self.receivedAt = receivedAt
    }

    /// Whether the connection stays open after the answer.
    public var keepAlive: Bool {
        let connection = headers.value(lowercased: "connection")?.lowercased() ?? ""
        return version == "HTTP/1.1" ? connection != "close" : connection == "keep-alive"
    }

    /// The announced body length (0 without `Content-Length`; the parser has checked it).
    public var contentLength: Int { headers.value(lowercased: "content-length").flatMap { Int($0) } ?? 0 }

    /// Whether the client waits for `100 Continue` before it sends the body (RFC 9110 10.1.1).
    public var expectsContinue: Bool {
        version == "HTTP/1.1" && headers.value(lowercased: "expect")?.lowercased() == "100-continue"
    }
}
