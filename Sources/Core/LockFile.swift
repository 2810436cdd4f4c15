#if canImport(Glibc)
import Glibc
#endif

/// An exclusive flock(2) on a file, held for a process's life: `vfl run` takes `<spool>/.vfl-run.lock`, so that a
/// second `vfl run` on the same spool refuses to start.
///
/// The descriptor is deliberately inherited by the children the holder spawns (no `FD_CLOEXEC`): a flock belongs to
/// the open file, so it is released only when the holder *and* every child it started have closed it. When the
/// supervisor is SIGKILLed, its children get SIGTERM (``ParentWatch``) but may take a while to drain (a worker hands
/// back its task, up to its grace period); until the last one is gone a new `vfl run` refuses, rather than running a
/// second ingest and API beside the lingering ones.
public final class LockFile {
    /// The lock is held by another process.
    public struct Held: Error, Sendable, CustomStringConvertible {
        /// The lock file.
        public var path: String
        /// The pid the holder wrote into the file, if readable. When that process is gone, children it left still
        /// hold the lock.
        public var holder: Int32?

        /// A sentence naming the file and the holder.
        public var description: String {
            "\(path) is held by " + (holder.map { "process \($0)" } ?? "another process")
                + " or by children it left running"
        }
    }

    /// The lock file's path.
    public let path: String
    private var descriptor: Int32

    /// Opens (creating) `path` and takes the lock without waiting, then writes this process's pid into it.
    ///
    /// - Throws: ``Held`` when another process holds it; ``SystemError`` when the file cannot be opened.
    public init(path: String) throws {
        self.path = path
        // No O_CLOEXEC: children inherit the lock (see the type's documentation).
        descriptor = try retryingSyscall("open", path: path) { open(path, O_RDWR | O_CREAT, 0o644) }
        do {
            try retryingSyscall("flock", path: path) { flock(descriptor, LOCK_EX | LOCK_NB) }
        } catch let error as SystemError where error.errno == EWOULDBLOCK {
            let holder = Self.readPID(descriptor)
            close(descriptor)
            throw Held(path: path, holder: holder)
        } catch {
            close(descriptor)
            throw error
        }
        var text = "\(getpid())\n"
        _ = ftruncate(descriptor, 0)
        _ = text.withUTF8 { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    deinit { release() }

    /// Closes this process's descriptor (the lock is gone once the children that inherited it have exited too).
    public func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    private static func readPID(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer.prefix(count), as: UTF8.self).filter(\.isNumber))
    }
}
