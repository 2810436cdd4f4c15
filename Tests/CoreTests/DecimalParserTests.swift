import Core
import Foundation
import Testing

@Suite struct DecimalParserTests {
    @Test(arguments: [
        ("0", 0.0), ("-0", -0.0), ("1", 1), ("+2.5", 2.5), (".5", 0.5), ("5.", 5), ("1e3", 1000), ("1E-3", 0.001),
        ("39.569120794553264", 39.569120794553264), ("123456789012345678901234567890", 1.2345678901234568e29),
        ("0.1", 0.1), ("9007199254740993", 9007199254740992), ("2.2250738585072014e-308", 2.2250738585072014e-308),
        ("1e400", Double.infinity), ("0.000000000000000000000000000001", 1e-30),
    ])
    func parse_matchesStrtod(_ text: String, _ expected: Double) {
        let value = DecimalParser.parse(text)
        #expect(value == expected, "\(text)")
        #expect(value?.sign == expected.sign)
    }

    @Test(arguments: [
        "", "-", "+", ".", "e5", "1e", "1e+", "1.2.3", " 1", "1 ", "inf", "nan", "0x10", "1_000", "--1", "1,5",
    ])
    func parse_rejectsNonDecimals(_ text: String) {
        #expect(DecimalParser.parse(text) == nil, "\(text)")
    }

    @Test func parse_isCorrectlyRoundedOnRandomInputs() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200_000 {
            let digits = Int.random(in: 1...20, using: &generator)
            var text = String(Int.random(in: 1...9, using: &generator))
            for _ in 1..<digits { text += String(Int.random(in: 0...9, using: &generator)) }
            let point = Int.random(in: 0...text.count, using: &generator)
            text.insert(".", at: text.index(text.startIndex, offsetBy: point))
            if Bool.random(using: &generator) { text += "e\(Int.random(in: -30...30, using: &generator))" }
            let expected = strtod(text, nil)
            #expect(DecimalParser.parse(text) == expected, "\(text)")
            if DecimalParser.parse(text) != expected { return }
        }
    }

    @Test func parse_halfwayCasesRoundToEven() {
        // 2^53 + 1 is halfway between two doubles: ties to even.
        #expect(DecimalParser.parse("9007199254740993") == 9_007_199_254_740_992)
        #expect(DecimalParser.parse("9007199254740995") == 9_007_199_254_740_996)
        #expect(DecimalParser.parse("9007199254740993.0000000001") == 9_007_199_254_740_994)
    }
}
