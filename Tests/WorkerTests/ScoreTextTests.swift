import Foundation
import Testing

@testable import Worker

@Suite struct ScoreTextTests {
    func text(_ value: Double) -> String {
        var out: [UInt8] = []
        ScoreText.appendTwoDecimals(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    func fast(_ value: Double) -> String {
        let buffer = ByteBuffer(capacity: 64)
        buffer.appendTwoDecimals(value)
        return String(decoding: buffer.bytes, as: UTF8.self)
    }

    @Test(arguments: [
        (0.125, "0.12"), (0.375, "0.38"), (2.675, "2.67"), (1.005, "1.00"), (637.5, "637.50"), (-1.5, "-1.50"),
        (849.999, "850.00"), (300, "300.00"), (0.005, "0.01"), (-0.001, "-0.00"),
    ])
    func twoDecimals_roundsTheBinaryValueTiesToEven(_ value: Double, _ expected: String) {
        #expect(text(value) == expected)
        #expect(fast(value) == expected)
    }

    @Test func twoDecimals_matchesPrintfOnRandomScores() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200_000 {
            let value = Double.random(in: -1000...1000, using: &generator)
            let cents = (Double(Int.random(in: -100_000...100_000, using: &generator)) + 0.5) / 100
            for v in [value, cents] {
                let expected = String(format: "%.2f", v)
                #expect(fast(v) == expected, "\(v)")
                if fast(v) != expected { return }
            }
        }
    }
}
