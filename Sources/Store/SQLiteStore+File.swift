public import Core

extension SQLiteStore {
    /// Whether the database file opened is still the file at its path: (st_dev, st_ino) of the path now, by stat(2),
    /// against those recorded when the store was opened. Cheap (no SQL, no lock), from any thread.
    public var fileState: DatabaseFileState { connection.fileState }

    /// Throws when the database file was deleted or replaced since the store opened it, after logging an error to
    /// `logger`. A long-running process calls it every iteration and exits when it throws: its supervisor (`vfl run`,
    /// Kubernetes, docker compose) starts it again on the file at the path, where every other process is.
    ///
    /// - Throws: ``StoreError`` of code `fileChanged`.
    public func checkFile(logger: Logger?) throws {
        let state = fileState
        guard state != .current else { return }
        let error = StoreError(
            .fileChanged,
            "the database file \(connection.path) was \(state.rawValue) since this process opened it; "
                + "exiting so that a restart opens the file at the path")
        logger?.error(
            "database file \(state.rawValue); exiting", metadata: [("db", connection.path), ("file", state.rawValue)])
        throw error
    }
}
