/// An HTTP status code with its reason phrase (RFC 9110 15).
///
/// Written as its code where a number reads better (`response.status == 200`).
public struct HTTPStatus: Sendable, Hashable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    /// The three-digit code.
    public var code: Int

    /// Creates a status from its code.
    public init(_ code: Int) { self.code = code }

    /// Creates a status from an integer literal.
    public init(integerLiteral code: Int) { self.code = code }

    /// 100 Continue: the client may send the body it announced.
    public static let `continue` = HTTPStatus(100)
    /// 200 OK.
    public static let ok = HTTPStatus(200)
    /// 400 Bad Request.
    public static let badRequest = HTTPStatus(400)
    /// 401 Unauthorized.
    public static let unauthorized = HTTPStatus(401)
    /// 404 Not Found.
    public static let notFound = HTTPStatus(404)
    /// 405 Method Not Allowed.
    public static let methodNotAllowed = HTTPStatus(405)
    /// 408 Request Timeout.
    public static let requestTimeout = HTTPStatus(408)
    /// 413 Content Too Large.
    public static let contentTooLarge = HTTPStatus(413)
    /// 414 URI Too Long.
    public static let uriTooLong = HTTPStatus(414)
    /// 415 Unsupported Media Type.
    public static let unsupportedMediaType = HTTPStatus(415)
    /// 422 Unprocessable Content.
    public static let unprocessableContent = HTTPStatus(422)
    /// 429 Too Many Requests.
    public static let tooManyRequests = HTTPStatus(429)
    /// 431 Request Header Fields Too Large.
    public static let headerFieldsTooLarge = HTTPStatus(431)
    /// 500 Internal Server Error.
    public static let internalServerError = HTTPStatus(500)
    /// 501 Not Implemented.
    public static let notImplemented = HTTPStatus(501)
    /// 503 Service Unavailable.
    public static let serviceUnavailable = HTTPStatus(503)
    /// 505 HTTP Version Not Supported.
    public static let versionNotSupported = HTTPStatus(505)

    /// The reason phrase.
    public var reason: String {
        switch code {
        case 100: "Continue"
        case 200: "OK"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 415: "Unsupported Media Type"
        case 422: "Unprocessable Content"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Status"
        }
    }

    /// The code, as a metrics label reads it.
    public var description: String { String(code) }

    /// Compares a status with a code.
    public static func == (status: HTTPStatus, code: Int) -> Bool { status.code == code }
}
