/// An append-only byte buffer over raw memory, for formatting result rows without per-byte array overhead.
///
/// Not thread-safe: one buffer belongs to one thread. Shared with `vfl gen` (the Training target) through `package`
/// access.
package final class ByteBuffer {
    // Unchecked exclusivity: the buffer is one thread's, and dynamic checks on these three cost a tenth of `vfl gen`.
    @exclusivity(unchecked) private(set) var base: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) package private(set) var count = 0
    @exclusivity(unchecked) private var capacity: Int

    package init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    package var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    package func removeAll() { count = 0 }

    @inline(__always)
    package func ensure(_ extra: Int) {
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
    package func append(_ byte: UInt8) {
        ensure(1)
        base[count] = byte
        count += 1
    }

    @inline(__always)
    package func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        ensure(bytes.count)
        if bytes.count > 0 { (base + count).update(from: bytes.baseAddress!, count: bytes.count) }
        count += bytes.count
    }

    /// Appends `count` bytes from `bytes`, 16 at a time: `bytes` must be readable up to the next multiple of 16
    /// past `count` (``RowCells`` pads its cells). For the short cells of a row, where a call to `memmove` per cell
    /// costs more than the copy.
    @inline(__always)
    func appendPadded(_ bytes: UnsafePointer<UInt8>, count n: Int) {
        ensure(n + 16)
        let out = UnsafeMutableRawPointer(base + count)
        let source = UnsafeRawPointer(bytes)
        var j = 0
        while j < n {
            out.storeBytes(
                of: source.loadUnaligned(fromByteOffset: j, as: SIMD16<UInt8>.self), toByteOffset: j,
                as: SIMD16<UInt8>.self)
            j += 16
        }
        count += n
    }

    @inline(__always)
    package func append(_ bytes: [UInt8]) {
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

    /// Writes at most `maximum` bytes at the end through `body`, which returns how many it wrote.
    @inline(__always)
    package func appendRaw(maximum: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        ensure(maximum)
        count += body(base + count)
    }

    /// Appends a non-negative integer in decimal.
    @inline(__always)
    package func appendInteger(_ value: Int) {
        ensure(20)
        count += Self.writeDigits(UInt64(value), to: base + count)
    }

    /// Appends `value` with at most `digits` (0...6) decimals, trailing zeros dropped, rounded half away from zero.
    @inline(__always)
    package func appendFixed(_ value: Double, digits: Int) {
        ensure(40)
        let scale: Double
        switch digits {
        case 0: scale = 1
        case 1: scale = 10
        case 2: scale = 100
        case 3: scale = 1000
        case 4: scale = 10_000
        case 5: scale = 100_000
        default: scale = 1_000_000
        }
        var scaled = UInt64(abs(value) * scale + 0.5)
        if scaled == 0 {
            append(UInt8(ascii: "0"))
            return
        }
        if value < 0 { append(UInt8(ascii: "-")) }
        var decimals = digits
        while decimals > 0 && scaled % 10 == 0 {
            scaled /= 10
            decimals &-= 1
        }
        let out = base + count
        if decimals == 0 {
            count += Self.writeDigits(scaled, to: out)
            return
        }
        // The digits with room for a leading "0." when they are fewer than the decimals, then the point put in.
        let zeros = max(0, decimals &+ 1 &- Self.digitCount(scaled))
        out.update(repeating: UInt8(ascii: "0"), count: zeros)
        let n = zeros &+ Self.writeDigits(scaled, to: out + zeros)
        let whole = n &- decimals
        var i = n
        while i > whole {  // the decimals move one place right (backwards: the ranges overlap)
            out[i] = out[i &- 1]
            i &-= 1
        }
        out[whole] = UInt8(ascii: ".")
        count += n &+ 1
    }

    /// "00" to "99".
    nonisolated(unsafe) private static let pairs: UnsafePointer<UInt8> = {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 200)
        for n in 0..<100 {
            table[2 * n] = UInt8(48 + n / 10)
            table[2 * n + 1] = UInt8(48 + n % 10)
        }
        return UnsafePointer(table)
    }()

    @inline(__always)
    private static func digitCount(_ value: UInt64) -> Int {
        var digits = 1
        var limit: UInt64 = 10
        while value >= limit && digits < 20 {
            digits &+= 1
            if limit > UInt64.max / 10 { break }
            limit &*= 10
        }
        return digits
    }

    /// Writes `value`'s decimal digits at `out`, two at a time; returns how many.
    @inline(__always)
    private static func writeDigits(_ value: UInt64, to out: UnsafeMutablePointer<UInt8>) -> Int {
        let digits = digitCount(value)
        var v = value
        var k = digits
        let pairs = Self.pairs
        while v >= 100 {
            let q = v / 100
            let r = Int(v &- q &* 100) &* 2
            k &-= 2
            out[k] = pairs[r]
            out[k &+ 1] = pairs[r &+ 1]
            v = q
        }
        if v >= 10 {
            out[k &- 2] = pairs[Int(v) &* 2]
            out[k &- 1] = pairs[Int(v) &* 2 &+ 1]
        } else {
            out[k &- 1] = UInt8(ascii: "0") &+ UInt8(v)
        }
        return digits
    }

    /// Appends a score with two decimals (see ``ScoreText/appendTwoDecimals(_:to:)``).
    @inline(__always)
    func appendTwoDecimals(_ value: Double) {
        ensure(32)
        let written = ScoreText.writeTwoDecimals(value, to: base + count)
        count += written
    }
}
