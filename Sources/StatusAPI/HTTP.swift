public import Core

/// A parsed HTTP/1.1 request head.
public struct HTTPRequest: Sendable {
    /// The method (`GET`, ...).
    public var method: String
    /// The path, without the query.
    public var path: String
    /// Query parameters (last value wins).
    public var query: [String: String]
    /// Header fields, names lowercased.
    public var headers: [String: String]
    /// `HTTP/1.1` or `HTTP/1.0`.
    public var version: String

    /// Creates a request.
    public init(
        method: String, path: String, query: [String: String] = [:], headers: [String: String] = [:],
        version: String = "HTTP/1.1"
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.version = version
    }

    /// Whether the connection stays open after the answer.
    public var keepAlive: Bool {
        let connection = headers["connection"]?.lowercased() ?? ""
        return version == "HTTP/1.1" ? connection != "close" : connection == "keep-alive"
    }
}

/// An answer: status, headers and a body (bytes, or a file streamed from disk).
public struct HTTPResponse: Sendable {
    /// What the body is.
    public enum Body: Sendable {
        /// Bytes in memory.
        case bytes([UInt8])
        /// A file, streamed in chunks (constant memory).
        case file(path: String, size: Int)
    }

    /// The status code.
    public var status: Int
    /// Header fields (besides Content-Length, Connection, Date).
    public var headers: [(String, String)]
    /// The body.
    public var body: Body

    /// Creates a response.
    public init(status: Int, headers: [(String, String)] = [], body: Body = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON answer.
    public static func json(_ status: Int, _ value: JSONValue) -> HTTPResponse {
        HTTPResponse(
            status: status, headers: [("Content-Type", "application/json")],
            body: .bytes(Array((value.text + "\n").utf8)))
    }

    /// A JSON error `{"error": message}`.
    public static func error(_ status: Int, _ message: String) -> HTTPResponse {
        json(status, ["error": .string(message)])
    }

    /// The reason phrase of a status code.
    public static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Status"
        }
    }
}

/// Parses request heads from bytes (RFC 9112), enforcing the limits.
public enum HTTPParser {
    /// Limits on a request head.
    public struct Limits: Sendable {
        /// The longest request line (414 beyond).
        public var requestLine = 8192
        /// The longest header field line (431 beyond).
        public var headerLine = 8192
        /// All header bytes (431 beyond).
        public var headerBytes = 32768
        /// Header fields (431 beyond).
        public var headerCount = 100

        /// Creates the default limits.
        public init() {}
    }

    /// A request that cannot be parsed: the status to answer with.
    public struct Failure: Error, Sendable {
        /// The status.
        public var status: Int
        /// Why.
        public var message: String
    }

    /// A request framed from the front of a connection's bytes.
    public struct Frame: Sendable {
        /// The request.
        public var request: HTTPRequest
        /// The bytes it took, leading empty lines and the blank line included: the next request starts there.
        public var consumed: Int
    }

    /// The most bytes a connection may hold without a complete head: the request line, the header section and
    /// their line ends. Beyond it the request is answered 414 (no line end yet) or 431.
    public static func headBytesLimit(_ limits: Limits) -> Int {
        limits.requestLine + limits.headerBytes + 4
    }

    /// Frames and parses the first request of a connection's unanswered bytes: leading empty lines are skipped and
    /// the head ends at the first blank line (CRLF CRLF or LF LF). No sockets: the server calls it after every read.
    ///
    /// - Parameters:
    ///   - bytes: What the connection has received and not yet consumed (pipelined requests follow each other).
    ///   - limits: The head's limits.
    /// - Returns: The request and the number of bytes it took (the next request starts there), or `nil` while the
    ///   head is incomplete and within ``headBytesLimit(_:)``.
    /// - Throws: ``Failure``: 414 or 431 when no head ends within the limit, else the status of a malformed head.
    public static func parse(bytes: [UInt8], limits: Limits = Limits()) throws(Failure) -> Frame? {
        guard let end = findHead(bytes) else {
            guard bytes.count > headBytesLimit(limits) else { return nil }
            // No line end yet: the request line itself is too long (414); else the header section (431).
            if !bytes.contains(10) { throw Failure(status: 414, message: "request line too long") }
            throw Failure(status: 431, message: "header section too large")
        }
        let request = try parse(head: Array(bytes[end.start..<end.head]), limits: limits)
        return Frame(request: request, consumed: end.next)
    }

    /// Where the head starts (after empty lines), where it ends (the blank line), and where the next request starts.
    static func findHead(_ bytes: [UInt8]) -> (start: Int, head: Int, next: Int)? {
        guard bytes.count >= 2 else { return nil }
        var i = 0
        // Leading empty lines before a request line are ignored (RFC 9112 2.2).
        while i + 1 < bytes.count && bytes[i] == 13 && bytes[i + 1] == 10 { i += 2 }
        var j = i
        while j + 1 < bytes.count {
            if bytes[j] == 10 && bytes[j + 1] == 10 { return (i, j, j + 2) }
            if j + 3 < bytes.count && bytes[j] == 13 && bytes[j + 1] == 10 && bytes[j + 2] == 13 && bytes[j + 3] == 10 {
                return (i, j, j + 4)
            }
            j += 1
        }
        return nil
    }

    /// Parses one request head (the bytes before the blank line, without it).
    ///
    /// - Throws: ``Failure`` with the RFC's status for a malformed request.
    public static func parse(head: [UInt8], limits: Limits = Limits()) throws(Failure) -> HTTPRequest {
        var lines = head.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
            line.last == UInt8(ascii: "\r") ? Array(line.dropLast()) : Array(line)
        }
        guard !lines.isEmpty else { throw Failure(status: 400, message: "empty request") }
        let requestLine = lines.removeFirst()
        let parts = requestLine.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        // The method first: an over-long or unknown method is 501 whatever the line's length.
        let method = String(decoding: parts[0], as: UTF8.self)
        guard !method.isEmpty, method.utf8.allSatisfy({ isToken($0) }) else {
            throw Failure(status: 400, message: "bad method")
        }
        guard knownMethods.contains(method) else { throw Failure(status: 501, message: "method not implemented") }
        guard requestLine.count <= limits.requestLine else {
            throw Failure(status: 414, message: "request line too long")
        }
        guard parts.count == 3, !parts[1].isEmpty else { throw Failure(status: 400, message: "malformed request line") }
        var target = String(decoding: parts[1], as: UTF8.self)
        let version = String(decoding: parts[2], as: UTF8.self)
        guard version.hasPrefix("HTTP/"), version.count == 8 else { throw Failure(status: 400, message: "bad version") }
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            throw Failure(status: 505, message: "only HTTP/1.1 and HTTP/1.0 are served")
        }
        // Absolute form (RFC 9112 3.2.2): keep the path.
        for scheme in ["http://", "https://"] where target.lowercased().hasPrefix(scheme) {
            let rest = target.dropFirst(scheme.count)
            target = rest.firstIndex(of: "/").map { String(rest[$0...]) } ?? "/"
        }
        guard target.hasPrefix("/"), target.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw Failure(status: 400, message: "bad request target")
        }
        guard lines.count <= limits.headerCount else { throw Failure(status: 431, message: "too many header fields") }
        guard head.count - requestLine.count <= limits.headerBytes else {
            throw Failure(status: 431, message: "header fields too large")
        }
        var headers: [String: String] = [:]
        for line in lines where !line.isEmpty {
            guard line.count <= limits.headerLine else { throw Failure(status: 431, message: "header field too large") }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else {
                throw Failure(status: 400, message: "malformed header field")
            }
            let name = line[..<colon]
            guard name.allSatisfy({ isToken($0) }) else {
                throw Failure(status: 400, message: "bad header field name (no space before the colon)")
            }
            let value = line[(colon + 1)...]
            guard value.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
                throw Failure(status: 400, message: "bad character in a header field")
            }
            let key = String(decoding: name, as: UTF8.self).lowercased()
            let text = String(decoding: value, as: UTF8.self).trimmingSpaces
            if key == "host" && headers["host"] != nil { throw Failure(status: 400, message: "duplicate Host") }
            headers[key] = headers[key].map { $0 + ", " + text } ?? text
        }
        if version == "HTTP/1.1" && headers["host"] == nil { throw Failure(status: 400, message: "missing Host") }
        if let coding = headers["transfer-encoding"] {
            guard headers["content-length"] == nil else {
                throw Failure(status: 400, message: "both Content-Length and Transfer-Encoding")
            }
            guard version == "HTTP/1.1" else { throw Failure(status: 400, message: "Transfer-Encoding in HTTP/1.0") }
            if coding.lowercased() != "chunked" { throw Failure(status: 501, message: "unknown transfer coding") }
            throw Failure(status: 400, message: "request bodies are not accepted")
        }
        if let length = headers["content-length"] {
            guard let n = Int(length), n >= 0, length.allSatisfy(\.isNumber) else {
                throw Failure(status: 400, message: "bad Content-Length")
            }
            if n > 0 { throw Failure(status: 413, message: "no request body is expected") }
        }
        var path = target
        var query: [String: String] = [:]
        if let mark = target.firstIndex(of: "?") {
            path = String(target[..<mark])
            for pair in target[target.index(after: mark)...].split(separator: "&") {
                // Empty names and values are kept empty (`?=` is the name "" with the value ""), never dropped: a
                // pair of nothing but `=` splits into two empty parts, not none.
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                query[String(kv[0])] = kv.count > 1 ? String(kv[1]) : ""
            }
        }
        return HTTPRequest(method: method, path: path, query: query, headers: headers, version: version)
    }

    /// The methods of RFC 9110; others are answered 501.
    static let knownMethods: Set<String> = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    ]

    static func isToken(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            Array("!#$%&'*+-.^_`|~".utf8).contains(b)
        }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
