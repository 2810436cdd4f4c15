import Testing

@testable import Worker

/// ``RadixSort``: the order of a comparison sort, stable, on values that stress the key (signs, zeros, ties,
/// infinities, subnormals) and on the scores' own shape (many ties at two decimals).
@Suite struct RadixSortTests {
    @Test(arguments: [0, 1, 2, 17, 5000])
    func sorted_ordersAsAComparisonSort(count: Int) {
        var random = SystemRandomNumberGenerator()
        let special: [Double] = [
            0, -0.0, 1, -1, .infinity, -.infinity, .leastNonzeroMagnitude, -.greatestFiniteMagnitude,
        ]
        let values = (0..<count).map { i -> Double in
            switch i % 4 {
            case 0: return special[Int.random(in: 0..<special.count, using: &random)]
            case 1: return (Double.random(in: 300...850, using: &random) * 100).rounded() / 100
            case 2: return Double.random(in: -1e6...1e6, using: &random)
            default: return Double(Int.random(in: -3...3, using: &random))
            }
        }
        let sorted = RadixSort.sorted(values)
        #expect(sorted.map { $0 == 0 ? 0 : $0 } == values.sorted().map { $0 == 0 ? 0 : $0 })
    }

    @Test func sort_carriesThePayloadStably() {
        let values: [Double] = [5, 1, 5, 3, 1, 5, -2, 3]
        var keys = values.map(RadixSort.key)
        var indices = values.indices.map { Int32($0) }
        RadixSort.sort(&keys, carrying: &indices)
        #expect(indices == [6, 1, 4, 3, 7, 0, 2, 5])
        #expect(keys.map(RadixSort.value) == [-2, 1, 1, 3, 3, 5, 5, 5])
    }

    @Test func averageRanks_giveTiesTheirAverage() {
        #expect(ScoreComparison.averageRanks([10, 20, 10, 30, -0.0, 0]) == [3.5, 5, 3.5, 6, 1.5, 1.5])
    }
}
