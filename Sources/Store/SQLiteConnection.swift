internal import CSQLite
import Core

#if canImport(Glibc)
import Glibc
#endif

/// A value bound to a statement parameter or read from a column.
public enum SQLValue: Sendable, Equatable {
    /// NULL.
    case null
    /// An integer.
    case integer(Int64)
    /// A float.
    case real(Double)
    /// Text.
    case text(String)

    /// The integer, or `nil`.
    public var int: Int? { if case .integer(let v) = self { return Int(v) } else { return nil } }
    /// The text, or `nil`.
    public var string: String? { if case .text(let v) = self { return v } else { return nil } }
    /// The number, or `nil`.
    public var double: Double? {
        switch self {
        case .real(let v): return v
        case .integer(let v): return Double(v)
        default: return nil
        }
    }
}

/// One row of a query: values by column name.
public struct Row: Sendable {
    /// Column names, in select order.
    public var columns: [String]
    /// Values, in select order.
    public var values: [SQLValue]

    /// Creates a row.
    public init(columns: [String], values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    /// The value of column `name` (`.null` when absent).
    public subscript(name: String) -> SQLValue {
        guard let i = columns.firstIndex(of: name) else { return .null }
        return values[i]
    }
}

/// One SQLite connection (`sqlite3*`), opened with WAL and a busy timeout.
///
/// Not `Sendable`: it is used only on its ``JobStore``'s queue and never leaves it.
final class Connection {
    private var db: OpaquePointer?
    let path: String
    /// The database file opened, as (st_dev, st_ino); `nil` for `:memory:` and temporary databases. Set once in
    /// `init`, read from any thread (``fileState``).
    private(set) var identity: FileIdentity?

    /// Opens (creating) the database.
    ///
    /// - Throws: ``StoreError`` when it cannot be opened, or lives on a network filesystem.
    init(path: String, busyTimeoutMilliseconds: Int32 = 5_000) throws {
        self.path = path
        if path != ":memory:" { try Connection.refuseNetworkFilesystem(path) }
        // > https://www.sqlite.org/c3ref/open.html: the handle must be closed even when open fails.
        let code = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        guard code == SQLITE_OK else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            db = nil
            throw StoreError(.sqlite, "cannot open database \(path): \(message)")
        }
        if path != ":memory:" && !path.isEmpty {
            if case .found(let file) = FileIdentity.lookup(path) { identity = file }
            // The file sqlite opened is the one just looked up unless the path changed in between
            // (SQLITE_FCNTL_HAS_MOVED: sqlite's own descriptor against the path).
            var moved: Int32 = 0
            sqlite3_file_control(db, "main", SQLITE_FCNTL_HAS_MOVED, &moved)
            if moved != 0 {
                throw StoreError(.fileChanged, "database \(path) was deleted or replaced while it was being opened")
            }
        }
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
        sqlite3_extended_result_codes(db, 1)
        try enterWAL(withinMilliseconds: busyTimeoutMilliseconds)
        try execute("PRAGMA synchronous=NORMAL")
        try execute("PRAGMA foreign_keys=ON")
    }

    /// Puts the database in WAL mode, tried again while another process opening it at the same moment holds the
    /// lock (SQLite answers busy there without calling the busy handler): processes started together, such as
    /// `vfl run`'s children or a test beside its ingest, each open a database that may be brand new.
    private func enterWAL(withinMilliseconds limit: Int32) throws {
        let deadline = Timestamp.monotonicSeconds() + Double(limit) / 1000
        while true {
            do { return try execute("PRAGMA journal_mode=WAL") } catch let error as StoreError
                where error.code == .busy && Timestamp.monotonicSeconds() < deadline
            {
                sqlite3_sleep(20)
            }
        }
    }

    deinit {
        // A connection whose file was deleted or replaced is left open (the process is about to exit): closing the
        // last connection to a WAL database checkpoints it and then unlinks `<path>-wal` and `<path>-shm` by name,
        // which by now may be the files of the new database at the path.
        guard fileState == .current else { return }
        sqlite3_close_v2(db)
    }

    /// Copies the whole database into a new file at `path` with SQLite's online backup API
    /// (sqlite3_backup_init(3)): a consistent snapshot taken under a read transaction, while other processes go on
    /// writing (WAL). Never copy the database file itself: a copy taken during a write is torn.
    ///
    /// - Throws: ``StoreError`` when the target cannot be written.
    func backup(to path: String) throws {
        var target: OpaquePointer?
        let opened = sqlite3_open_v2(path, &target, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil)
        defer { sqlite3_close_v2(target) }
        guard opened == SQLITE_OK else {
            throw StoreError(.sqlite, "cannot create the backup \(path): \(String(cString: sqlite3_errmsg(target)))")
        }
        guard let backup = sqlite3_backup_init(target, "main", db, "main") else {
            throw StoreError(.sqlite, "cannot start the backup: \(String(cString: sqlite3_errmsg(target)))")
        }
        var code: Int32
        repeat {
            // All pages in one step: one read transaction, so the copy is one consistent snapshot.
            code = sqlite3_backup_step(backup, -1)
            if code == SQLITE_BUSY || code == SQLITE_LOCKED { sqlite3_sleep(50) }
        } while code == SQLITE_OK || code == SQLITE_BUSY || code == SQLITE_LOCKED
        let finished = sqlite3_backup_finish(backup)
        guard code == SQLITE_DONE, finished == SQLITE_OK else {
            throw StoreError(.sqlite, "backup failed: \(String(cString: sqlite3_errmsg(target)))")
        }
    }

    /// Filesystem magic numbers (statfs(2)) where SQLite's file locking cannot be trusted.
    static let networkFilesystems: [Int: String] = [
        0x6969: "NFS", 0x517B: "SMB", 0xFF53_4D42: "CIFS", 0xFE53_4D42: "SMB2", 0x6573_5546: "FUSE",
        0x0102_1997: "9P", 0x5346_414F: "AFS", 0x0000_564C: "NCP",
    ]

    /// Throws when `path`'s folder is on a network or FUSE filesystem.
    static func refuseNetworkFilesystem(_ path: String) throws {
        let type = vfl_filesystem_type(FileIO.directory(of: path))
        guard type >= 0 else { return }
        if let name = networkFilesystems[Int(type) & 0xFFFF_FFFF] {
            throw StoreError(
                .networkFilesystem,
                "database \(path) is on a \(name) filesystem, where SQLite's locking is not safe; "
                    + "put it on a local disk (one node; see docs/operations.md)")
        }
    }

    private func error(_ code: Int32, sql: String?) -> StoreError {
        let message = String(cString: sqlite3_errmsg(db))
        let primary = code & 0xFF
        let kind: StoreError.Code =
            primary == SQLITE_BUSY || primary == SQLITE_LOCKED
            ? .busy
            : primary == SQLITE_CONSTRAINT
                ? .constraint
                : primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB
                    ? .corrupt : primary == SQLITE_FULL || primary == SQLITE_IOERR ? .full : .sqlite
        return StoreError(kind, "sqlite error \(code): \(message)", sql: sql)
    }

    /// Runs one statement with bound arguments and returns its rows. Wraps sqlite3_prepare_v2(3), sqlite3_step(3).
    ///
    /// - Throws: ``StoreError``; the SQL is named, the arguments never are.
    @discardableResult
    func query(_ sql: String, _ arguments: [SQLValue] = []) throws -> [Row] {
        var statement: OpaquePointer?
        let prepared = sqlite3_prepare_v2(db, sql, -1, &statement, nil)
        defer { sqlite3_finalize(statement) }
        guard prepared == SQLITE_OK else { throw error(prepared, sql: sql) }
        for (i, argument) in arguments.enumerated() {
            let index = Int32(i + 1)
            let code: Int32
            switch argument {
            case .null: code = sqlite3_bind_null(statement, index)
            case .integer(let v): code = sqlite3_bind_int64(statement, index, v)
            case .real(let v): code = sqlite3_bind_double(statement, index, v)
            case .text(let v): code = sqlite3_bind_text(statement, index, v, -1, vfl_sqlite_transient())
            }
            guard code == SQLITE_OK else { throw error(code, sql: sql) }
        }
        var rows: [Row] = []
        let count = sqlite3_column_count(statement)
        let names = (0..<count).map { String(cString: sqlite3_column_name(statement, $0)) }
        while true {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE { break }
            guard step == SQLITE_ROW else { throw error(step, sql: sql) }
            var values: [SQLValue] = []
            for c in 0..<count {
                switch sqlite3_column_type(statement, c) {
                case SQLITE_INTEGER: values.append(.integer(sqlite3_column_int64(statement, c)))
                case SQLITE_FLOAT: values.append(.real(sqlite3_column_double(statement, c)))
                case SQLITE_TEXT: values.append(.text(String(cString: sqlite3_column_text(statement, c))))
                default: values.append(.null)
                }
            }
            rows.append(Row(columns: names, values: values))
        }
        return rows
    }

    /// Runs one statement, ignoring rows.
    ///
    /// - Throws: ``StoreError``.
    func execute(_ sql: String, _ arguments: [SQLValue] = []) throws {
        try query(sql, arguments)
    }

    /// Rows changed by the last statement. Wraps sqlite3_changes(3).
    var changes: Int { Int(sqlite3_changes(db)) }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction: committed when it returns, rolled back when it throws.
    ///
    /// - Throws: ``StoreError`` (`.busy` past the timeout), or what `body` throws.
    func withImmediateTransaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }
}
