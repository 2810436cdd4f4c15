import Core
import Fixtures
import Foundation
import Testing
import Worker

/// Tokens pinned to the bytes the first implementation wrote (output and map checked against Python's `hmac` and
/// `csv`), so that no speed-up of HMAC, hex or the tokenizer's CSV path can change them silently.
@Suite struct TokenPinningTests {
    let temp = TemporaryDirectory()

    /// Key bytes 1...32: message, token (`hmac.new(key, m, sha256).hexdigest()[:32]`).
    static let pinned: [(String, String)] = [
        ("", "462476a897ddfdbd40d1420e08a5bcfe"),
        ("123-45-6789", "4b9db896abd4cc06f91a422289bbc9c8"),
        ("123456789", "209de0438f81ed11400953f78195d75d"),
        (String(repeating: "x", count: 55), "f0e2d983d27514c965486f8e181b6633"),
        (String(repeating: "y", count: 56), "727561e361dc94500504b74cb4d29d0e"),
        ("customer-000000001", "520a05b0c7d66c65e8b2238b6cb19a04"),
    ]

    /// On the SHA extensions (where the CPU has them) and on the portable code.
    @Test(arguments: [true, false])
    func token_equalsThePinnedTokens(hardware: Bool) {
        let key = ConsortiumKey(bytes: Array(1...32), hardware: hardware)
        #expect(key.keyID == "bdab750b4b752edc")
        for (message, token) in Self.pinned {
            #expect(key.token(of: Array(message.utf8)) == token, "length \(message.utf8.count)")
        }
    }

    /// A shard of 1,000 customers in every key length from 1 to 70 bytes, padded, empty and quoted keys among them.
    static func shard() -> String {
        var text = "x,tax_id,y\n"
        for i in 0..<1000 {
            var key = String(format: "%03d-%02d-%04d", i % 1000, i % 100, (i * 7919) % 10_000)
            if i % 3 == 1 { key = String(repeating: "k", count: 1 + i % 70) + "\(i)" }
            if i % 17 == 0 { key = " \(key)\t" }
            if i % 101 == 0 { key = "" }
            if i % 53 == 0 { key = "\"\(key),q\"" }
            text += "\(i),\(key),\(Double(i) / 8)\n"
        }
        return text
    }

    @Test(arguments: [true, false])
    func tokenize_writesThePinnedShardAndMap(hardware: Bool) throws {
        try Self.shard().write(toFile: temp.file("s.csv"), atomically: true, encoding: .utf8)
        let tokenizer = Tokenizer(key: ConsortiumKey(bytes: Array(1...32), hardware: hardware), keyColumn: "tax_id")
        let outcome = try tokenizer.tokenize(
            shardPath: temp.file("s.csv"), outputPath: temp.file("t.csv"), mapPath: temp.file("m.csv"))
        #expect(outcome.rows == 1000 && outcome.emptyKeys == 9)
        #expect(
            try SHA256.hex(ofFile: temp.file("t.csv"))
                == "9867477e932e854a3e04b3e8c384c42d10f73257e99aba1a9c65d676d6bd8dc5")
        #expect(
            try SHA256.hex(ofFile: temp.file("m.csv"))
                == "69d90c7b62593375abe8a7ca9b2965c48e0de738e27f1a1695e9976527e7f3b4")
    }
}
