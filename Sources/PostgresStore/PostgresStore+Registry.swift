public import Store

/// The model registry (``ModelRegistry``) on PostgreSQL: every write one durable transaction holding the registry's
/// advisory lock exclusively; a job's record holds it shared, so a model is never removed while a job is pinned to it.
extension PostgresStore {
    /// The advisory lock of registry writes (the migrations use 7451001).
    static let registryLock = 7_451_002

    /// Takes the registry's transaction-scoped advisory lock.
    func lockRegistry(_ db: PGConnection, exclusive: Bool) throws {
        _ = try db.execute(Self.lockRegistrySQL(exclusive: exclusive))
    }

    /// The statement that takes the registry's transaction-scoped advisory lock.
    static func lockRegistrySQL(exclusive: Bool) -> String {
        "SELECT \(exclusive ? "pg_advisory_xact_lock" : "pg_advisory_xact_lock_shared")(\(registryLock))"
    }

    /// Runs a registry write in a durable transaction under the registry's lock.
    private func write<T>(_ body: (PGConnection) throws -> T) throws -> T {
        try perform(durable: true) { db in
            try lockRegistry(db, exclusive: true)
            return try body(db)
        }
    }

    /// Records a model (see ``ModelRegistry``).
    public func registerModel(
        id: String, name: String?, fileName: String, version: Int?, owner: String?, purpose: String?, path: String,
        actor: String
    ) throws -> (model: RegisteredModel, added: Bool) {
        try write { db in
            try RegistrySQL.register(
                db, process: process, id: id, name: name, fileName: fileName, version: version, owner: owner,
                purpose: purpose, path: path, actor: actor)
        }
    }

    /// Every registered model, by name then version.
    public func registeredModels() throws -> [RegisteredModel] { try read { db in try RegistrySQL.models(db) } }

    /// Every alias, by name.
    public func aliases() throws -> [ModelAlias] { try read { db in try RegistrySQL.aliases(db) } }

    /// The models and the aliases in one round trip (a pipeline of the two reads, in one transaction: one snapshot).
    public func registrySnapshot() throws -> RegistrySnapshot {
        try read { db in
            let answers = try db.pipelinedTransaction([
                (RegistrySQL.modelsSQL, []), (RegistrySQL.aliasesSQL, []),
            ])
            return RegistrySnapshot(
                models: answers[0].map(RegistrySQL.model(row:)), aliases: answers[1].map(RegistrySQL.alias(row:)))
        }
    }

    /// Sets or unsets an alias (see ``ModelRegistry``).
    @discardableResult
    public func setAlias(
        _ alias: String, modelID: String?, expectedGeneration: Int?, actor: String, via: String
    ) throws -> ModelAlias {
        try write { db in
            try RegistrySQL.setAlias(
                db, process: process, alias: alias, modelID: modelID, expectedGeneration: expectedGeneration,
                actor: actor, via: via)
        }
    }

    /// Removes a model from the registry (see ``ModelRegistry``).
    public func removeModel(_ id: String, actor: String) throws {
        try write { db in try RegistrySQL.remove(db, process: process, id: id, actor: actor) }
    }

    /// The audit trail, oldest first.
    public func registryEvents(limit: Int) throws -> [RegistryEvent] {
        try read { db in try RegistrySQL.events(db, limit: limit) }
    }

    /// Jobs done with a model, and live jobs pinned to it.
    public func modelUsage(_ id: String) throws -> (done: Int, live: Int) {
        try read { db in try RegistrySQL.usage(db, id) }
    }

    /// The model the startup last set `alias` to.
    public func lastStartupModel(alias: String) throws -> String? {
        try read { db in try RegistrySQL.lastStartupModel(db, alias: alias) }
    }
}
