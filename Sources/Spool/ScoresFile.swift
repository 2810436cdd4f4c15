import Core

#if canImport(Glibc)
import Glibc
#endif

/// One row of `scores.csv`: its cells in the header's order (key, score, parties, reason codes).
public struct ScoreRow: Sendable, Equatable {
    /// The cells, unquoted, as UTF-8 text (bytes that are not UTF-8 become U+FFFD).
    public var cells: [String]

    /// Creates a row.
    public init(cells: [String]) { self.cells = cells }
}

/// A published `scores.csv`, mapped read-only, answering rows by key with binary search: never read into memory.
///
/// The file is sorted by key in byte order (../shared/CONTRACTS.md) and written by the worker with `\n` line ends,
/// a cell quoted (RFC 4180) when it holds a comma, a quote or a line break. A line break inside a quoted key is not
/// a record's end; such line breaks can only be told apart from the start of the file (quote parity), so opening
/// the file scans it once (pread in 1 MiB chunks, memchr for quotes: about 50 ms per 250 MB from the page cache)
/// and keeps the offsets of the line breaks that fall inside quotes (none for keys that need no quoting). Keep one
/// instance per file version (``ScoresFileCache``) rather than one per request.
///
/// A last record without its line end (a truncated file) is never answered: ``isTruncated`` says so. The mapping is
/// of the inode opened: a file replaced by rename (the spool's only way of publishing) leaves this mapping valid and
/// unchanged. Truncating a mapped file in place is outside the spool's protocol (an access past the new end would
/// fault).
///
/// Immutable after `init`, so `Sendable`; `deinit` unmaps (munmap(2)).
public final class ScoresFile: @unchecked Sendable {
    /// The path opened.
    public let path: String
    /// The file's identity when opened (device, inode, size, modification time), to tell a replaced file.
    public let identity: Identity
    /// The header's cells (`tax_id,score,parties,reason_1..reason_4`); empty for an empty file.
    public let header: [String]
    /// Whether the file ends in an incomplete record (no final line end, or an unterminated quote): it is ignored.
    public let isTruncated: Bool

    private let base: UnsafePointer<UInt8>?
    private let mappedLength: Int
    /// The first data record's offset.
    private let dataStart: Int
    /// One past the last complete record's line end.
    private let dataEnd: Int
    /// Offsets of `\n` bytes inside quoted cells, ascending (usually empty).
    private let quotedLineBreaks: [Int]

    /// What identifies a version of a file at a path (stat(2)).
    public struct Identity: Sendable, Equatable {
        /// `st_dev`.
        public var device: UInt64
        /// `st_ino`.
        public var inode: UInt64
        /// `st_size`.
        public var size: Int
        /// `st_mtim` in nanoseconds.
        public var modified: Int64

        init(_ info: stat) {
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
            size = Int(info.st_size)
            modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        }

        /// The identity of the file now at `path` (following no final symlink), or `nil` when there is none.
        public static func current(_ path: String) -> Identity? {
            var info = stat()
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
            return Identity(info)
        }
    }

    /// Opens and maps `path`, and finds its records (one scan for quotes).
    ///
    /// - Throws: ``SystemError`` when the file cannot be opened, is not a regular file, or cannot be mapped.
    public init(path: String) throws {
        self.path = path
        let fd = try retryingSyscall("open", path: path) { open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) }
        defer { close(fd) }
        var info = stat()
        try retryingSyscall("fstat", path: path) { fstat(fd, &info) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw SystemError(errno: EINVAL, call: "open", path: path) }
        identity = Identity(info)
        let size = Int(info.st_size)
        let breaks = try ScoresFile.quotedLineBreaks(fd: fd, size: size, path: path)
        quotedLineBreaks = breaks.offsets
        mappedLength = size
        if size > 0 {
            let raw = try retryingPointerSyscall("mmap", path: path, failure: MAP_FAILED) {
                mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
            }
            // No madvise(MADV_RANDOM): it also turns off the kernel's fault-around, and the lookups of 1,000 keys then
            // took 7.6 ms instead of 4.5 (median, 5M rows, scripts/bench-lookup).
            base = UnsafePointer(raw.assumingMemoryBound(to: UInt8.self))
        } else {
            base = nil
        }
        // The end of the last complete record: the last line end outside quotes, unless the file ends inside one.
        var end = 0
        if let base, size > 0 {
            var i = size - 1
            while i >= 0 {
                if base[i] == UInt8(ascii: "\n") && !ScoresFile.contains(breaks.offsets, i) {
                    end = i + 1
                    break
                }
                i -= 1
            }
        }
        isTruncated = end != size
        // The header is the first record; data follows it.
        if let base, end > 0 {
            let headerEnd = ScoresFile.recordEnd(base, from: 0, limit: end, breaks: breaks.offsets)
            header = ScoresFile.cells(base, from: 0, to: headerEnd)
            dataStart = headerEnd + 1
        } else {
            header = []
            dataStart = 0
        }
        dataEnd = max(end, dataStart)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), mappedLength) }
    }

    /// The number of bytes of complete data records (the header excluded).
    public var dataBytes: Int { dataEnd - dataStart }

    /// Each key's row, or `nil` when the file has no row with that key, in the order of `keys`.
    ///
    /// Keys are compared as UTF-8 bytes with the file's unquoted keys. The keys are sorted first and searched from
    /// the middle out, each search within the bounds its neighbours found: 1,000 keys take about 20 probes each on a
    /// 5,000,000-row file.
    public func rows(forKeys keys: [String]) -> [ScoreRow?] {
        var answers = [ScoreRow?](repeating: nil, count: keys.count)
        guard let base, dataEnd > dataStart, !keys.isEmpty else { return answers }
        let bytes = keys.map { Array($0.utf8) }
        let order = bytes.indices.sorted { bytes[$0].lexicographicallyPrecedes(bytes[$1]) }
        var stack: [(from: Int, to: Int, lo: Int, hi: Int)] = [(0, order.count, dataStart, dataEnd)]
        while let (from, to, lo, hi) = stack.popLast() {
            guard from < to else { continue }
            let middle = (from + to) / 2
            let index = order[middle]
            let found = bytes[index].withUnsafeBufferPointer { key -> Int in
                let start = lowerBound(base, key, lo: lo, hi: hi)
                if start < dataEnd && compareKey(base, at: start, with: key) == 0 {
                    let end = ScoresFile.recordEnd(base, from: start, limit: dataEnd, breaks: quotedLineBreaks)
                    answers[index] = ScoreRow(cells: ScoresFile.cells(base, from: start, to: end))
                }
                return start
            }
            stack.append((from, middle, lo, found))
            stack.append((middle + 1, to, found, hi))
        }
        return answers
    }

    /// Every data row, in file order (for tests and small files: a linear scan).
    public func allRows() -> [ScoreRow] {
        guard let base else { return [] }
        var out: [ScoreRow] = []
        var start = dataStart
        while start < dataEnd {
            let end = ScoresFile.recordEnd(base, from: start, limit: dataEnd, breaks: quotedLineBreaks)
            out.append(ScoreRow(cells: ScoresFile.cells(base, from: start, to: end)))
            start = end + 1
        }
        return out
    }

    // MARK: - Search

    /// The first record start in `[lo, hi]` whose key is not less than `key` (`hi` when none), given that the
    /// answer lies in `[lo, hi]` and both are record starts (or `dataEnd`).
    private func lowerBound(_ base: UnsafePointer<UInt8>, _ key: UnsafeBufferPointer<UInt8>, lo: Int, hi: Int) -> Int {
        var lo = lo
        var hi = hi
        while lo < hi {
            // A record start strictly inside (lo, hi), probing from the middle towards lo until one is found.
            var probe: Int?
            var mid = lo + (hi - lo) / 2
            while true {
                if mid <= lo { mid = lo + 1 }
                probe = nextRecordStart(base, from: mid, before: hi)
                if probe != nil || mid == lo + 1 { break }
                mid = lo + (mid - lo) / 2
            }
            guard let start = probe else {
                // lo is the only record start in [lo, hi).
                return compareKey(base, at: lo, with: key) >= 0 ? lo : hi
            }
            if compareKey(base, at: start, with: key) < 0 {
                lo = ScoresFile.recordEnd(base, from: start, limit: dataEnd, breaks: quotedLineBreaks) + 1
                if lo > hi { lo = hi }
            } else {
                hi = start
            }
        }
        return lo
    }

    /// The first record start in `[from, before)`: the byte after a line end outside quotes, or `nil`.
    private func nextRecordStart(_ base: UnsafePointer<UInt8>, from: Int, before: Int) -> Int? {
        var position = from - 1
        while position < before - 1 {
            guard let hit = memchr(base + position, Int32(UInt8(ascii: "\n")), before - 1 - position) else {
                return nil
            }
            let offset = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if quotedLineBreaks.isEmpty || !ScoresFile.contains(quotedLineBreaks, offset) { return offset + 1 }
            position = offset + 1
        }
        return nil
    }

    /// Compares the (unquoted) key of the record at `start` with `key`, in byte order: -1, 0 or 1.
    private func compareKey(_ base: UnsafePointer<UInt8>, at start: Int, with key: UnsafeBufferPointer<UInt8>) -> Int {
        var i = start
        var k = 0
        let quote = UInt8(ascii: "\"")
        if start < dataEnd && base[start] == quote {
            i += 1
            while i < dataEnd {
                var byte = base[i]
                if byte == quote {
                    guard i + 1 < dataEnd, base[i + 1] == quote else { break }  // the closing quote
                    i += 1
                    byte = quote
                }
                guard k < key.count else { return 1 }
                if byte != key[k] { return byte < key[k] ? -1 : 1 }
                i += 1
                k += 1
            }
        } else {
            while i < dataEnd {
                let byte = base[i]
                if byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") { break }
                guard k < key.count else { return 1 }
                if byte != key[k] { return byte < key[k] ? -1 : 1 }
                i += 1
                k += 1
            }
        }
        return k < key.count ? -1 : 0
    }

    // MARK: - Records

    /// The offset of the line end that ends the record starting at `start` (or `limit` when there is none).
    private static func recordEnd(_ base: UnsafePointer<UInt8>, from start: Int, limit: Int, breaks: [Int]) -> Int {
        var position = start
        while position < limit {
            guard let hit = memchr(base + position, Int32(UInt8(ascii: "\n")), limit - position) else { return limit }
            let offset = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if breaks.isEmpty || !contains(breaks, offset) { return offset }
            position = offset + 1
        }
        return limit
    }

    /// The unquoted cells of the record in `[start, end)` (RFC 4180; a `\r` before the line end is dropped).
    private static func cells(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> [String] {
        var end = end
        if end > start && base[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        var cells: [String] = []
        var cell: [UInt8] = []
        var i = start
        let quote = UInt8(ascii: "\"")
        while true {
            cell.removeAll(keepingCapacity: true)
            if i < end && base[i] == quote {
                i += 1
                while i < end {
                    if base[i] == quote {
                        if i + 1 < end && base[i + 1] == quote {
                            cell.append(quote)
                            i += 2
                            continue
                        }
                        i += 1
                        break
                    }
                    cell.append(base[i])
                    i += 1
                }
                // Anything between a closing quote and the comma is kept, as lenient readers do.
                while i < end && base[i] != UInt8(ascii: ",") {
                    cell.append(base[i])
                    i += 1
                }
            } else {
                while i < end && base[i] != UInt8(ascii: ",") {
                    cell.append(base[i])
                    i += 1
                }
            }
            cells.append(String(decoding: cell, as: UTF8.self))
            guard i < end else { break }
            i += 1  // the comma
        }
        return cells
    }

    /// Whether the ascending `offsets` hold `offset` (binary search).
    private static func contains(_ offsets: [Int], _ offset: Int) -> Bool {
        var lo = 0
        var hi = offsets.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if offsets[mid] < offset { lo = mid + 1 } else { hi = mid }
        }
        return lo < offsets.count && offsets[lo] == offset
    }

    /// The offsets of line ends inside quoted cells: every quote toggles "inside" (an escaped `""` toggles twice).
    private static func quotedLineBreaks(fd: Int32, size: Int, path: String) throws -> (offsets: [Int], open: Bool) {
        var offsets: [Int] = []
        var inside = false
        let chunk = 1 << 20
        var buffer = [UInt8](repeating: 0, count: chunk)
        var offset = 0
        while offset < size {
            let n = try buffer.withUnsafeMutableBytes { raw in
                try retryingSyscall("pread", path: path) {
                    pread(fd, raw.baseAddress!, min(chunk, size - offset), off_t(offset))
                }
            }
            if n == 0 { break }
            buffer.withUnsafeBytes { raw in
                let bytes = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
                var i = 0
                while i < n {
                    let quote = memchr(bytes + i, Int32(UInt8(ascii: "\"")), n - i)
                    let next = quote.map { bytes.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? n
                    if inside {
                        var j = i
                        while j < next, let hit = memchr(bytes + j, Int32(UInt8(ascii: "\n")), next - j) {
                            let at = bytes.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                            offsets.append(offset + at)
                            j = at + 1
                        }
                    }
                    if quote != nil { inside.toggle() }
                    i = next + 1
                }
            }
            offset += n
        }
        return (offsets, inside)
    }
}
