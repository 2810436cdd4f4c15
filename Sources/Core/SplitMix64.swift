/// SplitMix64 (Steele, Lea and Flood): a small, fast, seedable 64-bit generator. `vfl gen`'s counter-based streams
/// and the test fixtures both draw from it.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The state; each draw adds the golden-ratio increment and mixes the result.
    public var state: UInt64

    /// A generator starting at `state`.
    @inlinable
    public init(state: UInt64) { self.state = state }

    /// The next 64 random bits.
    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.finalize(state)
    }

    /// The first output of a generator whose state is `value`: a strong 64-bit hash, for deriving seeds and keys.
    @inlinable @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 { finalize(value &+ 0x9E37_79B9_7F4A_7C15) }

    /// The output function.
    @inlinable @inline(__always)
    public static func finalize(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
