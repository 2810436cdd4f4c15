#if canImport(Glibc)
import Glibc
#endif

/// Which file a path names: (st_dev, st_ino) from stat(2).
struct FileIdentity: Equatable, Sendable {
    /// The device holding the file.
    var device: UInt64
    /// The file's inode on that device.
    var inode: UInt64

    /// What stat(2) says of a path.
    enum Lookup: Equatable {
        /// A file, this one.
        case found(FileIdentity)
        /// Nothing there (ENOENT, ENOTDIR).
        case missing
        /// stat(2) failed otherwise (EACCES, EIO...): whether the file changed cannot be told.
        case unknown
    }

    /// Looks up the file at `path` (stat(2), following symbolic links as sqlite's open does).
    static func lookup(_ path: String) -> Lookup {
        var info = stat()
        guard stat(path, &info) == 0 else { return errno == ENOENT || errno == ENOTDIR ? .missing : .unknown }
        return .found(FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)))
    }
}

extension Connection {
    /// Whether the file opened is still the file at ``path``: one stat(2), no SQL, no lock, safe from any thread. A
    /// path that cannot be looked up (EACCES, EIO) counts as current.
    var fileState: DatabaseFileState {
        guard let identity else { return .current }
        switch FileIdentity.lookup(path) {
        case .found(let now): return now == identity ? .current : .replaced
        case .missing: return .deleted
        case .unknown: return .current
        }
    }
}
