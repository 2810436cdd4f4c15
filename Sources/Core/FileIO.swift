#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small file helpers over POSIX calls: whole-file reads with a size limit and atomic publication.
public enum FileIO {
    /// Reads a whole regular file of at most `limit` bytes.
    ///
    /// - Throws: ``SystemError`` when the file cannot be read, or of `EFBIG` when it is larger than `limit`.
    public static func readFile(_ path: String, limit: Int = 1 << 30) throws -> [UInt8] {
        let fd = try retryingSyscall("open", path: path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        var info = stat()
        try retryingSyscall("fstat", path: path) { fstat(fd, &info) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw SystemError(errno: EINVAL, call: "read", path: path) }
        guard Int(info.st_size) <= limit else { throw SystemError(errno: EFBIG, call: "read", path: path) }
        // st_size is a hint: files under /proc report 0, so read until the end of the file.
        var bytes = [UInt8](repeating: 0, count: max(Int(info.st_size), 4096))
        var offset = 0
        while true {
            if offset == bytes.count {
                guard bytes.count < limit else { throw SystemError(errno: EFBIG, call: "read", path: path) }
                bytes += [UInt8](repeating: 0, count: min(bytes.count, limit - bytes.count))
            }
            let n = try bytes.withUnsafeMutableBytes { buffer in
                try retryingSyscall("read", path: path) {
                    read(fd, buffer.baseAddress! + offset, buffer.count - offset)
                }
            }
            if n == 0 { break }
            offset += n
        }
        bytes.removeLast(bytes.count - offset)
        return bytes
    }

    /// Whether a path exists (without following a final symlink).
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// The size of a file in bytes (0 when it does not exist or cannot be read).
    public static func size(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }

    /// Whether a path is a directory.
    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Creates a directory and its parents.
    ///
    /// - Throws: ``SystemError`` when a component cannot be created.
    public static func makeDirectories(_ path: String, mode: UInt32 = 0o755) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component + "/"
            if mkdir(prefix, mode_t(mode)) != 0 && errno != EEXIST {
                throw SystemError(errno: errno, call: "mkdir", path: prefix)
            }
        }
    }

    /// Flushes a file or directory to stable storage.
    ///
    /// - Throws: ``SystemError`` when it cannot be opened or synced.
    public static func sync(_ path: String) throws {
        let fd = try retryingSyscall("open", path: path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        try retryingSyscall("fsync", path: path) { fsync(fd) }
    }

    /// Renames `from` to `to` atomically (same filesystem).
    ///
    /// - Throws: ``SystemError`` when the rename fails.
    public static func rename(_ from: String, to: String) throws {
        try retryingSyscall("rename", path: to) { Glibc.rename(from, to) }
    }

    /// Creates a hard link `to` for the file `from` (the same file under a second name).
    ///
    /// - Throws: ``SystemError`` when the link fails.
    public static func link(_ from: String, to: String) throws {
        try retryingSyscall("link", path: to) { Glibc.link(from, to) }
    }

    /// Writes `bytes` to `path` atomically: a temporary name in the same directory, fsync, rename, directory fsync.
    ///
    /// - Throws: ``SystemError`` on any failure; the temporary file is removed.
    public static func writeAtomically(_ path: String, _ bytes: [UInt8]) throws {
        let writer = try BufferedFileWriter(path: temporaryName(for: path))
        do {
            try writer.write(bytes)
            try writer.close(sync: true)
            try Failpoint.hit("file.written.before-rename")
        } catch {
            unlink(writer.path)
            throw error
        }
        try rename(writer.path, to: path)
        try sync(directory(of: path))
    }

    /// A unique temporary name beside `path` (same directory, so renaming is atomic).
    public static func temporaryName(for path: String) -> String {
        let dir = directory(of: path)
        let base = String(path.split(separator: "/").last ?? "")
        return "\(dir)/.\(base).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// The directory part of a path (`.` when there is none).
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

/// A file writer with a large buffer, for streaming results.
///
/// Not thread-safe: one writer belongs to one thread at a time.
public final class BufferedFileWriter {
    /// The file written.
    public let path: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    private let flushThreshold: Int

    /// Creates (or truncates) the file.
    ///
    /// - Parameters:
    ///   - path: The file.
    ///   - bufferBytes: Bytes buffered before a write.
    ///   - mode: The permissions of a file it creates (less the umask); an existing file keeps its own.
    /// - Throws: ``SystemError`` when it cannot be created.
    public init(path: String, bufferBytes: Int = 1 << 20, mode: UInt32 = 0o644) throws {
        self.path = path
        self.fd = try retryingSyscall("open", path: path) {
            open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_t(mode))
        }
        self.flushThreshold = bufferBytes
        buffer.reserveCapacity(bufferBytes + 4096)
    }

    /// Writes to an already open descriptor (for example 1, standard output), which ``close(sync:)`` closes.
    public init(fileDescriptor: Int32, name: String, bufferBytes: Int = 1 << 16) {
        self.path = name
        self.fd = fileDescriptor
        self.flushThreshold = bufferBytes
        buffer.reserveCapacity(bufferBytes + 4096)
    }

    deinit { if fd > 2 { Glibc.close(fd) } }

    /// Appends bytes.
    ///
    /// - Throws: ``SystemError`` when a write fails.
    public func write(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushThreshold { try flush() }
    }

    /// Appends bytes.
    ///
    /// - Throws: ``SystemError`` when a write fails.
    public func write(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushThreshold { try flush() }
    }

    /// Writes out what is buffered, then `bytes` directly (no copy into the buffer: for callers with their own
    /// large buffers).
    ///
    /// - Throws: ``SystemError`` when a write fails.
    public func writeThrough(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        try flush()
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        let fd = self.fd
        while offset < bytes.count {
            let n = try retryingSyscall("write", path: path) { Glibc.write(fd, base + offset, bytes.count - offset) }
            offset += n
        }
    }

    /// Appends a string's UTF-8 bytes.
    ///
    /// - Throws: ``SystemError`` when a write fails.
    public func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= flushThreshold { try flush() }
    }

    /// Writes out the buffer.
    ///
    /// - Throws: ``SystemError`` when a write fails.
    public func flush() throws {
        var offset = 0
        let fd = self.fd
        let path = self.path
        try buffer.withUnsafeBytes { raw in
            while offset < raw.count {
                let n = try retryingSyscall("write", path: path) {
                    Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                }
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Drops what is buffered and not yet written.
    public func discard() {
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, optionally fsyncs, and closes.
    ///
    /// - Throws: ``SystemError`` when a write, fsync or close fails.
    public func close(sync: Bool) throws {
        try flush()
        let fd = self.fd
        if sync { try retryingSyscall("fsync", path: path) { fsync(fd) } }
        self.fd = -1
        try retryingSyscall("close", path: path) { Glibc.close(fd) }
    }
}
