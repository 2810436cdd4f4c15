/// A least-significant-digit radix sort of 64-bit keys (11 bits a pass, a pass skipped when every key has the same
/// digit there), carrying a payload along: stable, and several times faster than a comparison sort on the
/// million-value columns that `comparison.json` ranks.
enum RadixSort {
    private static let bits = 11
    private static let radix = 1 << bits
    private static let passes = (64 + bits - 1) / bits

    /// The key of `value` whose unsigned order is the numeric order of the values (-0 taken as 0).
    @inline(__always)
    static func key(_ value: Double) -> UInt64 {
        let bits = (value == 0 ? 0 : value).bitPattern
        return bits >> 63 == 0 ? bits | (1 << 63) : ~bits
    }

    /// The value whose ``key(_:)`` is `key`.
    @inline(__always)
    static func value(_ key: UInt64) -> Double {
        Double(bitPattern: key >> 63 == 1 ? key & ~(1 << 63) : ~key)
    }

    /// `values` in ascending order (as ``key(_:)`` orders them).
    static func sorted(_ values: [Double]) -> [Double] {
        var keys = values.map(key)
        var none: [Int32] = []
        sort(&keys, carrying: &none)
        return keys.map(value)
    }

    /// Sorts `keys` ascending; `payload`, when not empty, has one element per key and moves with it.
    static func sort(_ keys: inout [UInt64], carrying payload: inout [Int32]) {
        let n = keys.count
        guard n > 1 else { return }
        precondition(payload.isEmpty || payload.count == n)
        let carry = !payload.isEmpty
        let mask = UInt64(radix - 1)
        var counts = [Int](repeating: 0, count: radix * passes)
        counts.withUnsafeMutableBufferPointer { counts in
            for key in keys {
                for p in 0..<passes { counts[p * radix + Int((key >> UInt64(p * bits)) & mask)] += 1 }
            }
        }
        var otherKeys = [UInt64](repeating: 0, count: n)
        var otherPayload = [Int32](repeating: 0, count: carry ? n : 0)
        for p in 0..<passes {
            let shift = UInt64(p * bits)
            let base = p * radix
            if counts[base + Int((keys[0] >> shift) & mask)] == n { continue }
            var sum = 0
            for d in 0..<radix {
                let count = counts[base + d]
                counts[base + d] = sum
                sum += count
            }
            counts.withUnsafeMutableBufferPointer { counts in
                keys.withUnsafeBufferPointer { from in
                    otherKeys.withUnsafeMutableBufferPointer { to in
                        payload.withUnsafeBufferPointer { fromPayload in
                            otherPayload.withUnsafeMutableBufferPointer { toPayload in
                                for i in 0..<n {
                                    let digit = base + Int((from[i] >> shift) & mask)
                                    let at = counts[digit]
                                    counts[digit] = at + 1
                                    to[at] = from[i]
                                    if carry { toPayload[at] = fromPayload[i] }
                                }
                            }
                        }
                    }
                }
            }
            swap(&keys, &otherKeys)
            if carry { swap(&payload, &otherPayload) }
        }
    }
}
