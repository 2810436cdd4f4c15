#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SHA-256 (FIPS 180-4), for model ids, manifest checksums and HMAC-SHA256 (``HMACSHA256``).
///
/// Incremental: ``update(_:)`` any number of times, then ``finalize()``. Checked against the NIST example vectors
/// in the tests.
public struct SHA256: Sendable {
    /// The eight working words of the hash.
    struct State {
        var a: UInt32 = 0x6a09_e667
        var b: UInt32 = 0xbb67_ae85
        var c: UInt32 = 0x3c6e_f372
        var d: UInt32 = 0xa54f_f53a
        var e: UInt32 = 0x510e_527f
        var f: UInt32 = 0x9b05_688c
        var g: UInt32 = 0x1f83_d9ab
        var h: UInt32 = 0x5be0_cd19
    }

    private var state = State()
    private var block: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var blockCount = 0
    private var totalBytes: UInt64 = 0

    /// Creates a hasher in its initial state.
    public init() {}

    /// A hasher that continues from `state` after `totalBytes` bytes (whole blocks): HMAC's precomputed pads.
    init(state: State, totalBytes: UInt64) {
        self.state = state
        self.totalBytes = totalBytes
    }

    /// The hex digest of `bytes`.
    public static func hex<Bytes: Sequence>(of bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var hasher = SHA256()
        hasher.update(Array(bytes))
        return hex(hasher.finalize())
    }

    /// The hex digest of everything readable from `fileDescriptor` (from its current offset).
    ///
    /// - Throws: ``SystemError`` when a read fails.
    public static func hex(ofFileDescriptor fileDescriptor: Int32) throws -> String {
        var hasher = SHA256()
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 1 << 20)
        defer { buffer.deallocate() }
        while true {
            let n = try retryingSyscall("read") { read(fileDescriptor, buffer.baseAddress!, buffer.count) }
            if n == 0 { break }
            hasher.update(UnsafeBufferPointer(rebasing: buffer[0..<n]))
        }
        return hex(hasher.finalize())
    }

    /// The hex digest of a file.
    ///
    /// - Throws: ``SystemError`` when it cannot be opened or read.
    public static func hex(ofFile path: String) throws -> String {
        let fd = try retryingSyscall("open", path: path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        return try hex(ofFileDescriptor: fd)
    }

    /// Lowercase hex of bytes.
    static func hex(_ digest: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: digest.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }, as: UTF8.self)
    }

    /// Adds bytes to the message.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { update($0) }
    }

    /// Adds bytes to the message.
    public mutating func update(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress else { return }
        totalBytes &+= UInt64(bytes.count)
        var index = 0
        while index < bytes.count {
            if blockCount == 0 && bytes.count - index >= 64 {
                SHA256.compress(&state, bytes: UnsafeRawPointer(base + index))
                index += 64
                continue
            }
            let take = min(64 - blockCount, bytes.count - index)
            withUnsafeMutableBytes(of: &block) { raw in
                raw.baseAddress!.advanced(by: blockCount).copyMemory(from: base + index, byteCount: take)
            }
            blockCount += take
            index += take
            if blockCount == 64 {
                withUnsafeBytes(of: &block) { SHA256.compress(&state, bytes: $0.baseAddress!) }
                blockCount = 0
            }
        }
    }

    /// Pads the message and returns the 32-byte digest.
    public mutating func finalize() -> [UInt8] {
        let bitLength = totalBytes &* 8
        var padding: [UInt8] = [0x80]
        let afterPad = (blockCount + 1) % 64
        let zeros = afterPad <= 56 ? 56 - afterPad : 120 - afterPad
        padding += [UInt8](repeating: 0, count: zeros)
        for shift in stride(from: 56, through: 0, by: -8) {
            padding.append(UInt8(truncatingIfNeeded: bitLength >> shift))
        }
        let saved = totalBytes
        update(padding)
        totalBytes = saved
        let words = [state.a, state.b, state.c, state.d, state.e, state.f, state.g, state.h]
        return words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (24 - 8 * $0)) } }
    }

    /// The state after the blocks so far (only meaningful at a block boundary).
    var midstate: State { state }

    /// Compresses one 64-byte block of message bytes into `state`.
    @inline(__always)
    static func compress(_ state: inout State, bytes: UnsafeRawPointer) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
            for i in 0..<16 { w[i] = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)) }
            compress(&state, words: w.baseAddress!)
        }
    }

    /// Compresses one block given as 16 big-endian-decoded words in `w[0..<16]`; `w` has room for 64 words (the
    /// message schedule is expanded in place).
    @inline(__always)
    static func compress(_ state: inout State, words w: UnsafeMutablePointer<UInt32>) {
        for i in 16..<64 {
            let x = w[i - 15]
            let y = w[i - 2]
            let s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x &>> 3)
            let s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y &>> 10)
            w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
        }
        let k = sha256RoundConstants
        var a = state.a
        var b = state.b
        var c = state.c
        var d = state.d
        var e = state.e
        var f = state.f
        var g = state.g
        var h = state.h
        var i = 0
        // Eight rounds per turn with the working variables renamed instead of moved.
        while i < 64 {
            round(a, b, c, &d, e, f, g, &h, k[i] &+ w[i])
            round(h, a, b, &c, d, e, f, &g, k[i + 1] &+ w[i + 1])
            round(g, h, a, &b, c, d, e, &f, k[i + 2] &+ w[i + 2])
            round(f, g, h, &a, b, c, d, &e, k[i + 3] &+ w[i + 3])
            round(e, f, g, &h, a, b, c, &d, k[i + 4] &+ w[i + 4])
            round(d, e, f, &g, h, a, b, &c, k[i + 5] &+ w[i + 5])
            round(c, d, e, &f, g, h, a, &b, k[i + 6] &+ w[i + 6])
            round(b, c, d, &e, f, g, h, &a, k[i + 7] &+ w[i + 7])
            i += 8
        }
        state.a &+= a
        state.b &+= b
        state.c &+= c
        state.d &+= d
        state.e &+= e
        state.f &+= f
        state.g &+= g
        state.h &+= h
    }

    /// One round: `d` and `h` are the variables it writes.
    @inline(__always)
    private static func round(
        _ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32, _ e: UInt32, _ f: UInt32, _ g: UInt32,
        _ h: inout UInt32, _ kw: UInt32
    ) {
        let t1 = h &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ ((e & f) ^ (~e & g)) &+ kw
        let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
        d &+= t1
        h = t1 &+ t2
    }

    @inline(__always)
    private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x &>> n) | (x &<< (32 &- n)) }
}

/// The 64 round constants, in memory allocated once (no array bounds checks or reference counting per round).
nonisolated(unsafe) private let sha256RoundConstants: UnsafePointer<UInt32> = {
    let k: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]
    let pointer = UnsafeMutablePointer<UInt32>.allocate(capacity: 64)
    pointer.initialize(from: k, count: 64)
    return UnsafePointer(pointer)
}()

extension SHA256 {
    /// The lanes of ``compress4(_:words:)``: eight messages, two SSE2 vectors of four (two independent dependency
    /// chains, so that one round of each overlaps).
    typealias Lanes = SIMD8<UInt32>

    /// Hash states side by side, one per SIMD lane (``compress4(_:words:)``).
    struct State4 {
        var a, b, c, d, e, f, g, h: Lanes

        /// Every lane starting from `state`.
        init(_ state: State) {
            a = Lanes(repeating: state.a)
            b = Lanes(repeating: state.b)
            c = Lanes(repeating: state.c)
            d = Lanes(repeating: state.d)
            e = Lanes(repeating: state.e)
            f = Lanes(repeating: state.f)
            g = Lanes(repeating: state.g)
            h = Lanes(repeating: state.h)
        }
    }

    /// Compresses one block of each of eight messages at once, lane by lane: `w[0..<16]` holds word `i` of the eight
    /// blocks in `w[i]`, and `w` has room for 64 (the schedule is expanded in place). The same rounds as
    /// ``compress(_:words:)``, the work of eight per vector instruction pair.
    @inline(__always)
    static func compress4(_ state: inout State4, words w: UnsafeMutablePointer<Lanes>) {
        for i in 16..<64 {
            let x = w[i - 15]
            let y = w[i - 2]
            let s0 = ((x &>> 7) ^ (x &>> 18) ^ (x &>> 3)) ^ ((x &<< 25) ^ (x &<< 14))
            let s1 = ((y &>> 17) ^ (y &>> 19) ^ (y &>> 10)) ^ ((y &<< 15) ^ (y &<< 13))
            w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
        }
        let k = sha256RoundConstants4
        var a = state.a
        var b = state.b
        var c = state.c
        var d = state.d
        var e = state.e
        var f = state.f
        var g = state.g
        var h = state.h
        var i = 0
        while i < 64 {
            round4(a, b, c, &d, e, f, g, &h, w[i] &+ k[i])
            round4(h, a, b, &c, d, e, f, &g, w[i + 1] &+ k[i + 1])
            round4(g, h, a, &b, c, d, e, &f, w[i + 2] &+ k[i + 2])
            round4(f, g, h, &a, b, c, d, &e, w[i + 3] &+ k[i + 3])
            round4(e, f, g, &h, a, b, c, &d, w[i + 4] &+ k[i + 4])
            round4(d, e, f, &g, h, a, b, &c, w[i + 5] &+ k[i + 5])
            round4(c, d, e, &f, g, h, a, &b, w[i + 6] &+ k[i + 6])
            round4(b, c, d, &e, f, g, h, &a, w[i + 7] &+ k[i + 7])
            i += 8
        }
        state.a &+= a
        state.b &+= b
        state.c &+= c
        state.d &+= d
        state.e &+= e
        state.f &+= f
        state.g &+= g
        state.h &+= h
    }

    @inline(__always)
    private static func round4(
        _ a: Lanes, _ b: Lanes, _ c: Lanes, _ d: inout Lanes, _ e: Lanes,
        _ f: Lanes, _ g: Lanes, _ h: inout Lanes, _ kw: Lanes
    ) {
        // Each rotation's two shifts are grouped apart (right shifts, then left shifts), so that no vector rotate
        // is formed: SSE2 has none, and LLVM would do it one lane at a time.
        let sigma1 = ((e &>> 6) ^ (e &>> 11) ^ (e &>> 25)) ^ ((e &<< 26) ^ (e &<< 21) ^ (e &<< 7))
        let sigma0 = ((a &>> 2) ^ (a &>> 13) ^ (a &>> 22)) ^ ((a &<< 30) ^ (a &<< 19) ^ (a &<< 10))
        let t1 = h &+ sigma1 &+ ((e & f) ^ (~e & g)) &+ kw
        let t2 = sigma0 &+ ((a & b) ^ (c & (a ^ b)))
        d &+= t1
        h = t1 &+ t2
    }
}

/// The round constants, each repeated in every lane of a vector (no broadcast per round).
nonisolated(unsafe) private let sha256RoundConstants4: UnsafePointer<SHA256.Lanes> = {
    let pointer = UnsafeMutablePointer<SHA256.Lanes>.allocate(capacity: 64)
    for i in 0..<64 { (pointer + i).initialize(to: SHA256.Lanes(repeating: sha256RoundConstants[i])) }
    return UnsafePointer(pointer)
}()
