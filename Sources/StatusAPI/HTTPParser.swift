import Core

/// Frames and parses requests from a connection's bytes (RFC 9112), enforcing the limits: a pure function of bytes,
/// so pipelining, partial reads and limits are tested without sockets.
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
        /// The largest body (`Content-Length`; 413 beyond, answered before the body is read).
        public var bodyBytes = 1 << 20

        /// Creates the default limits.
        public init() {}
    }

    /// A request that cannot be parsed: the status to answer with.
    public struct Failure: Error, Sendable {
        /// The status.
        public var status: HTTPStatus
        /// Why.
        public var message: String
    }

    /// A request framed from the front of a connection's bytes.
    public struct Frame: Sendable {
        /// The request, its body included.
        public var request: HTTPRequest
        /// The bytes it took, leading empty lines, the blank line and the body included: the next request starts
        /// there.
        public var consumed: Int
    }

    /// How far the front of a connection's bytes is from a whole request.
    public enum Progress: Sendable {
        /// The head is not complete yet.
        case head
        /// The head is complete and valid; `total` bytes from the front make the whole request.
        case body(head: HTTPRequest, total: Int)
        /// A whole request.
        case complete(Frame)
    }

    /// The most bytes a connection may hold without a complete head: the request line, the header section and
    /// their line ends. Beyond it the request is answered 414 (no line end yet) or 431.
    public static func headBytesLimit(_ limits: Limits) -> Int {
        limits.requestLine + limits.headerBytes + 4
    }

    /// Frames the first request of a connection's unanswered bytes: leading empty lines are skipped, the head ends at
    /// the first blank line (CRLF CRLF or LF LF), and a `Content-Length` body follows it. The server calls it after
    /// every read.
    ///
    /// - Parameters:
    ///   - bytes: What the connection has received and not yet consumed (pipelined requests follow each other).
    ///   - limits: The limits.
    /// - Returns: How far the bytes are from a whole request, or the request and the bytes it took.
    /// - Throws: ``Failure``: 414 or 431 when no head ends within ``headBytesLimit(_:)``, 413 for a body over the
    ///   limit (before it is read), else the status of a malformed head.
    public static func frame(_ bytes: [UInt8], limits: Limits = Limits()) throws(Failure) -> Progress {
        guard let end = findHead(bytes) else {
            guard bytes.count > headBytesLimit(limits) else { return .head }
            // No line end yet: the request line itself is too long (414); else the header section (431).
            if !bytes.contains(10) { throw Failure(status: .uriTooLong, message: "request line too long") }
            throw Failure(status: .headerFieldsTooLarge, message: "header section too large")
        }
        var request = try parse(head: Array(bytes[end.start..<end.head]), limits: limits)
        let length = request.contentLength
        guard length <= limits.bodyBytes else {
            throw Failure(status: .contentTooLarge, message: "the body is larger than \(limits.bodyBytes) bytes")
        }
        let total = end.next + length
        guard bytes.count >= total else { return .body(head: request, total: total) }
        request.body = Array(bytes[end.next..<total])
        return .complete(Frame(request: request, consumed: total))
    }

    /// The first whole request of the bytes, or `nil` while it is incomplete (``frame(_:limits:)`` says how far).
    ///
    /// - Throws: ``Failure`` as ``frame(_:limits:)`` does.
    public static func parse(bytes: [UInt8], limits: Limits = Limits()) throws(Failure) -> Frame? {
        if case .complete(let frame) = try frame(bytes, limits: limits) { return frame }
        return nil
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
        try head.withUnsafeBufferPointer { bytes throws(Failure) in try parse(head: bytes, limits: limits) }
    }

    /// The lines of a head, as index ranges without their CR LF or LF (a line may end in a bare CR's absence).
    private static func lines(_ head: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var lines: [Range<Int>] = []
        var start = 0
        for i in 0..<head.count where head[i] == 10 {
            lines.append(start..<(i > start && head[i - 1] == 13 ? i - 1 : i))
            start = i + 1
        }
        let end = head.count > start && head[head.count - 1] == 13 ? head.count - 1 : head.count
        lines.append(start..<max(start, end))
        return lines
    }

    private static func string(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// Parses one head from its bytes (no copies of its lines: index ranges over the buffer).
    private static func parse(head: UnsafeBufferPointer<UInt8>, limits: Limits) throws(Failure) -> HTTPRequest {
        let lines = lines(head)
        let requestLine = lines[0]
        // The request line's three parts, split at single spaces (two spaces make an empty part: 400).
        var parts: [Range<Int>] = []
        var partStart = requestLine.lowerBound
        for i in requestLine where head[i] == 0x20 {
            parts.append(partStart..<i)
            partStart = i + 1
            if parts.count > 3 { break }
        }
        parts.append(partStart..<requestLine.upperBound)
        // The method first: an over-long or unknown method is 501 whatever the line's length.
        let methodRange = parts[0]
        guard !methodRange.isEmpty, methodRange.allSatisfy({ isToken(head[$0]) }) else {
            throw Failure(status: 400, message: "bad method")
        }
        let method = string(head, methodRange)
        guard HTTPMethod.known.contains(method) else {
            throw Failure(status: 501, message: "method not implemented")
        }
        guard requestLine.count <= limits.requestLine else {
            throw Failure(status: 414, message: "request line too long")
        }
        guard parts.count == 3, !parts[1].isEmpty else { throw Failure(status: 400, message: "malformed request line") }
        let version = string(head, parts[2])
        guard version.hasPrefix("HTTP/"), version.utf8.count == 8 else {
            throw Failure(status: 400, message: "bad version")
        }
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            throw Failure(status: 505, message: "only HTTP/1.1 and HTTP/1.0 are served")
        }
        guard parts[1].allSatisfy({ head[$0] > 0x20 && head[$0] < 0x7F }) else {
            throw Failure(status: 400, message: "bad request target")
        }
        var target = string(head, parts[1])
        // Absolute form (RFC 9112 3.2.2): keep the path.
        for scheme in ["http://", "https://"] where target.lowercased().hasPrefix(scheme) {
            let rest = target.dropFirst(scheme.count)
            target = rest.firstIndex(of: "/").map { String(rest[$0...]) } ?? "/"
        }
        guard target.hasPrefix("/") else { throw Failure(status: 400, message: "bad request target") }
        guard lines.count - 1 <= limits.headerCount else {
            throw Failure(status: 431, message: "too many header fields")
        }
        guard head.count - requestLine.count <= limits.headerBytes else {
            throw Failure(status: 431, message: "header fields too large")
        }
        var headers = HTTPHeaders()
        for line in lines.dropFirst() where !line.isEmpty {
            guard line.count <= limits.headerLine else { throw Failure(status: 431, message: "header field too large") }
            guard let colon = line.first(where: { head[$0] == UInt8(ascii: ":") }), colon > line.lowerBound else {
                throw Failure(status: 400, message: "malformed header field")
            }
            guard (line.lowerBound..<colon).allSatisfy({ isToken(head[$0]) }) else {
                throw Failure(status: 400, message: "bad header field name (no space before the colon)")
            }
            var valueStart = colon + 1
            var valueEnd = line.upperBound
            guard (valueStart..<valueEnd).allSatisfy({ head[$0] == 0x09 || (head[$0] >= 0x20 && head[$0] != 0x7F) })
            else {
                throw Failure(status: 400, message: "bad character in a header field")
            }
            while valueStart < valueEnd && (head[valueStart] == 0x20 || head[valueStart] == 0x09) { valueStart += 1 }
            while valueEnd > valueStart && (head[valueEnd - 1] == 0x20 || head[valueEnd - 1] == 0x09) { valueEnd -= 1 }
            var name = [UInt8](repeating: 0, count: colon - line.lowerBound)
            for i in line.lowerBound..<colon {
                let b = head[i]
                name[i - line.lowerBound] = b >= 0x41 && b <= 0x5A ? b | 0x20 : b
            }
            let key = String(decoding: name, as: UTF8.self)
            if key == "host" && headers.value(lowercased: "host") != nil {
                throw Failure(status: 400, message: "duplicate Host")
            }
            headers.add(lowercased: key, string(head, valueStart..<valueEnd))
        }
        if version == "HTTP/1.1" && headers.value(lowercased: "host") == nil {
            throw Failure(status: 400, message: "missing Host")
        }
        if let coding = headers.value(lowercased: "transfer-encoding") {
            guard headers.value(lowercased: "content-length") == nil else {
                throw Failure(status: 400, message: "both Content-Length and Transfer-Encoding")
            }
            guard version == "HTTP/1.1" else { throw Failure(status: 400, message: "Transfer-Encoding in HTTP/1.0") }
            if coding.lowercased() != "chunked" { throw Failure(status: 501, message: "unknown transfer coding") }
            throw Failure(status: 400, message: "chunked bodies are not accepted: send Content-Length")
        }
        if let length = headers.value(lowercased: "content-length") {
            // Digits only (no sign, no list of values: duplicates were joined with ", " above and fail here).
            guard !length.isEmpty, length.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), Int(length) != nil else {
                throw Failure(status: 400, message: "bad Content-Length")
            }
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
        return HTTPRequest(
            method: HTTPMethod(method), path: path, query: query, headers: headers, version: version)
    }

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
