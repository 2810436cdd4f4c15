import Core

/// The spool's folders (docs/spool-protocol.md): where batches arrive, live, and where results go.
public struct Spool: Sendable {
    /// The spool's root folder.
    public var root: String

    /// Creates the layout under `root`.
    public init(root: String) { self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root }

    /// `inbox/`: banks drop `<batch-id>/<party>.csv` and, last, `manifest.json` here.
    public var inbox: String { root + "/inbox" }
    /// `batches/`: accepted batches, moved here by ingest (system-owned).
    public var batches: String { root + "/batches" }
    /// `results/`: `<batch-id>/scores.csv`, `rejects.csv`, `summary.json`, published atomically.
    public var results: String { root + "/results" }
    /// `rejected/`: refused drops, kept with an `error.json`.
    public var rejected: String { root + "/rejected" }
    /// `work/`: workers' private result folders before publication.
    public var work: String { root + "/work" }

    /// Creates every folder.
    ///
    /// - Throws: ``SystemError`` when one cannot be created.
    public func create() throws {
        for dir in [inbox, batches, results, rejected, work] { try FileIO.makeDirectories(dir) }
    }
}
