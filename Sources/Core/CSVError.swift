/// A strict RFC 4180 reading error, with the position where it was detected.
///
/// Positions are 1-based lines and columns (the column counts bytes from the start of the physical line)
/// and a 0-based byte offset into the file (a leading BOM counts). The message never contains cell data.
public struct CSVError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kind of problem: the error kinds of the conformance policy, plus I/O.
    public struct Kind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The kind's name as it appears in `vfl inspect csv` output.
        public let rawValue: String
        /// Creates a kind from its name.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// End of input inside a quoted field.
        public static let unterminatedQuote = Kind(rawValue: "unterminated_quote")
        /// A `"` inside an unquoted field.
        public static let bareQuote = Kind(rawValue: "bare_quote")
        /// Something other than a comma, a line end or the end of input after a closing quote.
        public static let quoteGarbage = Kind(rawValue: "quote_garbage")
        /// A record whose field count differs from the first record's.
        public static let fieldCount = Kind(rawValue: "field_count")
        /// An empty line in a file whose records have more than one field.
        public static let blankLine = Kind(rawValue: "blank_line")
        /// A carriage return not followed by a line feed outside quotes.
        public static let bareCR = Kind(rawValue: "bare_cr")
        /// A NUL byte anywhere.
        public static let nulByte = Kind(rawValue: "nul_byte")
        /// A byte sequence that is not UTF-8.
        public static let invalidUTF8 = Kind(rawValue: "invalid_utf8")
        /// A field longer than the configured limit.
        public static let fieldTooLong = Kind(rawValue: "field_too_long")
        /// A record longer than the configured limit.
        public static let recordTooLong = Kind(rawValue: "record_too_long")
        /// The file could not be opened or read.
        public static let io = Kind(rawValue: "io")
        /// The kind's name.
        public var description: String { rawValue }
    }

    /// What went wrong.
    public var kind: Kind
    /// A sentence describing the problem, without cell data.
    public var message: String
    /// The 1-based physical line where the problem was detected (where the quote opened, for an unterminated quote).
    public var line: Int
    /// The 1-based byte column within that line.
    public var column: Int
    /// The 0-based byte offset in the file.
    public var byteOffset: Int
    /// The 1-based record number.
    public var record: Int

    /// Creates an error.
    public init(kind: Kind, message: String, line: Int, column: Int, byteOffset: Int, record: Int) {
        self.kind = kind
        self.message = message
        self.line = line
        self.column = column
        self.byteOffset = byteOffset
        self.record = record
    }

    /// A sentence with the kind and position.
    public var description: String {
        "\(message) (\(kind), line \(line), column \(column), byte \(byteOffset))"
    }
}
