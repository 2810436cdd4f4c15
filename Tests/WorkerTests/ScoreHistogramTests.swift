import Core
import Fixtures
import Testing

@testable import Worker

@Suite struct ScoreHistogramTests {
    @Test func bins_areTheLowerEdgesOfTenPointBinsForAnyFiniteScore() {
        var random = SeededRandom(seed: 3)
        var scores: [Double] = [0, 2559.99, 2560, -0.01, -10, 1e300, -1e300, 9.999999, 10]
        for _ in 0..<5000 { scores.append(random.uniform(-500...3000)) }
        var expected: [Int: Int] = [:]
        for score in scores {
            expected[Int(max(-1e17, min(1e17, (score / 10).rounded(.down)))) * 10, default: 0] += 1
        }
        var first = ScoreHistogram()
        var second = ScoreHistogram()
        for (i, score) in scores.enumerated() {
            if i % 2 == 0 { first.add(score) } else { second.add(score) }
        }
        first.merge(second)
        #expect(first.bins == expected)
        #expect(ScoreHistogram().bins.isEmpty)
    }
}
