/// The model registry (``ModelRegistry``) on SQLite: every write one `BEGIN IMMEDIATE` transaction, which also
/// serializes it against the transaction that records a job pinned to a model.
extension SQLiteStore {
    /// Records a model (see ``ModelRegistry``).
    ///
    /// - Throws: ``StoreError``.
    public func registerModel(
        id: String, name: String?, fileName: String, version: Int?, owner: String?, purpose: String?, path: String,
        actor: String
    ) throws -> (model: RegisteredModel, added: Bool) {
        try sync { db in
            try db.withImmediateTransaction {
                try RegistrySQL.register(
                    db, process: process, id: id, name: name, fileName: fileName, version: version, owner: owner,
                    purpose: purpose, path: path, actor: actor)
            }
        }
    }

    /// Every registered model, by name then version.
    ///
    /// - Throws: ``StoreError``.
    public func registeredModels() throws -> [RegisteredModel] { try sync { db in try RegistrySQL.models(db) } }

    /// Every alias, by name.
    ///
    /// - Throws: ``StoreError``.
    public func aliases() throws -> [ModelAlias] { try sync { db in try RegistrySQL.aliases(db) } }

    /// Sets or unsets an alias (see ``ModelRegistry``).
    ///
    /// - Throws: ``StoreError``.
    @discardableResult
    public func setAlias(
        _ alias: String, modelID: String?, expectedGeneration: Int?, actor: String, via: String
    ) throws -> ModelAlias {
        try sync { db in
            try db.withImmediateTransaction {
                try RegistrySQL.setAlias(
                    db, process: process, alias: alias, modelID: modelID, expectedGeneration: expectedGeneration,
                    actor: actor, via: via)
            }
        }
    }

    /// Removes a model from the registry (see ``ModelRegistry``).
    ///
    /// - Throws: ``StoreError``.
    public func removeModel(_ id: String, actor: String) throws {
        try sync { db in
            try db.withImmediateTransaction { try RegistrySQL.remove(db, process: process, id: id, actor: actor) }
        }
    }

    /// The audit trail, oldest first.
    ///
    /// - Throws: ``StoreError``.
    public func registryEvents(limit: Int) throws -> [RegistryEvent] {
        try sync { db in try RegistrySQL.events(db, limit: limit) }
    }

    /// Jobs done with a model, and live jobs pinned to it.
    ///
    /// - Throws: ``StoreError``.
    public func modelUsage(_ id: String) throws -> (done: Int, live: Int) {
        try sync { db in try RegistrySQL.usage(db, id) }
    }

    /// The model the startup last set `alias` to.
    ///
    /// - Throws: ``StoreError``.
    public func lastStartupModel(alias: String) throws -> String? {
        try sync { db in try RegistrySQL.lastStartupModel(db, alias: alias) }
    }
}
