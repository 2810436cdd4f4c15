/// A model file that cannot be loaded, or a shape that does not fit it.
public struct ModelError: Error, Sendable, CustomStringConvertible {
    /// The kind of problem.
    public struct Code: RawRepresentable, Hashable, Sendable {
        /// The code's name.
        public let rawValue: String
        /// Creates a code.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The file is not a vfl-model JSON document.
        public static let format = Code(rawValue: "format")
        /// A field is missing or has the wrong type or value.
        public static let field = Code(rawValue: "field")
        /// Layer sizes do not chain, or arrays have the wrong length.
        public static let shape = Code(rawValue: "shape")
        /// A weight, bias or statistic is NaN or infinite.
        public static let nonFinite = Code(rawValue: "non_finite")
        /// An unknown layer kind, activation or output kind.
        public static let unsupported = Code(rawValue: "unsupported")
        /// The file could not be read.
        public static let io = Code(rawValue: "io")
    }

    /// What went wrong.
    public var code: Code
    /// A sentence naming the party and layer (or field) at fault.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
