import Core

import struct Foundation.Data

#if canImport(Glibc)
import Glibc
#endif

/// What identifies a file's content without reading it: size, modification time, inode and device.
///
/// Ingest records it for every shard when it accepts a batch; workers compare it before scoring and before publishing,
/// so a shard changed in place after acceptance fails its job instead of being scored half-read.
public struct FileIdentity: Sendable, Equatable {
    /// Bytes.
    public var size: Int64
    /// Modification time, nanoseconds since the epoch.
    public var modifiedNanoseconds: Int64
    /// Inode number.
    public var inode: UInt64
    /// Device number.
    public var device: UInt64

    /// Creates an identity.
    public init(size: Int64, modifiedNanoseconds: Int64, inode: UInt64, device: UInt64) {
        self.size = size
        self.modifiedNanoseconds = modifiedNanoseconds
        self.inode = inode
        self.device = device
    }

    /// The identity from a file's `stat`.
    init(_ info: stat) {
        self.init(
            size: Int64(info.st_size),
            modifiedNanoseconds: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
            inode: UInt64(info.st_ino), device: UInt64(info.st_dev))
    }

    /// The identity of the file at `path` (a final symlink is not followed), or `nil` when there is none.
    public static func of(_ path: String) -> FileIdentity? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return FileIdentity(info)
    }

    /// The identity of an open file, or `nil` when `fstat` fails.
    public static func of(fileDescriptor fd: Int32) -> FileIdentity? {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        return FileIdentity(info)
    }

    /// What differs from `other`, in words (for the job's error), or `nil` when nothing does.
    public func difference(from other: FileIdentity) -> String? {
        var changes: [String] = []
        if size != other.size { changes.append("its size went from \(other.size) to \(size) bytes") }
        if modifiedNanoseconds != other.modifiedNanoseconds { changes.append("it was modified") }
        if inode != other.inode || device != other.device { changes.append("it was replaced by another file") }
        return changes.isEmpty ? nil : changes.joined(separator: ", ")
    }
}

/// One party's shard of a batch, resolved once (at ingest, or by `vfl score`): which file it is, of which kind, and
/// the file's identity then.
public struct Shard: Sendable, Equatable {
    /// What the file holds.
    public enum Input: String, Sendable {
        /// Raw feature columns: `<party>.csv`.
        case features
        /// A representation from `vfl embed`: `<party>.repr.csv`.
        case representation
    }

    /// The party.
    public var party: String
    /// The file's name within the batch folder.
    public var file: String
    /// Its kind.
    public var input: Input
    /// Its identity when it was resolved.
    public var identity: FileIdentity
    /// The data rows the manifest announced, to be verified.
    public var rows: Int?
    /// The SHA-256 (hex) the manifest announced, to be verified.
    public var sha256: String?
    /// How the manifest says the party tokenized its keys (`nil`: raw keys), checked against the shard's header.
    public var keys: TokenScheme?

    /// Creates a shard record.
    public init(
        party: String, file: String, input: Input, identity: FileIdentity, rows: Int? = nil, sha256: String? = nil,
        keys: TokenScheme? = nil
    ) {
        self.party = party
        self.file = file
        self.input = input
        self.identity = identity
        self.rows = rows
        self.sha256 = sha256
        self.keys = keys
    }

    /// The one place that decides which file is a party's shard: `<party>.csv` or `<party>.repr.csv`, exactly one of
    /// them, a regular file (never followed through a symlink).
    ///
    /// - Throws: ``SpoolError`` naming the party and files when there is none, or both, or not a regular file.
    public static func resolve(party: String, in directory: String) throws -> Shard {
        let raw = party + ".csv"
        let repr = party + ".repr.csv"
        let rawIdentity = FileIdentity.of(directory + "/" + raw)
        let reprIdentity = FileIdentity.of(directory + "/" + repr)
        if rawIdentity != nil && reprIdentity != nil {
            throw SpoolError("party \(party) has both \(raw) and \(repr)")
        }
        guard rawIdentity != nil || reprIdentity != nil else {
            throw SpoolError("manifest.json lists party \(party), but there is no \(raw)")
        }
        let file = rawIdentity != nil ? raw : repr
        var info = stat()
        guard lstat(directory + "/" + file, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            let kind = (info.st_mode & S_IFMT) == S_IFLNK ? "a symbolic link" : "not a regular file"
            throw SpoolError("\(file) is \(kind)")
        }
        return Shard(
            party: party, file: file, input: rawIdentity != nil ? .features : .representation,
            identity: FileIdentity(info))
    }

    /// Resolves every party of a manifest, in its order.
    ///
    /// - Throws: ``SpoolError``.
    public static func resolve(_ manifest: Manifest, in directory: String) throws -> [Shard] {
        try manifest.parties.map { party in
            var shard = try resolve(party: party, in: directory)
            shard.rows = manifest.rows[party]
            shard.sha256 = manifest.sha256[party]
            shard.keys = manifest.keys[party]
            return shard
        }
    }

    /// Checks that each shard in `directory` is still the file it was when resolved.
    ///
    /// - Throws: ``SpoolError`` naming the party, the file and what changed.
    public static func verify(_ shards: [Shard], in directory: String) throws {
        for shard in shards {
            guard let now = FileIdentity.of(directory + "/" + shard.file) else {
                throw SpoolError("party \(shard.party): \(shard.file) disappeared after the batch was accepted")
            }
            if let change = now.difference(from: shard.identity) {
                throw SpoolError(
                    "party \(shard.party): \(shard.file) changed after the batch was accepted (\(change)); "
                        + "shards must be complete before manifest.json is written (docs/spool-protocol.md)")
            }
        }
    }

    /// Shards as the JSON text the job store keeps.
    public static func jsonText(_ shards: [Shard]) -> String {
        JSONValue.array(
            shards.map { shard in
                var members: [(String, JSONValue)] = [
                    ("party", .string(shard.party)), ("file", .string(shard.file)),
                    ("input", .string(shard.input.rawValue)), ("size", .string(String(shard.identity.size))),
                    ("mtime_ns", .string(String(shard.identity.modifiedNanoseconds))),
                    ("inode", .string(String(shard.identity.inode))),
                    ("device", .string(String(shard.identity.device))),
                ]
                if let rows = shard.rows { members.append(("rows", .number(Double(rows)))) }
                if let sha256 = shard.sha256 { members.append(("sha256", .string(sha256))) }
                if let keys = shard.keys { members.append(("keys", keys.json)) }
                return .object(members)
            }
        ).text
    }

    /// Shards from the job store's JSON text.
    ///
    /// - Throws: ``SpoolError`` when the text is not what ``jsonText(_:)`` writes.
    public static func parse(jsonText: String) throws -> [Shard] {
        let bad = SpoolError("the job's recorded shards are unreadable")
        guard let items = (try? JSONValue(parsing: Data(jsonText.utf8)))?.array else { throw bad }
        return try items.map { item in
            guard let party = item["party"]?.string, let file = item["file"]?.string,
                let input = item["input"]?.string.flatMap(Input.init(rawValue:)),
                let size = item["size"]?.string.flatMap({ Int64($0) }),
                let mtime = item["mtime_ns"]?.string.flatMap({ Int64($0) }),
                let inode = item["inode"]?.string.flatMap({ UInt64($0) }),
                let device = item["device"]?.string.flatMap({ UInt64($0) })
            else { throw bad }
            let keys: TokenScheme?
            do { keys = try item["keys"].map { try TokenScheme(json: $0) } } catch { throw bad }
            return Shard(
                party: party, file: file, input: input,
                identity: FileIdentity(size: size, modifiedNanoseconds: mtime, inode: inode, device: device),
                rows: item["rows"]?.int, sha256: item["sha256"]?.string, keys: keys)
        }
    }
}

/// A spool failure: a sentence naming the file or folder (never a key or value).
public struct SpoolError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public var message: String

    /// Creates an error.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
