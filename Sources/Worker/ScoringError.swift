/// Why a batch could not be scored. Messages name the file, party, line and column, never a key or a value.
public struct ScoringError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: RawRepresentable, Hashable, Sendable {
        /// The code's name (machine-readable, in `summary.json` and job records).
        public let rawValue: String
        /// Creates a code.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The manifest is missing or invalid, or names a party the model does not know.
        public static let manifest = Code(rawValue: "manifest")
        /// A shard is malformed CSV.
        public static let csv = Code(rawValue: "csv")
        /// A shard lacks a column the model needs, or its header is unusable.
        public static let columns = Code(rawValue: "columns")
        /// A key appears twice in one shard.
        public static let duplicateKey = Code(rawValue: "duplicate_key")
        /// More rows were rejected than the configured share allows.
        public static let tooManyRejects = Code(rawValue: "too_many_rejects")
        /// A representation shard was computed with another model.
        public static let modelMismatch = Code(rawValue: "model_mismatch")
        /// A row count or checksum in the manifest does not match.
        public static let verification = Code(rawValue: "verification")
        /// A shard changed after its batch was accepted.
        public static let changed = Code(rawValue: "changed")
        /// A shard has more rows, key bytes or line breaks than one scoring run can number.
        public static let tooLarge = Code(rawValue: "too_large")
        /// The parties' keys disagree (raw and tokenized mixed, tokens of different keys or normalizations, a
        /// shard unlike its manifest entry), or a tokenized shard holds a key that is not a token.
        public static let keys = Code(rawValue: "keys")
        /// A file could not be read or written.
        public static let io = Code(rawValue: "io")
        /// A model of the job (a challenger) cannot be loaded here: its registry file is missing or damaged.
        public static let modelUnavailable = Code(rawValue: "model_unavailable")
    }

    /// The kind of failure.
    public var code: Code
    /// A sentence naming what is at fault.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
