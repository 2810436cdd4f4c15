public import Core

/// An answer: status, headers and a body (bytes, or a file streamed from disk).
public struct HTTPResponse: Sendable {
    /// What the body is.
    public enum Body: Sendable {
        /// Bytes in memory.
        case bytes([UInt8])
        /// A file, sent with sendfile(2) from the event loop as the socket takes it (constant memory).
        case file(path: String, size: Int)
    }

    /// The status.
    public var status: HTTPStatus
    /// Header fields (besides Content-Length and Connection, which the server writes).
    public var headers: [(String, String)]
    /// The body.
    public var body: Body

    /// Creates a response.
    public init(status: HTTPStatus, headers: [(String, String)] = [], body: Body = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON answer.
    public static func json(_ status: HTTPStatus, _ value: JSONValue) -> HTTPResponse {
        HTTPResponse(
            status: status, headers: [("Content-Type", "application/json")],
            body: .bytes(Array((value.text + "\n").utf8)))
    }

    /// A JSON error `{"error": message}`.
    public static func error(_ status: HTTPStatus, _ message: String) -> HTTPResponse {
        json(status, ["error": .string(message)])
    }

    /// The body's bytes (empty for a file body).
    public var bodyBytes: [UInt8] {
        if case .bytes(let bytes) = body { return bytes }
        return []
    }

    /// The response head: status line, the headers, Content-Length and Connection, and the blank line.
    func head(contentLength: Int, keepAlive: Bool) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(160)
        bytes.append(contentsOf: "HTTP/1.1 ".utf8)
        bytes.append(contentsOf: String(status.code).utf8)
        bytes.append(0x20)
        bytes.append(contentsOf: status.reason.utf8)
        bytes.append(contentsOf: [13, 10])
        for (name, value) in headers {
            bytes.append(contentsOf: name.utf8)
            bytes.append(contentsOf: [0x3A, 0x20])
            bytes.append(contentsOf: value.utf8)
            bytes.append(contentsOf: [13, 10])
        }
        bytes.append(contentsOf: "Content-Length: ".utf8)
        bytes.append(contentsOf: String(contentLength).utf8)
        bytes.append(
            contentsOf: keepAlive ? "\r\nConnection: keep-alive\r\n\r\n".utf8 : "\r\nConnection: close\r\n\r\n".utf8)
        return bytes
    }
}
