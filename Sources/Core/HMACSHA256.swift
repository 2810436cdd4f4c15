internal import CLinux

/// HMAC-SHA256 (RFC 2104) on ``SHA256``, checked against the RFC 4231 test vectors.
///
/// The key is fixed per instance, so the hash states after the key's inner and outer pad blocks are computed once;
/// each message then costs its own blocks plus one for the outer hash. ``authenticate(short:into:count:)`` is the hot
/// path for customer keys (up to 55 bytes: exactly two compressions, no allocation). On an x86 CPU with the SHA
/// extensions those two compressions run on them (``hardwareAvailable``); elsewhere in portable Swift, eight messages
/// at a time on SIMD lanes (``authenticate(lanes:lengths:into:count:)``).
public struct HMACSHA256: Sendable {
    private let inner: SHA256.State
    private let outer: SHA256.State
    private let hardware: Bool

    /// Whether this CPU has the x86 SHA extensions (SHA-NI), which the short-message paths then use.
    public static let hardwareAvailable = vfl_sha256_hardware_available() != 0

    /// The longest message ``authenticate(short:into:count:)`` takes: one block with its padding.
    public static let shortMessageLimit = 55

    /// Creates an authenticator for `key` (a key longer than 64 bytes is hashed first, as RFC 2104 says).
    ///
    /// - Parameters:
    ///   - key: The key.
    ///   - hardware: Whether the short-message paths use the SHA extensions; `false` keeps them on the portable
    ///     code (tests compare the two). Ignored, as `false`, where ``hardwareAvailable`` is `false`.
    public init(key: [UInt8], hardware: Bool = HMACSHA256.hardwareAvailable) {
        self.hardware = hardware && HMACSHA256.hardwareAvailable
        var block = key
        if block.count > 64 {
            var hasher = SHA256()
            hasher.update(block)
            block = hasher.finalize()
        }
        block += [UInt8](repeating: 0, count: 64 - block.count)
        var inner = SHA256.State()
        var outer = SHA256.State()
        (block.map { $0 ^ 0x36 }).withUnsafeBytes { SHA256.compress(&inner, bytes: $0.baseAddress!) }
        (block.map { $0 ^ 0x5c }).withUnsafeBytes { SHA256.compress(&outer, bytes: $0.baseAddress!) }
        self.inner = inner
        self.outer = outer
    }

    /// The 32-byte HMAC of a message of any length.
    public func authenticate(_ message: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        if message.count <= HMACSHA256.shortMessageLimit {
            var out = [UInt8](repeating: 0, count: 32)
            out.withUnsafeMutableBufferPointer { authenticate(short: message, into: $0.baseAddress!, count: 32) }
            return out
        }
        var hasher = SHA256(state: inner, totalBytes: 64)
        hasher.update(message)
        let digest = hasher.finalize()
        var outerHasher = SHA256(state: outer, totalBytes: 64)
        outerHasher.update(digest)
        return outerHasher.finalize()
    }

    /// The 32-byte HMAC of a message of any length.
    public func authenticate(_ message: [UInt8]) -> [UInt8] {
        message.withUnsafeBufferPointer { authenticate($0) }
    }

    /// Messages ``authenticate(lanes:lengths:into:count:)`` takes at once.
    public static let lanes = 8

    /// Writes the first `count` bytes (at most 32) of the HMACs of ``lanes`` messages of at most ``shortMessageLimit``
    /// bytes each to `output` (`count` bytes per message, in order), all at once on SIMD lanes.
    ///
    /// - Parameters:
    ///   - blocks: ``lanes`` 64-byte slots, message `j` at the start of slot `j`; the rest of each slot is
    ///     overwritten (padding).
    ///   - lengths: The messages' lengths.
    @inline(__always)
    public func authenticate(
        lanes blocks: UnsafeMutablePointer<UInt8>, lengths: UnsafePointer<Int>,
        into output: UnsafeMutablePointer<UInt8>,
        count: Int
    ) {
        precondition(count <= 32)
        if hardware {
            // One message after another: the SHA instructions' rounds are faster than eight lanes of SSE2.
            for j in 0..<HMACSHA256.lanes {
                authenticateOnHardware(
                    short: UnsafeBufferPointer(start: blocks + 64 * j, count: lengths[j]), into: output + count * j,
                    count: count)
            }
            return
        }
        withUnsafeTemporaryAllocation(of: SHA256.Lanes.self, capacity: 64) { words in
            let w = words.baseAddress!
            // Lane j of word i is the scalar at i * lanes + j: written and read as scalars, never by lane insertion
            // or extraction (shuffles on SSE2).
            let scalars = UnsafeMutableRawPointer(w).assumingMemoryBound(to: UInt32.self)
            let lanes = HMACSHA256.lanes
            for j in 0..<lanes {
                let n = lengths[j]
                precondition(n <= HMACSHA256.shortMessageLimit)
                let slot = blocks + 64 * j
                (slot + n).initialize(repeating: 0, count: 64 - n)
                slot[n] = 0x80
                let raw = UnsafeRawPointer(slot)
                for i in 0..<14 {
                    scalars[i * lanes + j] = UInt32(
                        bigEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
                }
                scalars[14 * lanes + j] = 0
                scalars[15 * lanes + j] = UInt32((64 + n) * 8)
            }
            var state = SHA256.State4(inner)
            SHA256.compress4(&state, words: w)
            w[0] = state.a
            w[1] = state.b
            w[2] = state.c
            w[3] = state.d
            w[4] = state.e
            w[5] = state.f
            w[6] = state.g
            w[7] = state.h
            w[8] = SHA256.Lanes(repeating: 0x8000_0000)
            for i in 9..<15 { w[i] = SHA256.Lanes(repeating: 0) }
            w[15] = SHA256.Lanes(repeating: (64 + 32) * 8)
            var result = SHA256.State4(outer)
            SHA256.compress4(&result, words: w)
            w[0] = result.a
            w[1] = result.b
            w[2] = result.c
            w[3] = result.d
            w[4] = result.e
            w[5] = result.f
            w[6] = result.g
            w[7] = result.h
            for j in 0..<lanes {
                let target = output + count * j
                for i in 0..<count {
                    target[i] = UInt8(truncatingIfNeeded: scalars[(i / 4) * lanes + j] >> (24 - 8 * UInt32(i % 4)))
                }
            }
        }
    }

    /// Writes the first `count` bytes (at most 32) of the HMAC of a message of at most ``shortMessageLimit`` bytes
    /// to `output`: two compressions, nothing allocated.
    @inline(__always)
    public func authenticate(
        short message: UnsafeBufferPointer<UInt8>, into output: UnsafeMutablePointer<UInt8>, count: Int
    ) {
        precondition(message.count <= HMACSHA256.shortMessageLimit && count <= 32)
        if hardware {
            authenticateOnHardware(short: message, into: output, count: count)
            return
        }
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { words in
            let w = words.baseAddress!
            // The inner block: the message, 0x80, zeros, and the bit length of pad block plus message.
            let raw = UnsafeMutableRawPointer(w)
            raw.initializeMemory(as: UInt8.self, repeating: 0, count: 64)
            if message.count > 0 { raw.copyMemory(from: message.baseAddress!, byteCount: message.count) }
            raw.storeBytes(of: 0x80, toByteOffset: message.count, as: UInt8.self)
            for i in 0..<14 { w[i] = UInt32(bigEndian: w[i]) }
            w[14] = 0
            w[15] = UInt32((64 + message.count) * 8)
            var state = inner
            SHA256.compress(&state, words: w)
            // The outer block: the inner digest's words, 0x80, zeros, and (64 + 32) * 8 bits.
            w[0] = state.a
            w[1] = state.b
            w[2] = state.c
            w[3] = state.d
            w[4] = state.e
            w[5] = state.f
            w[6] = state.g
            w[7] = state.h
            w[8] = 0x8000_0000
            for i in 9..<15 { w[i] = 0 }
            w[15] = (64 + 32) * 8
            var result = outer
            SHA256.compress(&result, words: w)
            w[0] = result.a.bigEndian
            w[1] = result.b.bigEndian
            w[2] = result.c.bigEndian
            w[3] = result.d.bigEndian
            w[4] = result.e.bigEndian
            w[5] = result.f.bigEndian
            w[6] = result.g.bigEndian
            w[7] = result.h.bigEndian
            output.update(from: UnsafeRawPointer(w).assumingMemoryBound(to: UInt8.self), count: count)
        }
    }

    /// ``authenticate(short:into:count:)`` on the SHA extensions: the same two blocks, compressed by
    /// `vfl_sha256_compress_hardware` (Sources/CLinux/sha256.h).
    @inline(__always)
    private func authenticateOnHardware(
        short message: UnsafeBufferPointer<UInt8>, into output: UnsafeMutablePointer<UInt8>, count: Int
    ) {
        precondition(message.count <= HMACSHA256.shortMessageLimit && count <= 32)
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 24) { words in
            let w = words.baseAddress!
            let state = w + 16
            let raw = UnsafeMutableRawPointer(w)
            raw.initializeMemory(as: UInt8.self, repeating: 0, count: 64)
            if message.count > 0 { raw.copyMemory(from: message.baseAddress!, byteCount: message.count) }
            raw.storeBytes(of: 0x80, toByteOffset: message.count, as: UInt8.self)
            for i in 0..<14 { w[i] = UInt32(bigEndian: w[i]) }
            w[14] = 0
            w[15] = UInt32((64 + message.count) * 8)
            inner.store(to: state)
            vfl_sha256_compress_hardware(state, w)
            for i in 0..<8 { w[i] = state[i] }
            w[8] = 0x8000_0000
            for i in 9..<15 { w[i] = 0 }
            w[15] = (64 + 32) * 8
            outer.store(to: state)
            vfl_sha256_compress_hardware(state, w)
            for i in 0..<8 { w[i] = state[i].bigEndian }
            output.update(from: UnsafeRawPointer(w).assumingMemoryBound(to: UInt8.self), count: count)
        }
    }
}

extension SHA256.State {
    /// Writes a..h to `words[0..<8]`.
    @inline(__always)
    fileprivate func store(to words: UnsafeMutablePointer<UInt32>) {
        words[0] = a
        words[1] = b
        words[2] = c
        words[3] = d
        words[4] = e
        words[5] = f
        words[6] = g
        words[7] = h
    }
}
