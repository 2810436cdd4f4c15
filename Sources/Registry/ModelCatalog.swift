import Core
public import Model
public import Spool
public import Store
import Synchronization

/// The models a process can score with, by id: loaded from the registry's file (`<spool>/models/<id>.json`, else
/// where the job store says the file is), checked to hash to their id, and kept in memory up to a bound on their
/// parameters' bytes (``SplitModel/parameterBytes``), least recently used first out.
///
/// A job is scored with its own model or not at all: a worker that cannot load a job's model (its file missing or
/// damaged) hands the task back for a worker that can.
public final class ModelCatalog: Sendable {
    private let store: any JobStore
    private let spool: Spool?
    /// Loaded models, least recently used first.
    private let loaded: Mutex<[SplitModel]>
    private let memoryBytes: Int

    /// The default bound: 512 MB of parameters (the default model has about 0.1 MB).
    public static let defaultMemoryBytes = 512 << 20

    /// Creates a catalog holding `preloaded`, if any, keeping loaded models' parameters within `memoryBytes` (one
    /// model is always kept, whatever its size).
    public init(
        store: any JobStore, spool: Spool? = nil, preloaded: SplitModel? = nil,
        memoryBytes: Int = ModelCatalog.defaultMemoryBytes
    ) {
        self.store = store
        self.spool = spool
        self.loaded = Mutex(preloaded.map { [$0] } ?? [])
        self.memoryBytes = max(0, memoryBytes)
    }

    /// The ids of the models in memory, least recently used first.
    public var loadedIDs: [String] { loaded.withLock { $0.map(\.id) } }

    /// The model with `id`, loading it from its file when needed; `nil` when it cannot be had here (no file, a file
    /// that does not hash to the id, or does not load).
    public func model(id: String) -> SplitModel? {
        let hit = loaded.withLock { models -> SplitModel? in
            guard let index = models.firstIndex(where: { $0.id == id }) else { return nil }
            let model = models.remove(at: index)
            models.append(model)
            return model
        }
        if let hit { return hit }
        guard let model = load(id) else { return nil }
        loaded.withLock { models in
            models.append(model)
            var total = models.reduce(0) { $0 + $1.parameterBytes }
            while models.count > 1 && total > memoryBytes { total -= models.removeFirst().parameterBytes }
        }
        return model
    }

    private func load(_ id: String) -> SplitModel? {
        guard ModelNames.isModelID(id) else { return nil }
        var paths: [String] = []
        if let spool { paths.append(spool.modelFile(id)) }
        if let recorded = try? store.modelPath(id), !paths.contains(recorded) { paths.append(recorded) }
        for path in paths where FileIO.exists(path) {
            if let model = try? SplitModel.load(path: path), model.id == id { return model }
        }
        return nil
    }
}
