import Core

#if canImport(Glibc)
import Glibc
#endif

/// A bucket file's line map: the original line of each of its records, written by the partition stage of a split job
/// beside the bucket's CSV file (`<bucket>.lines`) and read back in lockstep with it by ``ShardLoader``.
///
/// The format is one little-endian `UInt64` per data record of the CSV file, in record order, nothing else. It lives
/// in a file of its own, out of band: a bucket file holds exactly the columns the bank sent, so no name or value a
/// bank chooses can be mistaken for it.
enum LineMap {
    /// The extension of a line map beside its CSV file.
    static let fileExtension = ".lines"

    /// Appends one record's line to a line map being written.
    @inline(__always)
    static func append(_ line: Int, to out: ByteBuffer) {
        out.appendRaw(maximum: 8) { p in
            UnsafeMutableRawPointer(p).storeBytes(of: UInt64(line).littleEndian, as: UInt64.self)
            return 8
        }
    }

    /// Reads a line map sequentially, in chunks.
    ///
    /// Not thread-safe: one reader belongs to the loader that opened it.
    final class Reader {
        /// The file read.
        let path: String
        private let fd: Int32
        private let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 8)
        private var position = 0
        private var filled = 0

        /// Opens a line map.
        ///
        /// - Throws: ``SystemError`` when it cannot be opened.
        init(path: String) throws {
            self.path = path
            fd = try retryingSyscall("open", path: path) { open(path, O_RDONLY | O_CLOEXEC) }
        }

        deinit {
            close(fd)
            chunk.deallocate()
        }

        /// The next record's line, or `nil` at the end of the file.
        ///
        /// - Throws: ``SystemError`` when a read fails; ``ScoringError`` of code `io` when the file ends inside a
        ///   value.
        @inline(__always)
        func next() throws -> UInt64? {
            if filled - position < 8 { try refill() }
            if filled - position < 8 { return nil }
            let value = UInt64(littleEndian: chunk.loadUnaligned(fromByteOffset: position, as: UInt64.self))
            position += 8
            return value
        }

        private func refill() throws {
            let rest = filled - position
            if rest > 0 { chunk.copyMemory(from: UnsafeRawBufferPointer(rebasing: chunk[position..<filled])) }
            filled = rest
            position = 0
            while filled < 8 {
                let base = chunk.baseAddress! + filled
                let room = chunk.count - filled
                let fd = self.fd
                let n = try retryingSyscall("read", path: path) { read(fd, base, room) }
                if n == 0 {
                    guard filled == 0 else {
                        throw ScoringError(.io, "\(path) ends inside a line number: the bucket's line map is damaged")
                    }
                    return
                }
                filled += n
            }
        }
    }
}
