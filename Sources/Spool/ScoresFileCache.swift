import Core
import Synchronization

/// Open ``ScoresFile``s by path, reused while the file at the path is the same version.
///
/// Each ``file(at:)`` stats the path (one lstat(2)) and reopens when the device, inode, size or modification time
/// differ from the cached file's: a `scores.csv` replaced by rename (a retried job published again) is picked up by
/// the next request, while requests already holding the old ``ScoresFile`` keep reading the old, unchanged mapping.
/// At most `capacity` files stay mapped; the least recently used is dropped (its mapping goes when its last user
/// releases it). Safe to share between threads: the table is behind a `Mutex`, and a file is opened outside it.
public final class ScoresFileCache: Sendable {
    private struct Entry {
        var file: ScoresFile
        var used: UInt64
    }

    private struct Table {
        var entries: [String: Entry] = [:]
        var clock: UInt64 = 0
    }

    private let table = Mutex(Table())
    /// The most files kept mapped.
    public let capacity: Int

    /// Creates an empty cache.
    public init(capacity: Int = 16) { self.capacity = max(capacity, 1) }

    /// The file at `path`, from the cache when it has not changed since it was opened.
    ///
    /// - Returns: `nil` when there is no regular file at `path`.
    /// - Throws: ``SystemError`` when it exists but cannot be opened or mapped.
    public func file(at path: String) throws -> ScoresFile? {
        guard let identity = ScoresFile.Identity.current(path) else {
            table.withLock { _ = $0.entries.removeValue(forKey: path) }
            return nil
        }
        let cached = table.withLock { table -> ScoresFile? in
            guard let entry = table.entries[path], entry.file.identity == identity else { return nil }
            table.clock += 1
            table.entries[path]!.used = table.clock
            return entry.file
        }
        if let cached { return cached }
        let file = try ScoresFile(path: path)
        table.withLock { table in
            table.clock += 1
            table.entries[path] = Entry(file: file, used: table.clock)
            while table.entries.count > capacity, let oldest = table.entries.min(by: { $0.value.used < $1.value.used })
            {
                table.entries.removeValue(forKey: oldest.key)
            }
        }
        return file
    }
}
