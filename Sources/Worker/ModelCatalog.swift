import Core
public import Model
public import Store
import Synchronization

/// The models a worker can score with, by id: the one it was started with, and others loaded from where the job store
/// says their file is (checked to hash to their id), a few kept in memory.
///
/// A job is scored with its own model or not at all: a worker that cannot load a job's model hands the task back for a
/// worker that can (``WorkerService``). The lookup by id is where a model registry plugs in.
public final class ModelCatalog: Sendable {
    private let store: any JobStore
    private let loaded: Mutex<[(id: String, model: SplitModel)]>
    private let capacity: Int

    /// Creates a catalog holding `preloaded`, keeping at most `capacity` models loaded.
    public init(store: any JobStore, preloaded: SplitModel, capacity: Int = 4) {
        self.store = store
        self.loaded = Mutex([(preloaded.id, preloaded)])
        self.capacity = max(1, capacity)
    }

    /// The model started with.
    public var primary: SplitModel { loaded.withLock { $0[0].model } }

    /// The model with `id`, loading it when the store knows its file; `nil` when it cannot be had here.
    public func model(id: String) -> SplitModel? {
        if let model = loaded.withLock({ models in models.first { $0.id == id }?.model }) { return model }
        guard let path = try? store.modelPath(id), let model = try? SplitModel.load(path: path), model.id == id else {
            return nil
        }
        loaded.withLock { models in
            models.append((id, model))
            // The primary stays; the oldest other goes.
            if models.count > capacity { models.remove(at: 1) }
        }
        return model
    }
}
