/// A request method (RFC 9110 9): case-sensitive tokens.
///
/// Written as a string literal where that reads better (`HTTPRequest(method: "GET", ...)`).
public struct HTTPMethod: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The method's token, as sent.
    public var rawValue: String

    /// Creates a method from its token.
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// Creates a method from a string literal.
    public init(stringLiteral rawValue: String) { self.rawValue = rawValue }

    /// GET.
    public static let get = HTTPMethod("GET")
    /// HEAD: GET without the body.
    public static let head = HTTPMethod("HEAD")
    /// POST.
    public static let post = HTTPMethod("POST")

    /// The methods of RFC 9110 and PATCH; others are answered 501.
    public static let known: Set<String> = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    ]

    /// The token.
    public var description: String { rawValue }

    /// Compares a method with a token.
    public static func == (method: HTTPMethod, token: String) -> Bool { method.rawValue == token }
}
