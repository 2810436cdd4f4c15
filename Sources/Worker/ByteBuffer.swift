/// An append-only byte buffer over raw memory, for formatting result rows without per-byte array overhead.
///
/// Not thread-safe: one buffer belongs to one thread.
final class ByteBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    func removeAll() { count = 0 }

    @inline(__always)
    func ensure(_ extra: Int) {
        if count + extra > capacity {
            var newCapacity = capacity * 2
            while newCapacity < count + extra { newCapacity *= 2 }
            let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            newBase.update(from: base, count: count)
            base.deallocate()
            base = newBase
            capacity = newCapacity
        }
    }

    @inline(__always)
    func append(_ byte: UInt8) {
        ensure(1)
        base[count] = byte
        count += 1
    }

    @inline(__always)
    func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        ensure(bytes.count)
        if bytes.count > 0 { (base + count).update(from: bytes.baseAddress!, count: bytes.count) }
        count += bytes.count
    }

    @inline(__always)
    func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0) }
    }

    /// Appends a CSV cell, quoted when it holds a comma, a quote or a line break.
    @inline(__always)
    func appendCell(_ bytes: UnsafeBufferPointer<UInt8>) {
        var plain = true
        for b in bytes where b == UInt8(ascii: ",") || b == UInt8(ascii: "\"") || b == 10 || b == 13 {
            plain = false
            break
        }
        if plain {
            append(bytes)
            return
        }
        var quoted: [UInt8] = []
        ScoreText.appendCell(bytes, to: &quoted)
        append(quoted)
    }

    /// Appends a non-negative integer in decimal.
    @inline(__always)
    func appendInteger(_ value: Int) {
        ensure(20)
        var v = value
        var digits = 0
        repeat {
            digits += 1
            v /= 10
        } while v > 0
        v = value
        for i in stride(from: digits - 1, through: 0, by: -1) {
            base[count + i] = UInt8(ascii: "0") + UInt8(v % 10)
            v /= 10
        }
        count += digits
    }

    /// Appends a score with two decimals (see ``ScoreText/appendTwoDecimals(_:to:)``).
    @inline(__always)
    func appendTwoDecimals(_ value: Double) {
        ensure(32)
        let written = ScoreText.writeTwoDecimals(value, to: base + count)
        count += written
    }
}
