#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Parses decimal numbers straight from bytes, correctly rounded to the nearest `Double`.
///
/// The accepted syntax is a plain decimal: optional sign, digits with an optional point (or a point and digits),
/// and an optional exponent (`[+-]?(D+\.?D*|\.D+)([eE][+-]?D+)?`). No spaces, `inf`, `nan`, hex or `_`.
///
/// Most inputs take one of two exact fast paths: up to 15 significant digits with a power of ten below 10^23
/// (Clinger: one correctly rounded IEEE operation on exact operands), or, on x86-64, up to 19 digits with a
/// power below 10^28 in 80-bit extended precision, whose double rounding is detected and avoided. Everything else
/// (more digits, huge exponents) goes to `strtod(3)`, which is correctly rounded in glibc.
public enum DecimalParser {
    // Literal tables (exact powers of ten), so that no lazy global initialization sits on the hot path.
    @usableFromInline static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22,
    ]

    #if arch(x86_64)
    @usableFromInline static let extendedPowersOfTen: [Float80] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
        1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25, 1e26, 1e27,
    ]
    #endif

    /// Parses the bytes as a decimal number.
    ///
    /// - Parameter bytes: The whole cell; nothing else may surround the number.
    /// - Returns: The nearest `Double` (possibly infinite when out of range), or `nil` when the bytes are not a number.
    @inlinable @inline(__always)
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return nil }
        return parse(base, count: bytes.count)
    }

    /// The value of eight ASCII digits at `p` (little-endian load), or `nil` when any byte is not a digit.
    @inlinable @inline(__always)
    static func eightDigits(_ p: UnsafePointer<UInt8>) -> UInt64? {
        let word = UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
        // All bytes in 0x30...0x39: high nibbles 3, and adding 6 does not carry into them.
        guard (word & 0xF0F0_F0F0_F0F0_F0F0) == 0x3030_3030_3030_3030,
            ((word &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) == 0x3030_3030_3030_3030
        else { return nil }
        var v = word & 0x0F0F_0F0F_0F0F_0F0F
        v = (v &* 2561) >> 8
        v = ((v & 0x00FF_00FF_00FF_00FF) &* 6_553_601) >> 16
        return ((v & 0x0000_FFFF_0000_FFFF) &* 42_949_672_960_001) >> 32
    }

    /// Appends the run of digits at `p` to `mantissa` (eight at a time while it can), counting them in `digits`; past
    /// 19 digits the mantissa wraps and the caller takes the general path.
    @inlinable @inline(__always)
    static func accumulateDigits(
        _ start: UnsafePointer<UInt8>, _ count: Int, _ p: inout Int, _ mantissa: inout UInt64, _ digits: inout Int
    ) {
        while count - p >= 8, digits <= 11, let eight = eightDigits(start + p) {
            mantissa = mantissa &* 100_000_000 &+ eight
            digits += 8
            p += 8
        }
        while p < count {
            let d = start[p] &- UInt8(ascii: "0")
            if d > 9 { break }
            mantissa = mantissa &* 10 &+ UInt64(d)
            digits += 1
            p += 1
        }
    }

    /// Parses `count` bytes at `start` as a decimal number; see ``parse(_:)``.
    ///
    /// The fast path reads up to 19 digits (eight at a time where it can); longer or odd inputs take
    /// the general path.
    @inlinable @inline(__always)
    public static func parse(_ start: UnsafePointer<UInt8>, count: Int) -> Double? {
        let negative = start[0] == UInt8(ascii: "-")
        var p = negative || start[0] == UInt8(ascii: "+") ? 1 : 0
        var mantissa: UInt64 = 0
        var digits = 0
        accumulateDigits(start, count, &p, &mantissa, &digits)
        var exponent = 0
        if p < count && start[p] == UInt8(ascii: ".") {
            p += 1
            let fractionStart = digits
            accumulateDigits(start, count, &p, &mantissa, &digits)
            exponent = fractionStart - digits
        }
        guard digits > 0, digits <= 19, p == count else { return parseGeneral(start, count: count) }
        if mantissa == 0 { return negative ? -0.0 : 0.0 }
        if mantissa <= 1 << 53 && exponent >= -22 {
            let value = Double(mantissa) / powersOfTen[-exponent]
            return negative ? -value : value
        }
        #if arch(x86_64)
        if exponent >= -27 {
            let value = Float80(mantissa) / extendedPowersOfTen[-exponent]
            // Rounding the 64-bit result to 53 bits is wrong only when it lies exactly on a midpoint.
            if value.significandBitPattern & 0x7FF != 0x400 {
                let result = Double(value)
                return negative ? -result : result
            }
        }
        #endif
        return parseGeneral(start, count: count)
    }

    /// The general path: any length, exponents, and the `strtod(3)` fallback.
    @usableFromInline
    static func parseGeneral(_ start: UnsafePointer<UInt8>, count: Int) -> Double? {
        let negative = start[0] == UInt8(ascii: "-")
        var p = negative || start[0] == UInt8(ascii: "+") ? 1 : 0
        var mantissa: UInt64 = 0
        var significant = 0  // significant digits taken into the mantissa
        var dropped = false  // a non-zero digit beyond 19 significant digits
        var exponent = 0  // decimal exponent adjustment
        var digits = 0
        // Integer part.
        while p < count {
            let d = start[p] &- UInt8(ascii: "0")
            if d > 9 { break }
            digits += 1
            if significant < 19 {
                if mantissa != 0 || d != 0 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    significant += 1
                }
            } else {
                exponent += 1
                if d != 0 { dropped = true }
            }
            p += 1
        }
        if p < count && start[p] == UInt8(ascii: ".") {
            p += 1
            while p < count {
                let d = start[p] &- UInt8(ascii: "0")
                if d > 9 { break }
                digits += 1
                if significant < 19 {
                    if mantissa != 0 || d != 0 {
                        mantissa = mantissa &* 10 &+ UInt64(d)
                        significant += 1
                    }
                    exponent -= 1
                } else if d != 0 {
                    dropped = true
                }
                p += 1
            }
        }
        if digits == 0 { return nil }
        if p < count && (start[p] == UInt8(ascii: "e") || start[p] == UInt8(ascii: "E")) {
            p += 1
            var expNegative = false
            if p < count && (start[p] == UInt8(ascii: "-") || start[p] == UInt8(ascii: "+")) {
                expNegative = start[p] == UInt8(ascii: "-")
                p += 1
            }
            var value = 0
            var expDigits = 0
            while p < count {
                let d = start[p] &- UInt8(ascii: "0")
                if d > 9 { break }
                if value < 100_000 { value = value * 10 + Int(d) }
                expDigits += 1
                p += 1
            }
            if expDigits == 0 { return nil }
            exponent += expNegative ? -value : value
        }
        if p != count { return nil }
        if mantissa == 0 { return negative ? -0.0 : 0.0 }
        if !dropped {
            if significant <= 15 && exponent >= -22 && exponent <= 22 {
                var value = Double(mantissa)
                if exponent < 0 {
                    value /= powersOfTen[-exponent]
                } else {
                    value *= powersOfTen[exponent]
                }
                return negative ? -value : value
            }
            #if arch(x86_64)
            if exponent >= -27 && exponent <= 27 {
                var value = Float80(mantissa)
                if exponent < 0 {
                    value /= extendedPowersOfTen[-exponent]
                } else {
                    value *= extendedPowersOfTen[exponent]
                }
                // Rounding the 64-bit result to 53 bits is wrong only when it lies exactly on a midpoint.
                if value.significandBitPattern & 0x7FF != 0x400 {
                    let result = Double(value)
                    return negative ? -result : result
                }
            }
            #endif
        }
        return slowParse(start, count: count)
    }

    /// Falls back to `strtod(3)` on a NUL-terminated copy.
    private static func slowParse(_ start: UnsafePointer<UInt8>, count: Int) -> Double? {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { copy in
            for i in 0..<count { copy[i] = CChar(bitPattern: start[i]) }
            copy[count] = 0
            var endPointer: UnsafeMutablePointer<CChar>?
            let value = strtod(copy.baseAddress!, &endPointer)
            guard let endPointer, endPointer - copy.baseAddress! == count else { return nil }
            return value
        }
    }

    /// Parses a string; see ``parse(_:)``.
    public static func parse(_ text: String) -> Double? {
        var text = text
        return text.withUTF8 { parse($0) }
    }
}
