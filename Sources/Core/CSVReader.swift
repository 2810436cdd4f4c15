#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Limits a ``CSVReader`` enforces while it reads.
public struct CSVLimits: Sendable {
    /// The longest field, in bytes (after removing quotes). Default 1 MiB.
    public var maxFieldBytes: Int
    /// The longest record, in bytes, without its line end. Default 1 MiB.
    public var maxRecordBytes: Int
    /// How many bytes one `read(2)` asks for. Default 1 MiB.
    public var chunkBytes: Int

    /// Creates limits; the defaults are the conformance policy's.
    public init(maxFieldBytes: Int = 1 << 20, maxRecordBytes: Int = 1 << 20, chunkBytes: Int = 1 << 20) {
        self.maxFieldBytes = maxFieldBytes
        self.maxRecordBytes = maxRecordBytes
        self.chunkBytes = chunkBytes
    }
}

/// A strict, streaming RFC 4180 reader over bytes in bounded memory.
///
/// The policy is the conformance corpus's: one leading UTF-8 BOM is skipped; records end at CRLF or LF;
/// quoted fields are verbatim (`""` is one quote); every record has as many fields as the first; a bare CR,
/// a NUL, invalid UTF-8, a quote inside an unquoted field, garbage after a closing quote, a blank line in a
/// multi-column file and over-long fields or records are errors.
///
/// Use it like a statement: call ``next()`` until it returns `false`, and read the current record's fields
/// with ``field(_:)`` in between. A field's bytes stay valid only until the following call to ``next()``.
/// Memory stays below `maxRecordBytes + chunkBytes` plus one slot per field, however large the file.
///
/// Not thread-safe: one reader belongs to one thread at a time.
public final class CSVReader {
    private let limits: CSVLimits
    private var fd: Int32
    private let ownsDescriptor: Bool
    @usableFromInline let buffer: UnsafeMutablePointer<UInt8>
    private let capacity: Int
    /// Index of the first unconsumed byte.
    private var start = 0
    /// Index one past the last valid byte.
    private var end = 0
    private var atEOF = false
    private var startedBOMCheck = false
    /// File offset of `buffer[0]`.
    private var bufferFileOffset = 0
    /// Physical line number at `start`.
    private var line = 1
    /// File offset where the line containing `start` begins.
    private var lineStartOffset = 0
    /// Field bounds of the current record: start, end pairs of buffer indices.
    @usableFromInline var bounds: UnsafeMutablePointer<Int>
    private var boundsCapacity: Int
    private var escaped: UnsafeMutablePointer<Bool>

    /// The number of fields of the current record.
    public private(set) var fieldCount = 0
    /// The number of fields every record must have, set by the first record.
    public private(set) var expectedFieldCount: Int?
    /// The 1-based physical line where the current record starts.
    public private(set) var recordLine = 0
    /// The 1-based number of the current record.
    public private(set) var recordNumber = 0
    /// The file offset where the current record starts.
    public private(set) var recordOffset = 0
    private var rawStart = 0
    private var rawEnd = 0
    private var rawIntact = false
    /// Whether the last record scanned came through ``scanPlain(from:)`` (no quotes: nothing to unescape).
    private var lastScanPlain = false

    /// The current record's bytes as they were in the file, without its line end, or `nil` when a quoted field held
    /// `""` (unescaped in place). Valid only until the next call to ``next()``.
    public var rawRecord: UnsafeBufferPointer<UInt8>? {
        rawIntact ? UnsafeBufferPointer(start: buffer + rawStart, count: rawEnd - rawStart) : nil
    }

    /// Opens a file for reading.
    ///
    /// - Parameters:
    ///   - path: The file to read.
    ///   - limits: The field, record and chunk sizes.
    /// - Throws: ``CSVError`` of kind `io` when the file cannot be opened.
    public convenience init(path: String, limits: CSVLimits = CSVLimits()) throws(CSVError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw CSVError(
                kind: .io, message: "cannot open \(path): \(reason)", line: 0, column: 0, byteOffset: 0, record: 0)
        }
        self.init(fileDescriptor: fd, closeWhenDone: true, limits: limits)
    }

    /// Reads from an open file descriptor.
    ///
    /// - Parameters:
    ///   - fileDescriptor: A descriptor positioned at the start of the CSV data.
    ///   - closeWhenDone: Whether the reader closes the descriptor when it is released.
    ///   - limits: The field, record and chunk sizes.
    public init(fileDescriptor: Int32, closeWhenDone: Bool, limits: CSVLimits = CSVLimits()) {
        self.limits = limits
        self.fd = fileDescriptor
        self.ownsDescriptor = closeWhenDone
        self.capacity = limits.maxRecordBytes + limits.chunkBytes + 16
        self.buffer = .allocate(capacity: capacity)
        self.boundsCapacity = 64
        self.bounds = .allocate(capacity: 128)
        self.escaped = .allocate(capacity: 64)
    }

    /// Reads CSV data held in memory.
    ///
    /// - Parameters:
    ///   - bytes: The whole input.
    ///   - limits: The field and record sizes.
    public init(bytes: [UInt8], limits: CSVLimits = CSVLimits()) {
        self.limits = limits
        self.fd = -1
        self.ownsDescriptor = false
        self.capacity = max(bytes.count, 1)
        let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: max(bytes.count, 1))
        bytes.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { storage.update(from: base, count: source.count) }
        }
        self.buffer = storage
        self.end = bytes.count
        self.atEOF = true
        self.boundsCapacity = 64
        self.bounds = .allocate(capacity: 128)
        self.escaped = .allocate(capacity: 64)
    }

    deinit {
        buffer.deallocate()
        bounds.deallocate()
        escaped.deallocate()
        if ownsDescriptor && fd >= 0 { close(fd) }
    }

    /// The bytes of field `index` of the current record, quotes removed and `""` unescaped.
    ///
    /// Valid only until the next call to ``next()``.
    @inlinable @inline(__always)
    public func field(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let s = bounds[2 * index]
        let e = bounds[2 * index + 1]
        return UnsafeBufferPointer(start: buffer + s, count: e - s)
    }

    /// Field `index` of the current record as a `String` (allocates; not for the hot path).
    public func fieldString(_ index: Int) -> String {
        String(decoding: field(index), as: UTF8.self)
    }

    /// All fields of the current record as strings (allocates; not for the hot path).
    public func recordStrings() -> [String] {
        (0..<fieldCount).map(fieldString)
    }

    /// Advances to the next record.
    ///
    /// - Returns: `true` when a record was read, `false` at the end of the input.
    /// - Throws: ``CSVError`` at the first malformed byte, in byte order.
    public func next() throws(CSVError) -> Bool {
        if !startedBOMCheck { try skipBOM() }
        while true {
            switch scan() {
            case .record(let next, let lines, let lastLineStart):
                if let expected = expectedFieldCount {
                    if fieldCount != expected {
                        throw error(
                            .fieldCount, "record has \(fieldCount) fields, the first record has \(expected)",
                            at: start)
                    }
                } else {
                    expectedFieldCount = fieldCount
                }
                rawStart = start
                rawEnd = next
                if rawEnd > rawStart && buffer[rawEnd - 1] == UInt8(ascii: "\n") {
                    rawEnd -= 1
                    if rawEnd > rawStart && buffer[rawEnd - 1] == UInt8(ascii: "\r") { rawEnd -= 1 }
                }
                rawIntact = true
                if !lastScanPlain {
                    for i in 0..<fieldCount where escaped[i] { rawIntact = false }
                    finishRecord()
                }
                recordLine = line
                recordNumber += 1
                recordOffset = bufferFileOffset + start
                if lines > 0 {
                    line += lines
                    lineStartOffset = bufferFileOffset + lastLineStart
                }
                start = next
                return true
            case .endOfInput:
                fieldCount = 0
                return false
            case .needMore:
                try refill()
            case .failure(let kind, let message, let index, let lines, let lastLineStart):
                if lines > 0 {
                    line += lines
                    lineStartOffset = bufferFileOffset + lastLineStart
                }
                throw error(kind, message, at: index)
            }
        }
    }

    // MARK: - Scanning

    private enum ScanResult {
        /// A whole record: the index after its terminator, the line ends inside it and where the last began.
        case record(next: Int, lines: Int, lastLineStart: Int)
        case endOfInput
        case needMore
        case failure(CSVError.Kind, String, at: Int, lines: Int, lastLineStart: Int)
    }

    /// Byte classes for scanning; written once at initialization and only read afterwards.
    nonisolated(unsafe) private static let byteClass: UnsafeMutablePointer<UInt8> = {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        table.initialize(repeating: 0, count: 256)
        table[Int(UInt8(ascii: ","))] = 1
        table[Int(UInt8(ascii: "\n"))] = 2
        table[Int(UInt8(ascii: "\r"))] = 3
        table[Int(UInt8(ascii: "\""))] = 4
        table[0] = 5
        for b in 0x80..<0x100 { table[b] = 6 }
        return table
    }()

    private enum UTF8Check {
        case valid(length: Int)
        case invalid
        case needMore
    }

    /// Checks the multi-byte UTF-8 sequence starting at `p`.
    @inline(__always)
    private func checkUTF8(at p: Int) -> UTF8Check {
        let b0 = buffer[p]
        var length = 0
        var lo: UInt8 = 0x80
        var hi: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lo = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; hi = 0x9F
        case 0xF0: length = 4; lo = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; hi = 0x8F
        default: return .invalid
        }
        for k in 1..<length {
            if p + k >= end { return atEOF ? .invalid : .needMore }
            let b = buffer[p + k]
            if k == 1 {
                if b < lo || b > hi { return .invalid }
            } else if b < 0x80 || b > 0xBF {
                return .invalid
            }
        }
        return .valid(length: length)
    }

    private func ensureBoundsCapacity(_ fields: Int) {
        guard fields >= boundsCapacity else { return }
        let newCapacity = boundsCapacity * 2
        let newBounds = UnsafeMutablePointer<Int>.allocate(capacity: 2 * newCapacity)
        newBounds.update(from: bounds, count: 2 * boundsCapacity)
        bounds.deallocate()
        bounds = newBounds
        let newEscaped = UnsafeMutablePointer<Bool>.allocate(capacity: newCapacity)
        newEscaped.update(from: escaped, count: boundsCapacity)
        escaped.deallocate()
        escaped = newEscaped
        boundsCapacity = newCapacity
    }

    /// Scans one record starting at `start` without changing any state but the field bounds.
    private func scan() -> ScanResult {
        let buf = buffer
        let table = CSVReader.byteClass
        let end = self.end
        let recordStart = start
        var p = start
        var lines = 0
        var lastLineStart = 0
        var fields = 0

        if p == end { return atEOF ? .endOfInput : .needMore }
        // A line end at the start of a record is a blank line: one empty field, allowed only in one-column files.
        if buf[p] == UInt8(ascii: "\n") || buf[p] == UInt8(ascii: "\r") {
            let isCRLF = buf[p] == UInt8(ascii: "\r")
            if isCRLF && p + 1 == end && !atEOF { return .needMore }
            if isCRLF && (p + 1 == end || buf[p + 1] != UInt8(ascii: "\n")) {
                return .failure(
                    .bareCR, "carriage return not followed by a line feed", at: p, lines: 0, lastLineStart: 0)
            }
            if expectedFieldCount != 1 {
                return .failure(.blankLine, "blank line", at: p, lines: 0, lastLineStart: 0)
            }
            bounds[0] = p
            bounds[1] = p
            escaped[0] = false
            fieldCount = 1
            let next = p + (isCRLF ? 2 : 1)
            return .record(next: next, lines: 1, lastLineStart: next)
        }

        if let plain = scanPlain(from: p) {
            lastScanPlain = true
            return plain
        }
        lastScanPlain = false
        while true {
            ensureBoundsCapacity(fields + 1)
            let fieldStart = p
            var contentStart = p
            var contentEnd = p
            var hasEscapes = false
            var terminator = 0  // 0 none (EOF), 1 comma, 2 LF, 3 CRLF
            if p < end && buf[p] == UInt8(ascii: "\"") {
                p += 1
                contentStart = p
                let quoteLine = lines
                let quoteLineStart = lastLineStart
                quoted: while true {
                    while p < end {
                        let c = buf[p]
                        let cls = table[Int(c)]
                        if cls == 0 || cls == 1 || cls == 3 {
                            p += 1
                        } else if cls == 4 {
                            break
                        } else if cls == 2 {
                            p += 1
                            lines += 1
                            lastLineStart = p
                        } else if cls == 5 {
                            return .failure(.nulByte, "NUL byte", at: p, lines: lines, lastLineStart: lastLineStart)
                        } else {
                            switch checkUTF8(at: p) {
                            case .valid(let length): p += length
                            case .invalid:
                                return .failure(
                                    .invalidUTF8, "invalid UTF-8", at: p, lines: lines, lastLineStart: lastLineStart)
                            case .needMore: return tooLongOrMore(recordStart: recordStart, fieldStart: contentStart)
                            }
                        }
                    }
                    if p == end {
                        if atEOF && end - contentStart > limits.maxFieldBytes {
                            return .failure(
                                .fieldTooLong, "field longer than \(limits.maxFieldBytes) bytes", at: fieldStart,
                                lines: quoteLine, lastLineStart: quoteLineStart)
                        }
                        if atEOF {
                            return .failure(
                                .unterminatedQuote, "quoted field not closed before the end of the input",
                                at: fieldStart, lines: quoteLine, lastLineStart: quoteLineStart)
                        }
                        return tooLongOrMore(recordStart: recordStart, fieldStart: contentStart)
                    }
                    // buf[p] is a quote.
                    if p + 1 == end {
                        if !atEOF { return tooLongOrMore(recordStart: recordStart, fieldStart: contentStart) }
                        contentEnd = p
                        p += 1
                        break quoted
                    }
                    if buf[p + 1] == UInt8(ascii: "\"") {
                        hasEscapes = true
                        p += 2
                        continue
                    }
                    contentEnd = p
                    p += 1
                    break quoted
                }
                if p < end {
                    let c = buf[p]
                    if c == UInt8(ascii: ",") {
                        terminator = 1
                    } else if c == UInt8(ascii: "\n") {
                        terminator = 2
                    } else if c == UInt8(ascii: "\r") {
                        if p + 1 == end && !atEOF { return tooLongOrMore(recordStart: recordStart, fieldStart: p) }
                        if p + 1 < end && buf[p + 1] == UInt8(ascii: "\n") {
                            terminator = 3
                        } else {
                            return .failure(
                                .bareCR, "carriage return not followed by a line feed", at: p, lines: lines,
                                lastLineStart: lastLineStart)
                        }
                    } else {
                        return .failure(
                            .quoteGarbage, "data after a closing quote", at: p, lines: lines,
                            lastLineStart: lastLineStart)
                    }
                } else if !atEOF {
                    return tooLongOrMore(recordStart: recordStart, fieldStart: p)
                }
            } else {
                while p < end {
                    // Eight bytes at a time: stop at the first byte below 0x2D (which holds every delimiter, quote,
                    // CR, LF and NUL) or above 0x7F; only that byte is then classified.
                    while p + 8 <= end {
                        let word = UInt64(littleEndian: UnsafeRawPointer(buf + p).loadUnaligned(as: UInt64.self))
                        let candidates = ((word &- 0x2D2D_2D2D_2D2D_2D2D) & ~word | word) & 0x8080_8080_8080_8080
                        if candidates == 0 {
                            p += 8
                        } else {
                            p += candidates.trailingZeroBitCount >> 3
                            break
                        }
                    }
                    if p == end { break }
                    let cls = table[Int(buf[p])]
                    if cls == 0 {
                        p += 1
                        continue
                    }
                    if cls == 1 {
                        terminator = 1
                        break
                    }
                    if cls == 2 {
                        terminator = 2
                        break
                    }
                    if cls == 3 {
                        if p + 1 == end && !atEOF { return tooLongOrMore(recordStart: recordStart, fieldStart: p) }
                        if p + 1 < end && buf[p + 1] == UInt8(ascii: "\n") {
                            terminator = 3
                            break
                        }
                        return .failure(
                            .bareCR, "carriage return not followed by a line feed", at: p, lines: lines,
                            lastLineStart: lastLineStart)
                    }
                    if cls == 4 {
                        return .failure(
                            .bareQuote, "double quote in an unquoted field", at: p, lines: lines,
                            lastLineStart: lastLineStart)
                    }
                    if cls == 5 {
                        return .failure(.nulByte, "NUL byte", at: p, lines: lines, lastLineStart: lastLineStart)
                    }
                    switch checkUTF8(at: p) {
                    case .valid(let length): p += length
                    case .invalid:
                        return .failure(
                            .invalidUTF8, "invalid UTF-8", at: p, lines: lines, lastLineStart: lastLineStart)
                    case .needMore: return tooLongOrMore(recordStart: recordStart, fieldStart: fieldStart)
                    }
                }
                if p == end && !atEOF { return tooLongOrMore(recordStart: recordStart, fieldStart: fieldStart) }
                contentStart = fieldStart
                contentEnd = p
            }
            if contentEnd - contentStart > limits.maxFieldBytes {
                return .failure(
                    .fieldTooLong, "field longer than \(limits.maxFieldBytes) bytes", at: fieldStart, lines: 0,
                    lastLineStart: 0)
            }
            if p - recordStart > limits.maxRecordBytes {
                return .failure(
                    .recordTooLong, "record longer than \(limits.maxRecordBytes) bytes", at: recordStart, lines: 0,
                    lastLineStart: 0)
            }
            bounds[2 * fields] = contentStart
            bounds[2 * fields + 1] = contentEnd
            escaped[fields] = hasEscapes
            fields += 1
            switch terminator {
            case 1:
                p += 1
            case 2:
                fieldCount = fields
                return .record(next: p + 1, lines: lines + 1, lastLineStart: p + 1)
            case 3:
                fieldCount = fields
                return .record(next: p + 2, lines: lines + 1, lastLineStart: p + 2)
            default:
                fieldCount = fields
                return .record(next: p, lines: lines, lastLineStart: lastLineStart)
            }
        }
    }

    /// The fast path of ``scan()`` for the common record: ASCII without quotes, CR or NUL, ending in LF inside the
    /// buffer, within the limits and the bounds' capacity. Eight bytes at a time: the exact masks of its commas and of
    /// its other bytes below 0x2D or above 0x7F, walked in byte order. Returns `nil`, having changed nothing that
    /// ``scan()`` does not redo, for anything else (``scan()`` then reads the record, and reports what it must).
    @inline(__always)
    private func scanPlain(from recordStart: Int) -> ScanResult? {
        let buf = buffer
        let table = CSVReader.byteClass
        let end = self.end
        let bounds = self.bounds
        let escaped = self.escaped
        let maxFields = boundsCapacity - 1
        let maxFieldBytes = limits.maxFieldBytes
        var p = recordStart
        var fieldStart = recordStart
        var fields = 0
        let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        let high: UInt64 = 0x8080_8080_8080_8080
        while p + 8 <= end {
            let word = UInt64(littleEndian: UnsafeRawPointer(buf + p).loadUnaligned(as: UInt64.self))
            // Bytes equal to ',' (exact: no borrow crosses a byte), and bytes below 0x2D or above 0x7F.
            let t = word ^ 0x2C2C_2C2C_2C2C_2C2C
            let commas = ~(((t & low) &+ low) | t) & high
            let below = ~(((word & low) &+ 0x5353_5353_5353_5353) | word) & high
            var marks = below | (word & high)
            while marks != 0 {
                let bit = marks & (0 &- marks)
                let q = p + (bit.trailingZeroBitCount &>> 3)
                if commas & bit != 0 {
                    guard fields < maxFields, q - fieldStart <= maxFieldBytes else { return nil }
                    bounds[2 * fields] = fieldStart
                    bounds[2 * fields + 1] = q
                    escaped[fields] = false
                    fields += 1
                    fieldStart = q + 1
                } else {
                    let c = buf[q]
                    if c == UInt8(ascii: "\n") {
                        guard q - fieldStart <= maxFieldBytes, q - recordStart <= limits.maxRecordBytes else {
                            return nil
                        }
                        bounds[2 * fields] = fieldStart
                        bounds[2 * fields + 1] = q
                        escaped[fields] = false
                        fieldCount = fields + 1
                        return .record(next: q + 1, lines: 1, lastLineStart: q + 1)
                    }
                    // Space and the like go on; a quote, CR, NUL or non-ASCII byte is for scan().
                    if table[Int(c)] != 0 { return nil }
                }
                marks &= marks &- 1
            }
            p += 8
            if p - recordStart > limits.maxRecordBytes { return nil }
        }
        return nil
    }

    /// At the end of the buffer inside a record: an error when the record is already over a limit, else more data.
    private func tooLongOrMore(recordStart: Int, fieldStart: Int) -> ScanResult {
        if end - fieldStart > limits.maxFieldBytes {
            return .failure(
                .fieldTooLong, "field longer than \(limits.maxFieldBytes) bytes", at: fieldStart, lines: 0,
                lastLineStart: 0)
        }
        if end - recordStart > limits.maxRecordBytes {
            return .failure(
                .recordTooLong, "record longer than \(limits.maxRecordBytes) bytes", at: recordStart, lines: 0,
                lastLineStart: 0)
        }
        return .needMore
    }

    /// Unescapes `""` in the quoted fields of the record just scanned, in place.
    private func finishRecord() {
        for i in 0..<fieldCount where escaped[i] {
            var read = bounds[2 * i]
            let fieldEnd = bounds[2 * i + 1]
            var write = read
            while read < fieldEnd {
                let c = buffer[read]
                buffer[write] = c
                write += 1
                read += (c == UInt8(ascii: "\"")) ? 2 : 1
            }
            bounds[2 * i + 1] = write
        }
    }

    // MARK: - Input

    private func skipBOM() throws(CSVError) {
        while end - start < 3 && !atEOF { try refill() }
        startedBOMCheck = true
        if end - start >= 3 && buffer[start] == 0xEF && buffer[start + 1] == 0xBB && buffer[start + 2] == 0xBF {
            start += 3
            lineStartOffset = bufferFileOffset + start
        }
    }

    /// Moves the unconsumed bytes to the front of the buffer and reads more after them.
    private func refill() throws(CSVError) {
        if atEOF { return }
        if start > 0 {
            let remaining = end - start
            if remaining > 0 { buffer.update(from: buffer + start, count: remaining) }
            bufferFileOffset += start
            start = 0
            end = remaining
        }
        let want = min(limits.chunkBytes, capacity - end)
        precondition(want > 0, "CSV buffer full: limits are enforced before this point")
        while true {
            let n = read(fd, buffer + end, want)
            if n > 0 {
                end += n
                return
            }
            if n == 0 {
                atEOF = true
                return
            }
            if errno == EINTR { continue }
            let reason = String(cString: strerror(errno))
            throw error(.io, "read failed: \(reason)", at: end)
        }
    }

    private func error(_ kind: CSVError.Kind, _ message: String, at index: Int) -> CSVError {
        let offset = bufferFileOffset + index
        return CSVError(
            kind: kind, message: message, line: line, column: max(1, offset - lineStartOffset + 1), byteOffset: offset,
            record: recordNumber + 1)
    }
}
