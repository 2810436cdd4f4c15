#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a customer key is normalized before it is tokenized, so that two banks' spellings of one id meet.
public enum KeyNormalization: String, Sendable, CaseIterable {
    /// Leading and trailing ASCII whitespace (space, tab, LF, VT, FF, CR) removed; nothing else changes.
    case trim
    /// Only the ASCII digits kept (`123-45-6789` and `123456789` meet).
    case digits

    /// Whether `byte` is ASCII whitespace as ``trim`` removes it.
    @inline(__always)
    public static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0d)
    }

    /// Whether a raw key starts or ends with ASCII whitespace (which, untokenized, makes one customer two).
    @inline(__always)
    public static func hasOuterWhitespace(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = key.first, let last = key.last else { return false }
        return isWhitespace(first) || isWhitespace(last)
    }

    /// Normalizes `key` and calls `body` with the result (a slice of `key` for ``trim``, `scratch` for ``digits``;
    /// `scratch` must hold at least `key.count` bytes).
    @inline(__always)
    public func apply<R>(
        _ key: UnsafeBufferPointer<UInt8>, scratch: UnsafeMutablePointer<UInt8>,
        _ body: (UnsafeBufferPointer<UInt8>) -> R
    ) -> R {
        switch self {
        case .trim:
            var start = 0
            var end = key.count
            while start < end && KeyNormalization.isWhitespace(key[start]) { start += 1 }
            while end > start && KeyNormalization.isWhitespace(key[end - 1]) { end -= 1 }
            return body(UnsafeBufferPointer(rebasing: key[start..<end]))
        case .digits:
            var n = 0
            for byte in key where byte &- 0x30 < 10 {
                scratch[n] = byte
                n += 1
            }
            return body(UnsafeBufferPointer(start: scratch, count: n))
        }
    }
}

/// The key a bank consortium shares and the scoring service never gets: 256 random bits, kept in a file readable only
/// by its owner (64 lowercase hex characters and a newline).
///
/// A customer key's token is `HMAC-SHA256(key, normalize(customer key))` cut to its first 128 bits and written as 32
/// lowercase hex characters; the key's fingerprint, its *key id*, is the first 8 bytes of `HMAC-SHA256(key, "vfl key
/// id")` in hex, which tells whether two parties used the same key without revealing it.
public struct ConsortiumKey: Sendable {
    /// Bytes of a new key.
    public static let byteCount = 32
    /// Bytes of a token (128 bits).
    public static let tokenBytes = 16
    /// Characters of a token in hex.
    public static let tokenLength = 32

    private let mac: HMACSHA256

    /// The key's fingerprint: the first 8 bytes of `HMAC-SHA256(key, "vfl key id")`, 16 lowercase hex characters.
    public let keyID: String

    /// A key from its bytes (any length; vfl makes 32).
    ///
    /// - Parameters:
    ///   - bytes: The key.
    ///   - hardware: Whether tokens are computed on the CPU's SHA extensions where it has them
    ///     (``HMACSHA256/init(key:hardware:)``); the tokens are the same either way.
    public init(bytes: [UInt8], hardware: Bool = HMACSHA256.hardwareAvailable) {
        mac = HMACSHA256(key: bytes, hardware: hardware)
        keyID = SHA256.hex(Array(mac.authenticate(Array("vfl key id".utf8)).prefix(8)))
    }

    /// A key error: a sentence naming the file (never the key).
    public struct Error: Swift.Error, CustomStringConvertible, Sendable {
        /// What is wrong.
        public var message: String
        /// The message.
        public var description: String { message }
    }

    /// Reads a key file: 64 hex characters (surrounding whitespace allowed), readable by its owner only.
    ///
    /// - Throws: ``Error`` when the file cannot be read, other users may read it, or it does not hold a key.
    public init(file path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw Error(message: "cannot open the key file \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw Error(message: "the key file \(path) is not a regular file")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw Error(
                message: "the key file \(path) may be read by other users (mode "
                    + String(info.st_mode & 0o777, radix: 8) + "); chmod 600 it")
        }
        var bytes = [UInt8](repeating: 0, count: 256)
        var count = 0
        while count < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw Error(message: "cannot read the key file \(path)") }
            if n == 0 { break }
            count += n
        }
        let text = bytes[0..<count].filter { !KeyNormalization.isWhitespace($0) }
        guard text.count == 2 * ConsortiumKey.byteCount, let key = ConsortiumKey.decodeHex(text) else {
            throw Error(
                message:
                    "the key file \(path) does not hold a key (64 hex characters, as vfl tokenize --new-key writes)"
            )
        }
        self.init(bytes: key)
    }

    /// Writes a new random key to `path`, which must not exist, readable and writable by its owner only (0600).
    ///
    /// - Returns: The new key.
    /// - Throws: ``Error`` when the file exists or cannot be written.
    @discardableResult
    public static func create(file path: String) throws -> ConsortiumKey {
        var generator = SystemRandomNumberGenerator()  // getrandom(2) on Linux
        var key: [UInt8] = []
        for _ in 0..<(byteCount / 8) {
            let word = generator.next()
            for shift in stride(from: 0, to: 64, by: 8) { key.append(UInt8(truncatingIfNeeded: word >> shift)) }
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let reason = errno == EEXIST ? "it exists (a key is never overwritten)" : String(cString: strerror(errno))
            throw Error(message: "cannot create the key file \(path): \(reason)")
        }
        // The mode given to open(2) is reduced by the umask, never widened; fchmod makes it exactly 0600.
        fchmod(fd, 0o600)
        let text = Array((SHA256.hex(key) + "\n").utf8)
        let written = text.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == text.count, synced else {
            unlink(path)
            throw Error(message: "cannot write the key file \(path)")
        }
        return ConsortiumKey(bytes: key)
    }

    /// Writes the token of an already normalized key as 32 lowercase hex characters to `output`.
    @inline(__always)
    public func writeToken(of normalized: UnsafeBufferPointer<UInt8>, to output: UnsafeMutablePointer<UInt8>) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { digest in
            let d = digest.baseAddress!
            if normalized.count <= HMACSHA256.shortMessageLimit {
                mac.authenticate(short: normalized, into: d, count: ConsortiumKey.tokenBytes)
            } else {
                let full = mac.authenticate(normalized)
                for i in 0..<ConsortiumKey.tokenBytes { d[i] = full[i] }
            }
            ConsortiumKey.writeHex(of: UnsafeRawPointer(d), to: output)
        }
    }

    /// Writes the tokens of ``HMACSHA256/lanes`` normalized keys, each of at most ``HMACSHA256/shortMessageLimit``
    /// bytes at the start of its 64-byte slot of `blocks` (the slots are overwritten), as 32 hex characters each to
    /// `output`.
    @inline(__always)
    public func writeTokens(
        lanes blocks: UnsafeMutablePointer<UInt8>, lengths: UnsafePointer<Int>, to output: UnsafeMutablePointer<UInt8>
    ) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: HMACSHA256.lanes * ConsortiumKey.tokenBytes) {
            digests in
            let d = digests.baseAddress!
            mac.authenticate(lanes: blocks, lengths: lengths, into: d, count: ConsortiumKey.tokenBytes)
            for j in 0..<HMACSHA256.lanes {
                ConsortiumKey.writeHex(
                    of: UnsafeRawPointer(d + ConsortiumKey.tokenBytes * j), to: output + ConsortiumKey.tokenLength * j)
            }
        }
    }

    /// The token of an already normalized key, as text (tests and tools; the hot path is
    /// ``writeToken(of:to:)``).
    public func token(of normalized: [UInt8]) -> String {
        var out = [UInt8](repeating: 0, count: ConsortiumKey.tokenLength)
        normalized.withUnsafeBufferPointer { key in
            out.withUnsafeMutableBufferPointer { writeToken(of: key, to: $0.baseAddress!) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether `bytes` are a token's form: 32 lowercase hex characters.
    @inline(__always)
    public static func isToken(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        tokenBits(bytes) != nil
    }

    /// A token's 128 bits (the first 16 characters' in `high`), or `nil` when `bytes` are not 32 lowercase hex
    /// characters: eight characters at a time, checked and decoded with byte-wise arithmetic in a 64-bit word.
    @inline(__always)
    public static func tokenBits(_ bytes: UnsafeBufferPointer<UInt8>) -> (high: UInt64, low: UInt64)? {
        guard bytes.count == tokenLength, let base = bytes.baseAddress else { return nil }
        let raw = UnsafeRawPointer(base)
        func word(_ i: Int) -> UInt64 {
            UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))
        }
        guard let a = decodeHex8(word(0)), let b = decodeHex8(word(1)), let c = decodeHex8(word(2)),
            let d = decodeHex8(word(3))
        else { return nil }
        return (UInt64(a) << 32 | UInt64(b), UInt64(c) << 32 | UInt64(d))
    }

    /// Writes a token's 128 bits as its 32 lowercase hex characters (the inverse of ``tokenBits(_:)``).
    @inline(__always)
    public static func writeTokenText(high: UInt64, low: UInt64, to output: UnsafeMutablePointer<UInt8>) {
        let raw = UnsafeMutableRawPointer(output)
        func put(_ value: UInt64, _ i: Int) {
            raw.storeBytes(
                of: encodeHex8(UInt32(truncatingIfNeeded: value)).littleEndian, toByteOffset: 8 * i, as: UInt64.self)
        }
        put(high >> 32, 0)
        put(high, 1)
        put(low >> 32, 2)
        put(low, 3)
    }

    /// Writes the 16 bytes at `digest` as 32 lowercase hex characters.
    @inline(__always)
    static func writeHex(of digest: UnsafeRawPointer, to output: UnsafeMutablePointer<UInt8>) {
        let high = UInt64(bigEndian: digest.loadUnaligned(as: UInt64.self))
        let low = UInt64(bigEndian: digest.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        writeTokenText(high: high, low: low, to: output)
    }

    /// The value of eight lowercase hex characters loaded little-endian into `word` (the first character the most
    /// significant), or `nil` when one is not `0-9a-f`.
    @inline(__always)
    static func decodeHex8(_ word: UInt64) -> UInt32? {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high = ones &* 0x80
        guard word & high == 0 else { return nil }
        // Every byte is below 0x80, so adding at most 0x50 carries into no other byte: bit 7 says "at least".
        let digit = (word &+ ones &* 0x50) & ~(word &+ ones &* 0x46) & high  // 0x30 ..< 0x3A
        let letter = (word &+ ones &* 0x1F) & ~(word &+ ones &* 0x19) & high  // 0x61 ..< 0x67
        guard digit | letter == high else { return nil }
        let nibbles = (word & (ones &* 0x0F)) &+ (letter &>> 7) &* 9
        // Pairs of nibbles into bytes, then the four bytes together.
        var x = ((nibbles & 0x0F00_0F00_0F00_0F00) &>> 8) | ((nibbles & 0x000F_000F_000F_000F) &<< 4)
        x = (x | (x &>> 8)) & 0x0000_FFFF_0000_FFFF
        x = (x | (x &>> 16)) & 0xFFFF_FFFF
        return UInt32(truncatingIfNeeded: x).byteSwapped
    }

    /// Eight lowercase hex characters of `value`, the first (most significant) in the word's lowest byte.
    @inline(__always)
    static func encodeHex8(_ value: UInt32) -> UInt64 {
        var x = UInt64(value.byteSwapped)
        x = (x | (x &<< 16)) & 0x0000_FFFF_0000_FFFF
        x = (x | (x &<< 8)) & 0x00FF_00FF_00FF_00FF
        let nibbles = ((x &>> 4) & 0x000F_000F_000F_000F) | ((x & 0x000F_000F_000F_000F) &<< 8)
        let ones: UInt64 = 0x0101_0101_0101_0101
        // 10 and above get the distance from '9' + 1 to 'a' more: (n + 6) reaches bit 4 exactly then.
        let letters = ((nibbles &+ ones &* 6) & (ones &* 0x10)) &>> 4
        return nibbles &+ ones &* 0x30 &+ letters &* 0x27
    }

    /// Decodes lowercase or uppercase hex, or `nil` when `text` is not hex of even length.
    static func decodeHex<Bytes: Collection>(_ text: Bytes) -> [UInt8]? where Bytes.Element == UInt8 {
        guard text.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x61...0x66: c - 0x61 + 10
            case 0x41...0x46: c - 0x41 + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        var high: UInt8?
        for c in text {
            guard let v = value(c) else { return nil }
            if let h = high {
                out.append(h << 4 | v)
                high = nil
            } else {
                high = v
            }
        }
        return out
    }
}
