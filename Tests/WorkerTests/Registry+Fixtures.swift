import Registry
import Spool
import Store

extension ModelRegistrar {
    /// Registers the model document `text` in `store` and points `champion` at it, as `vfl ingest --model` does.
    @discardableResult
    static func makeChampion(_ text: String, store: any JobStore, spool: Spool) throws -> RegisteredModel {
        try ModelRegistrar(store: store, spool: spool).adoptStartupModel(
            bytes: Array(text.utf8), source: "test model", explicit: true, actor: "test"
        ).record
    }
}
