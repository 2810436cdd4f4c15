import Core

#if canImport(Glibc)
import Glibc
#endif

/// A counter-based random stream: every (seed, customer, stream) triple starts its own SplitMix64 sequence, so any
/// customer's values can be drawn in any order, on any thread, and always come out the same.
public struct RandomStream {
    private var generator: SplitMix64
    /// The second normal of the last Box-Muller pair, when unused.
    private var spare = 0.0
    private var hasSpare = false

    /// The stream of `customer`'s values in `stream` (0: the shared columns, 1...: a party's own columns, ...).
    public init(seed: UInt64, customer: UInt64, stream: UInt64) {
        let mix = SplitMix64.mix
        generator = SplitMix64(state: mix(seed &+ mix(customer &* 0x9E37_79B9_7F4A_7C15 &+ stream &+ 1)))
    }

    /// A generator seeded directly (training: shuffles and initial weights).
    public init(seed: UInt64) { generator = SplitMix64(state: SplitMix64.mix(seed)) }

    /// The next 64 random bits.
    @inline(__always)
    public mutating func next() -> UInt64 { generator.next() }

    /// Uniform in (0, 1).
    @inline(__always)
    public mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) * 0x1p-53 }

    /// An integer in `0..<bound`.
    @inline(__always)
    public mutating func below(_ bound: Int) -> Int { Int(uniform() * Double(bound)) }

    /// Standard normal (Box-Muller; the pair's second value serves the next call).
    @inline(__always)
    public mutating func normal() -> Double {
        if hasSpare {
            hasSpare = false
            return spare
        }
        let u = uniform()
        let v = uniform()
        let radius = (-2 * log(u)).squareRoot()
        let angle = 2 * Double.pi * v
        spare = radius * sin(angle)
        hasSpare = true
        return radius * cos(angle)
    }

    /// Normal with the given mean and standard deviation.
    @inline(__always)
    public mutating func normal(_ mean: Double, _ sd: Double) -> Double { mean + sd * normal() }

    /// Gamma(shape, scale) by Marsaglia and Tsang's method (shape < 1 boosted).
    public mutating func gamma(_ shape: Double, _ scale: Double) -> Double {
        if shape < 1 { return gamma(shape + 1, scale) * pow(uniform(), 1 / shape) }
        let d = shape - 1.0 / 3
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double
            var v: Double
            repeat {
                x = normal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = uniform()
            if u < 1 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v * scale }
        }
    }

    /// Beta(a, b).
    public mutating func beta(_ a: Double, _ b: Double) -> Double {
        let x = gamma(a, 1)
        let y = gamma(b, 1)
        return x / (x + y)
    }

    /// Poisson(lambda) by multiplication (small lambda).
    public mutating func poisson(_ lambda: Double) -> Int {
        let limit = exp(-lambda)
        var k = 0
        var p = uniform()
        while p > limit {
            k += 1
            p *= uniform()
        }
        return k
    }

    /// Log-normal around `median`, clipped.
    public mutating func lognormal(_ median: Double, _ sigma: Double, _ lo: Double, _ hi: Double) -> Double {
        min(max(median * exp(sigma * normal()), lo), hi)
    }

    /// An index drawn with the given probabilities.
    public mutating func choice(_ probabilities: [Double]) -> Int {
        var u = uniform()
        for (i, p) in probabilities.enumerated() {
            if u < p { return i }
            u -= p
        }
        return probabilities.count - 1
    }
}

/// A keyed bijection of `0..<size` (a balanced Feistel network over the next power of four, cycle-walking back into
/// range): a different row order for every file, and distinct keys, without holding a permutation in memory.
public struct Permutation: Sendable {
    /// The domain size.
    public let size: UInt64
    private let halfBits: UInt64
    private let mask: UInt64
    private let keys: [UInt64]

    /// A permutation of `0..<size` chosen by `key`.
    public init(size: UInt64, key: UInt64) {
        self.size = max(size, 1)
        var bits: UInt64 = 1
        while (UInt64(1) << (2 * bits)) < self.size { bits += 1 }
        halfBits = bits
        mask = (UInt64(1) << bits) - 1
        keys = (0..<4).map { SplitMix64.mix(key &+ UInt64($0) &* 0xD1B5_4A32_D192_ED03) }
    }

    /// The image of `index` (< size).
    @inline(__always)
    public func callAsFunction(_ index: UInt64) -> UInt64 {
        var x = index
        repeat { x = round(x) } while x >= size
        return x
    }

    @inline(__always)
    private func round(_ x: UInt64) -> UInt64 {
        var left = x >> halfBits
        var right = x & mask
        for key in keys {
            let f = SplitMix64.mix(right ^ key) & mask
            (left, right) = (right, left ^ f)
        }
        return (left << halfBits) | right
    }
}
