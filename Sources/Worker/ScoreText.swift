import Foundation

/// Formatting of scores and CSV cells into byte buffers.
enum ScoreText {
    /// Appends `value` with exactly two decimals, correctly rounded from the binary value (ties to even),
    /// exactly as C's `printf("%.2f")` and Python's `"%.2f"` print it.
    static func appendTwoDecimals(_ value: Double, to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buffer in
            let n = writeTwoDecimals(value, to: buffer.baseAddress!)
            out.append(contentsOf: buffer[0..<n])
        }
    }

    /// Writes `value` with two decimals (as ``appendTwoDecimals(_:to:)``) at `out`, which has room for 32 bytes.
    ///
    /// - Returns: The number of bytes written.
    @inline(__always)
    static func writeTwoDecimals(_ value: Double, to out: UnsafeMutablePointer<UInt8>) -> Int {
        let magnitude = abs(value)
        guard value.isFinite, magnitude < 1e13 else {
            // Never reached by real scores: printf handles infinities, NaN and huge numbers.
            let text = Array(String(format: "%.2f", value).utf8.prefix(32))
            for (i, b) in text.enumerated() { out[i] = b }
            return text.count
        }
        // q = magnitude * 100 with its exact rounding error e (fused multiply-add): the choice between floor(q) and
        // floor(q) + 1 is made on the exact product q + e. q - floor(q) is exact; when it is not exactly 0.5 it
        // differs from 0.5 by at least one ulp of q, more than |e|, so only the tie needs e.
        let q = magnitude * 100
        let e = (-q).addingProduct(magnitude, 100)
        var n = q.rounded(.down)
        let fraction = q - n
        if fraction > 0.5 || (fraction == 0.5 && (e > 0 || (e == 0 && n.truncatingRemainder(dividingBy: 2) != 0))) {
            n += 1
        }
        var units = UInt64(n)
        var length = 0
        if value.sign == .minus {
            out[0] = UInt8(ascii: "-")
            length = 1
        }
        let cents = units % 100
        units /= 100
        var digits = 0
        var scratch: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &scratch) { raw in
            repeat {
                raw[digits] = UInt8(ascii: "0") + UInt8(units % 10)
                units /= 10
                digits += 1
            } while units > 0
            for i in 0..<digits { out[length + i] = raw[digits - 1 - i] }
        }
        length += digits
        out[length] = UInt8(ascii: ".")
        out[length + 1] = UInt8(ascii: "0") + UInt8(cents / 10)
        out[length + 2] = UInt8(ascii: "0") + UInt8(cents % 10)
        return length + 3
    }

    /// Appends a non-negative integer in decimal.
    static func appendInteger(_ value: UInt64, to out: inout [UInt8]) {
        if value < 10 {
            out.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) = (
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
            )
        var count = 0
        var v = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            while v > 0 {
                buffer[count] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
                count += 1
            }
            for i in stride(from: count - 1, through: 0, by: -1) { out.append(buffer[i]) }
        }
    }

    /// Appends a CSV cell, quoted when it holds a comma, a quote or a line break.
    static func appendCell(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        let needsQuotes = bytes.contains {
            $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r")
        }
        guard needsQuotes else {
            out.append(contentsOf: bytes)
            return
        }
        out.append(UInt8(ascii: "\""))
        for b in bytes {
            if b == UInt8(ascii: "\"") { out.append(b) }
            out.append(b)
        }
        out.append(UInt8(ascii: "\""))
    }

    /// A string as a CSV cell's bytes.
    static func cell(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        Array(text.utf8).withUnsafeBufferPointer { appendCell($0, to: &out) }
        return out
    }
}
