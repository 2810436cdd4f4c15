import Core

#if canImport(Glibc)
import Glibc
#endif

/// Streaming SHA-256 of a file, for manifest checksums.
enum FileHash {
    /// The hex SHA-256 of the file at `path`.
    ///
    /// - Throws: ``SystemError`` when it cannot be read.
    static func sha256(path: String) throws -> String {
        let fd = try retryingSyscall("open", path: path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        var hasher = SHA256()
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 1 << 20)
        defer { buffer.deallocate() }
        while true {
            let n = try retryingSyscall("read", path: path) { read(fd, buffer.baseAddress!, buffer.count) }
            if n == 0 { break }
            hasher.update(UnsafeBufferPointer(rebasing: buffer[0..<n]))
        }
        return hasher.finalize().map {
            String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16)
        }
        .joined()
    }
}
