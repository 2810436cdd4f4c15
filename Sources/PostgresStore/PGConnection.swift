internal import CPostgres
import Core
import Store

#if canImport(Glibc)
import Glibc
#endif

/// One libpq connection (`PGconn*`). Statements go through `PQexecParams` with text parameters, so values are never
/// spliced into SQL.
///
/// Not `Sendable`: it is used only on its ``PostgresStore``'s queue (or its listener's) and never leaves it.
final class PGConnection {
    private var conn: OpaquePointer?
    private let keywords: [String]
    private let values: [String]
    private let synchronousCommit: Bool
    /// Statements with parameters are prepared once per connection (off behind a transaction pooler such as
    /// PgBouncer, where the next transaction may run on another server connection).
    private let prepares: Bool
    /// The statements prepared on the current connection, by their SQL.
    private var prepared: [String: String] = [:]
    /// The running transaction commits durably.
    private var durableCommit = false

    /// Connects: `url` is a libpq URI (`postgres://user@host:port/db?sslmode=...`), `password` the one read from
    /// `VFL_DB_PASSWORD_FILE` (otherwise libpq reads `PGPASSWORD` or `~/.pgpass` itself).
    ///
    /// - Throws: ``StoreError`` of code `unavailable` when the server cannot be reached.
    init(url: String, password: String?, application: String, synchronousCommit: Bool, prepares: Bool) throws {
        // Over TCP, a cut network is noticed within about 30 s (keepalives, and unacknowledged data), instead of the
        // kernel's retransmissions for many minutes; the URL may override each.
        var keywords = [
            "connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
            "tcp_user_timeout", "application_name", "dbname",
        ]
        var values = ["10", "1", "10", "5", "3", "30000", application, url]
        if let password {
            keywords.append("password")
            values.append(password)
        }
        self.keywords = keywords
        self.values = values
        self.synchronousCommit = synchronousCommit
        self.prepares = prepares
        try connect()
    }

    deinit { PQfinish(conn) }

    /// Whether the connection is usable (not broken by a server restart or a cut network).
    var isOK: Bool { conn != nil && PQstatus(conn) == CONNECTION_OK }

    /// Whether a transaction block is open on the connection (running, or aborted by a failed statement): what a
    /// `ROLLBACK` after a failure has to end.
    private var inTransaction: Bool {
        isOK && (PQtransactionStatus(conn) == PQTRANS_INTRANS || PQtransactionStatus(conn) == PQTRANS_INERROR)
    }

    /// Opens the connection anew (after the server went away).
    ///
    /// - Throws: ``StoreError`` of code `unavailable`.
    func connect() throws {
        if conn != nil { PQfinish(conn) }
        prepared = [:]
        conn = withCStrings(keywords) { k in
            withCStrings(values) { v in PQconnectdbParams(k, v, 1) }
        }
        guard isOK else {
            let message = conn.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
            throw StoreError(.unavailable, "cannot connect to the database: \(Self.firstLine(message))")
        }
        // Notices (such as "already exists, skipping") are not errors: keep them off stderr. Commits wait for the
        // disk only where the store asks (PostgresStore's `perform`).
        //
        // No bitmap scans, and sequential scans only where no index serves: the store's statements are point lookups,
        // ordered walks of an index and counts, and with a queue's statistics missing or behind (a fresh or
        // fast-growing queue) the planner took a scan of the whole table for the claim, sorting every task at each
        // claim instead of stopping at the first claimable one; a plan prepared then kept doing so. No JIT: a
        // statement of the store runs in a fraction of a millisecond, and a sequential scan left (of a table without
        // an index for it, such as `workers`) is costed high enough to be compiled, for 100 ms.
        try execute(
            "SET client_min_messages = warning; SET enable_bitmapscan = off; SET enable_seqscan = off; SET jit = off")
        if !synchronousCommit { try execute("SET synchronous_commit = off") }
    }

    /// Runs one statement (`$1`, `$2`... placeholders) and returns its rows.
    ///
    /// - Throws: ``StoreError``; the SQL is named, the arguments never are.
    @discardableResult
    func query(_ sql: String, _ arguments: [SQLValue] = []) throws -> [Row] {
        let result = try run(sql, arguments)
        defer { PQclear(result) }
        return Self.rows(of: result)
    }

    /// The rows of a result.
    private static func rows(of result: OpaquePointer) -> [Row] {
        let count = Int(PQntuples(result))
        let fields = Int(PQnfields(result))
        let columns = (0..<fields).map { String(cString: PQfname(result, Int32($0))) }
        let types = (0..<fields).map { PQftype(result, Int32($0)) }
        var rows: [Row] = []
        rows.reserveCapacity(count)
        for r in 0..<count {
            var values: [SQLValue] = []
            values.reserveCapacity(fields)
            for c in 0..<fields {
                if PQgetisnull(result, Int32(r), Int32(c)) == 1 {
                    values.append(.null)
                    continue
                }
                values.append(Self.value(String(cString: PQgetvalue(result, Int32(r), Int32(c))), type: types[c]))
            }
            rows.append(Row(columns: columns, values: values))
        }
        return rows
    }

    /// Runs one statement that returns no rows and gives the number of rows it changed.
    ///
    /// - Throws: ``StoreError``.
    @discardableResult
    func execute(_ sql: String, _ arguments: [SQLValue] = []) throws -> Int {
        let result = try run(sql, arguments)
        defer { PQclear(result) }
        return Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    /// Runs `body` between `BEGIN` and `COMMIT`; rolled back when it throws. A `durable` transaction, or one whose
    /// body called ``commitDurably()``, waits for its commit to reach the disk (`SET LOCAL synchronous_commit = on`
    /// sent with the `COMMIT`, no round trip of its own) when the session does not already.
    ///
    /// - Throws: what `body` or the database throws.
    func transaction<T>(durable: Bool = false, _ body: () throws -> T) throws -> T {
        durableCommit = durable
        try execute("BEGIN")
        do {
            let value = try body()
            try execute(durableCommit && !synchronousCommit ? "SET LOCAL synchronous_commit = on; COMMIT" : "COMMIT")
            return value
        } catch {
            if inTransaction { _ = try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Makes the running transaction's commit wait for the disk (see ``transaction(durable:_:)``).
    func commitDurably() { durableCommit = true }

    // MARK: - Pipelines

    /// Runs `statements` one after the other in one round trip (libpq's pipeline mode, PQenterPipelineMode(3)): all
    /// are sent, then one sync, then every answer is read. Each statement still runs on its own (in READ COMMITTED, each
    /// with a snapshot taken when it starts, after the one before it finished), and none depends on the client seeing
    /// the previous one's answer. Queries are prepared beforehand, each once per connection, as
    /// ``query(_:_:)`` prepares those with arguments.
    ///
    /// Wrap a transaction's statements in `BEGIN` and `COMMIT` (``pipelinedTransaction(_:durable:)``): after a failed
    /// statement the server skips the rest up to the sync, so a `COMMIT` after it is never run.
    ///
    /// - Returns: Each statement's rows, in order.
    /// - Throws: ``StoreError``: the first statement's error that failed (its SQL named, never its arguments), or
    ///   `unavailable` when the connection broke.
    func pipeline(_ statements: [(sql: String, arguments: [SQLValue])]) throws -> [[Row]] {
        try pipeline(segments: [statements])[0].get()
    }

    /// Runs `segments` in one round trip, as ``pipeline(_:)`` runs its statements, with a sync after each segment: a
    /// failed statement makes the server skip the rest of its segment only (a later segment still runs, though inside
    /// a transaction block the failure aborted it fails too).
    ///
    /// - Returns: Each segment's answer: its statements' rows, or its first failed statement's error.
    /// - Throws: ``StoreError`` of code `unavailable` when the connection broke (it is dropped then).
    func pipeline(segments: [[(sql: String, arguments: [SQLValue])]]) throws -> [Result<[[Row]], StoreError>] {
        guard isOK else { throw StoreError(.unavailable, "the database connection is broken") }
        // Prepared before the pipeline: PQprepare waits for its answer, which pipeline mode does not allow.
        var names: [[String?]] = []
        for segment in segments {
            names.append(
                try segment.map { statement in
                    // Queries without arguments too (not BEGIN, COMMIT or SET): they would be parsed and planned each
                    // time.
                    let query = statement.sql.hasPrefix("SELECT") || statement.sql.hasPrefix("WITH")
                    return !prepares || (statement.arguments.isEmpty && !query)
                        ? nil : try preparedName(statement.sql, types: Self.types(statement.arguments))
                })
        }
        guard PQenterPipelineMode(conn) == 1 else {
            throw StoreError(.unavailable, "cannot enter pipeline mode: \(Self.firstLine(errorMessage))")
        }
        // > PQexitPipelineMode: "Causes a connection to exit pipeline mode if it is currently in pipeline mode with
        // > an empty queue and no pending results." (https://www.postgresql.org/docs/current/libpq-pipeline-mode.html)
        defer { PQexitPipelineMode(conn) }
        for (segment, segmentNames) in zip(segments, names) {
            try send(segment, prepared: segmentNames)
            guard PQpipelineSync(conn) == 1 else {
                abandon()
                throw StoreError(.unavailable, "cannot send the pipeline: \(Self.firstLine(errorMessage))")
            }
        }
        return try segments.map { try answers(of: $0) }
    }

    /// Sends a segment's statements (pipeline mode), each by its prepared name when it has one.
    private func send(_ statements: [(sql: String, arguments: [SQLValue])], prepared names: [String?]) throws {
        for (statement, name) in zip(statements, names) {
            let texts = Self.texts(statement.arguments)
            let sent = withOptionalCStrings(texts) { pointers in
                if let name {
                    return PQsendQueryPrepared(conn, name, Int32(texts.count), pointers, nil, nil, 0)
                }
                return PQsendQueryParams(
                    conn, statement.sql, Int32(texts.count), Self.types(statement.arguments), pointers, nil, nil, 0)
            }
            guard sent == 1 else {
                abandon()
                throw StoreError(
                    .unavailable, "cannot send a statement: \(Self.firstLine(errorMessage))", sql: statement.sql)
            }
        }
    }

    /// Reads a segment's answers (pipeline mode): one result per statement, then its sync's.
    private func answers(of statements: [(sql: String, arguments: [SQLValue])]) throws -> Result<[[Row]], StoreError> {
        var answers: [[Row]] = []
        var failure: StoreError?
        for statement in statements {
            // One result per statement, then NULL (its end).
            guard let result = PQgetResult(conn) else {
                abandon()
                throw StoreError(
                    .unavailable, "the database did not answer: \(Self.firstLine(errorMessage))", sql: statement.sql)
            }
            let status = PQresultStatus(result)
            if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK {
                answers.append(Self.rows(of: result))
            } else if failure == nil {
                // PGRES_PIPELINE_ABORTED for the statements skipped after it.
                failure = error(result, sql: statement.sql)
            }
            PQclear(result)
            while let extra = PQgetResult(conn) { PQclear(extra) }
        }
        // The sync's own result.
        guard let sync = PQgetResult(conn) else {
            abandon()
            throw StoreError(.unavailable, "the database did not answer: \(Self.firstLine(errorMessage))")
        }
        let synced = PQresultStatus(sync) == PGRES_PIPELINE_SYNC
        PQclear(sync)
        if let failure { return .failure(failure) }
        guard synced else {
            abandon()
            throw StoreError(.unavailable, "the database's pipeline ended out of step")
        }
        return .success(answers)
    }

    /// Drops a connection left in an unknown state (a pipeline cut short): the next statement reconnects.
    private func abandon() {
        PQfinish(conn)
        conn = nil
    }

    /// Runs `statements` as one transaction in one round trip: ``pipeline(_:)`` between `BEGIN` and `COMMIT`; rolled
    /// back (one more round trip) when one fails. A statement may make the commit durable itself with
    /// `set_config('synchronous_commit', 'on', true)`.
    ///
    /// - Returns: Each statement's rows, in order (`BEGIN`'s and `COMMIT`'s left out).
    /// - Throws: ``StoreError``, as ``pipeline(_:)``.
    func pipelinedTransaction(
        _ statements: [(sql: String, arguments: [SQLValue])], durable: Bool = false
    ) throws
        -> [[Row]]
    {
        try pipelinedTransaction(statements, durable: durable, then: []).rows
    }

    /// ``pipelinedTransaction(_:durable:)``, then `after` run after the `COMMIT` in the same round trip, in a segment of
    /// its own (``pipeline(segments:)``): its failure does not undo the committed transaction. A statement of the
    /// transaction that fails leaves its block aborted, so `after` fails too; but a `COMMIT` that fails itself (a
    /// deferred constraint, a full notification queue) ends the block, and `after` then runs: the caller undoes it.
    ///
    /// - Returns: The transaction's rows, and `after`'s answer.
    /// - Throws: ``StoreError``: the transaction's.
    func pipelinedTransaction(
        _ statements: [(sql: String, arguments: [SQLValue])], durable: Bool = false,
        then after: [(sql: String, arguments: [SQLValue])]
    ) throws -> (rows: [[Row]], after: Result<[[Row]], StoreError>) {
        var all: [(sql: String, arguments: [SQLValue])] = [("BEGIN", [])]
        if durable && !synchronousCommit { all.append(("SET LOCAL synchronous_commit = on", [])) }
        all += statements
        all.append(("COMMIT", []))
        do {
            let answers = try pipeline(segments: after.isEmpty ? [all] : [all, after])
            let rows = try answers[0].get()
            return (
                Array(rows.dropFirst(all.count - statements.count - 1).prefix(statements.count)),
                answers.count > 1 ? answers[1] : .success([])
            )
        } catch {
            if inTransaction { _ = try? execute("ROLLBACK") }
            throw error
        }
    }

    // MARK: - Notifications

    /// Subscribes this connection to `channel`.
    ///
    /// - Throws: ``StoreError``.
    func listen(_ channel: String) throws { try execute("LISTEN \(channel)") }

    /// Waits up to `seconds` for a notification on the channels listened to, draining every one that came.
    ///
    /// - Returns: Whether one came; `false` on timeout.
    /// - Throws: ``StoreError`` of code `unavailable` when the connection broke meanwhile.
    func awaitNotification(seconds: Double) throws -> Bool {
        if try drainNotifications() { return true }
        let ready = vfl_wait_readable(PQsocket(conn), Int32(max(0, seconds) * 1000))
        guard ready > 0 else { return false }
        return try drainNotifications()
    }

    private func drainNotifications() throws -> Bool {
        guard PQconsumeInput(conn) == 1 else {
            throw StoreError(
                .unavailable, "the database connection broke: \(Self.firstLine(String(cString: PQerrorMessage(conn))))")
        }
        var any = false
        while let notification = PQnotifies(conn) {
            any = true
            PQfreemem(notification)
        }
        return any
    }

    // MARK: - Internals

    private func run(_ sql: String, _ arguments: [SQLValue]) throws -> OpaquePointer {
        guard isOK else { throw StoreError(.unavailable, "the database connection is broken", sql: sql) }
        let texts = Self.texts(arguments)
        let types = Self.types(arguments)
        let statement = arguments.isEmpty || !prepares ? nil : try preparedName(sql, types: types)
        // Without arguments, the simple protocol: one round trip, and several statements may be sent at once.
        let result = withOptionalCStrings(texts) { pointers in
            if arguments.isEmpty { return PQexec(conn, sql) }
            if let statement {
                return PQexecPrepared(conn, statement, Int32(arguments.count), pointers, nil, nil, 0)
            }
            return PQexecParams(conn, sql, Int32(arguments.count), types, pointers, nil, nil, 0)
        }
        guard let result else {
            throw StoreError(.unavailable, "the database did not answer: \(Self.firstLine(errorMessage))", sql: sql)
        }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let error = self.error(result, sql: sql)
            PQclear(result)
            throw error
        }
        return result
    }

    /// The arguments as text, `nil` for NULL.
    private static func texts(_ arguments: [SQLValue]) -> [String?] {
        arguments.map {
            switch $0 {
            case .null: return nil
            case .integer(let v): return String(v)
            case .real(let v): return "\(v)"
            case .text(let v): return v
            }
        }
    }

    /// The arguments' types: int8, float8 and text; NULL is left to the server to type.
    private static func types(_ arguments: [SQLValue]) -> [Oid] {
        arguments.map {
            switch $0 {
            case .null: return 0
            case .integer: return 20
            case .real: return 701
            case .text: return 25
            }
        }
    }

    /// The name of `sql` prepared on this connection (parsed and planned once, not at every call), preparing it the
    /// first time. The parameter types are those of the first call; a NULL fits any.
    private func preparedName(_ sql: String, types: [Oid]) throws -> String {
        if let name = prepared[sql] { return name }
        let name = "vfl_\(prepared.count + 1)"
        guard let result = PQprepare(conn, name, sql, Int32(types.count), types) else {
            throw StoreError(.unavailable, "the database did not answer: \(Self.firstLine(errorMessage))", sql: sql)
        }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COMMAND_OK else { throw error(result, sql: sql) }
        prepared[sql] = name
        return name
    }

    private var errorMessage: String { conn.map { String(cString: PQerrorMessage($0)) } ?? "no connection" }

    /// The error of a failed result: its SQLSTATE decides the code; the message is the primary one only (a detail can
    /// quote row values).
    private func error(_ result: OpaquePointer, sql: String) -> StoreError {
        let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
        let primary =
            PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
            ?? Self.firstLine(errorMessage)
        let code: StoreError.Code
        switch state {
        case "23505": code = .constraint
        case "40001", "40P01": code = .conflict
        case "53100": code = .full
        case _ where state.hasPrefix("08") || state.hasPrefix("57P") || !isOK: code = .unavailable
        default: code = .server
        }
        return StoreError(code, "postgres error \(state.isEmpty ? "(none)" : state): \(primary)", sql: sql)
    }

    private static func value(_ text: String, type: Oid) -> SQLValue {
        switch type {
        case 20, 21, 23: return Int64(text).map { .integer($0) } ?? .text(text)
        case 16: return .integer(text == "t" ? 1 : 0)
        case 700, 701: return Double(text).map { .real($0) } ?? .text(text)
        case 1700: return Int64(text).map { .integer($0) } ?? Double(text).map { .real($0) } ?? .text(text)
        default: return .text(text)
        }
    }

    static func firstLine(_ message: String) -> String {
        message.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? message
    }
}

/// Calls `body` with a NULL-terminated array of C strings for `strings`.
private func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
    let duplicates = strings.map { strdup($0) }
    defer { duplicates.forEach { free($0) } }
    var pointers: [UnsafePointer<CChar>?] = duplicates.map { UnsafePointer($0) } + [nil]
    return pointers.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
}

/// Calls `body` with an array of C strings, `nil` where a string is `nil` (a SQL NULL).
private func withOptionalCStrings<T>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> T) -> T {
    let duplicates = strings.map { $0.map { strdup($0) } ?? nil }
    defer { duplicates.forEach { free($0) } }
    var pointers: [UnsafePointer<CChar>?] = duplicates.map { $0.map { UnsafePointer($0) } }
    if pointers.isEmpty { return body(nil) }
    return pointers.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
}

extension PGConnection: SQLSelecting {
    /// Runs `sql`, its `?` placeholders numbered `$1`, `$2`... (none may stand inside a quoted literal).
    func select(_ sql: String, _ arguments: [SQLValue]) throws -> [Row] {
        var numbered = ""
        var n = 0
        var quoted = false
        for character in sql {
            if character == "'" { quoted.toggle() }
            if character == "?" && !quoted {
                n += 1
                numbered += "$\(n)"
            } else {
                numbered.append(character)
            }
        }
        return try query(numbered, arguments)
    }

    /// The store's function of the database's clock (PostgresMigrations).
    var nowMicroseconds: String { "vfl_now_us()" }
}
