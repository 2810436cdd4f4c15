/// A job-store failure. The message names the SQL or path, never bound values.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure; callers match on it.
    public struct Code: RawRepresentable, Hashable, Sendable {
        /// The code's name.
        public let rawValue: String
        /// Creates a code.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The database stayed locked past the busy timeout.
        public static let busy = Code(rawValue: "busy")
        /// A constraint failed (for example a job id seen before).
        public static let constraint = Code(rawValue: "constraint")
        /// The file is not a database, or is damaged.
        public static let corrupt = Code(rawValue: "corrupt")
        /// The database lives on a network or FUSE filesystem, where SQLite's locking is unsafe.
        public static let networkFilesystem = Code(rawValue: "network_filesystem")
        /// Any other SQLite or I/O error.
        public static let sqlite = Code(rawValue: "sqlite")
        /// The disk holding the database is full, or an I/O error hit it: worth retrying later.
        public static let full = Code(rawValue: "full")
        /// The store's schema is newer than this binary knows.
        public static let newerSchema = Code(rawValue: "newer_schema")
        /// The database file this process opened was deleted or replaced at its path (``JobStore/checkFile(logger:)``).
        public static let fileChanged = Code(rawValue: "file_changed")
        /// A row that should exist does not.
        public static let notFound = Code(rawValue: "not_found")
        /// The database server cannot be reached (down, restarting, failing over, or the network is cut): retried
        /// with backoff, then reported.
        public static let unavailable = Code(rawValue: "unavailable")
        /// Two transactions deadlocked or could not be serialized: the transaction is retried.
        public static let conflict = Code(rawValue: "conflict")
        /// Any other error a database server reported.
        public static let server = Code(rawValue: "server")
        /// A compare-and-set found another generation (an alias changed by someone else meanwhile).
        public static let staleGeneration = Code(rawValue: "stale_generation")
        /// The row is in use (a model pinned by live jobs or pointed to by an alias) and cannot be removed.
        public static let inUse = Code(rawValue: "in_use")
        /// A paging cursor (`after`) names no job.
        public static let unknownCursor = Code(rawValue: "unknown_cursor")
    }

    /// What went wrong.
    public var code: Code
    /// A sentence, with the database's message.
    public var message: String
    /// The statement involved, if any (with placeholders, never values).
    public var sql: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// The message and the SQL.
    public var description: String {
        if let sql { return "\(message) (in: \(sql))" }
        return message
    }
}
