import Core
import Foundation
import Testing

/// HMAC-SHA256 against RFC 4231's test cases 1-7, and the consortium key's tokens, key id and key file.
@Suite struct HMACSHA256Tests {
    static func hex(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = text.startIndex
        while i < text.endIndex {
            let j = text.index(i, offsetBy: 2)
            out.append(UInt8(text[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    static func text(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// RFC 4231 section 4: key, data, HMAC-SHA-256 (case 5 is truncated to 128 bits).
    static let vectors: [(Int, [UInt8], [UInt8], String)] = [
        (
            1, [UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        ),
        (
            2, Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        ),
        (
            3, [UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"
        ),
        (
            4, Array(1...25), [UInt8](repeating: 0xcd, count: 50),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"
        ),
        (
            5, [UInt8](repeating: 0x0c, count: 20), Array("Test With Truncation".utf8),
            "a3b6167473100ee06e0c796c2955552b"
        ),
        (
            6, [UInt8](repeating: 0xaa, count: 131),
            Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        ),
        (
            7, [UInt8](repeating: 0xaa, count: 131),
            Array(
                ("This is a test using a larger than block-size key and a larger than block-size data. The key needs to "
                    + "be hashed before being used by the HMAC algorithm.").utf8),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
        ),
    ]

    @Test(arguments: vectors.map(\.0), [true, false])
    func authenticate_matchesRFC4231(_ number: Int, hardware: Bool) {
        let (_, key, data, expected) = Self.vectors[number - 1]
        let mac = HMACSHA256(key: key, hardware: hardware)
        let full = Self.text(mac.authenticate(data))
        #expect(full.hasPrefix(expected), "RFC 4231 case \(number)")
        // The short-message path (two compressions) gives the same bytes, cut as asked.
        if data.count <= HMACSHA256.shortMessageLimit {
            var out = [UInt8](repeating: 0, count: 32)
            data.withUnsafeBufferPointer { message in
                out.withUnsafeMutableBufferPointer {
                    mac.authenticate(short: message, into: $0.baseAddress!, count: 16)
                }
            }
            #expect(Self.text(Array(out.prefix(16))) == String(expected.prefix(32)), "RFC 4231 case \(number), short")
            #expect(out.suffix(16).allSatisfy { $0 == 0 })
        }
    }

    @Test(arguments: [true, false])
    func authenticate_everyMessageLengthAgreesWithTheGeneralPath(hardware: Bool) {
        // Lengths around the one-block limit (55), the block (64) and two blocks, through both paths.
        let mac = HMACSHA256(key: Array("consortium".utf8), hardware: hardware)
        let reference = HMACSHA256.Reference(key: Array("consortium".utf8))
        for n in 0...130 {
            let message = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            #expect(mac.authenticate(message) == reference.authenticate(message), "length \(n)")
        }
    }

    @Test(arguments: [true, false])
    func authenticateLanes_equalsOneAtATimeForEveryShortLength(hardware: Bool) {
        let mac = HMACSHA256(key: Array("lanes".utf8), hardware: hardware)
        let key = ConsortiumKey(bytes: Array("lanes".utf8), hardware: !hardware)
        let lanes = HMACSHA256.lanes
        for first in 0...HMACSHA256.shortMessageLimit {
            let lengths = (0..<lanes).map { j in j % 2 == 0 ? (first + 11 * j) % 56 : 55 - (first + j) % 56 }
            let messages = lengths.enumerated().map { j, n in
                (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ j &+ first) }
            }
            var blocks = [UInt8](repeating: 0xee, count: 64 * lanes)
            for (j, message) in messages.enumerated() {
                blocks.replaceSubrange(64 * j..<64 * j + message.count, with: message)
            }
            var tokenBlocks = blocks
            var out = [UInt8](repeating: 0, count: lanes * 32)
            var hex = [UInt8](repeating: 0, count: lanes * 32)
            blocks.withUnsafeMutableBufferPointer { b in
                out.withUnsafeMutableBufferPointer {
                    mac.authenticate(lanes: b.baseAddress!, lengths: lengths, into: $0.baseAddress!, count: 32)
                }
            }
            tokenBlocks.withUnsafeMutableBufferPointer { b in
                hex.withUnsafeMutableBufferPointer {
                    key.writeTokens(lanes: b.baseAddress!, lengths: lengths, to: $0.baseAddress!)
                }
            }
            let reference = HMACSHA256.Reference(key: Array("lanes".utf8))
            for (j, message) in messages.enumerated() {
                #expect(Array(out[32 * j..<32 * j + 32]) == mac.authenticate(message), "lengths \(lengths), lane \(j)")
                #expect(Array(out[32 * j..<32 * j + 32]) == reference.authenticate(message))
                #expect(String(decoding: hex[32 * j..<32 * j + 32], as: UTF8.self) == key.token(of: message))
            }
        }
    }

    @Test func token_isTheFirst128BitsInLowercaseHex() {
        let key = ConsortiumKey(bytes: Array(1...32))
        let token = key.token(of: Array("123-45-6789".utf8))
        #expect(token.count == 32)
        #expect(token.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) })
        let full = HMACSHA256(key: Array(1...32)).authenticate(Array("123-45-6789".utf8))
        #expect(token == Self.text(Array(full.prefix(16))))
        let id = HMACSHA256(key: Array(1...32)).authenticate(Array("vfl key id".utf8))
        #expect(key.keyID == Self.text(Array(id.prefix(8))))
        #expect(ConsortiumKey(bytes: Array(2...33)).keyID != key.keyID)
    }

    @Test(arguments: [
        ("  123-45-6789\t", KeyNormalization.trim, "123-45-6789"),
        ("123 45 6789", .trim, "123 45 6789"),
        (" ", .trim, ""),
        ("123-45-6789", .digits, "123456789"),
        (" 123 45 6789 ", .digits, "123456789"),
        ("abc", .digits, ""),
    ])
    func normalization_apply(_ key: String, _ rule: KeyNormalization, _ expected: String) {
        let bytes = Array(key.utf8)
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: max(bytes.count, 1))
        defer { scratch.deallocate() }
        let result = bytes.withUnsafeBufferPointer { rule.apply($0, scratch: scratch) { Array($0) } }
        #expect(String(decoding: result, as: UTF8.self) == expected)
    }

    @Test func keyFile_isCreatedOwnerOnlyAndReadBack() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vfl-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("k").path
        let made = try ConsortiumKey.create(file: path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.count == 65 && text.hasSuffix("\n"))
        let read = try ConsortiumKey(file: path)
        #expect(read.keyID == made.keyID)
        #expect(read.token(of: Array("x".utf8)) == made.token(of: Array("x".utf8)))
        // Never overwritten; refused when others may read it.
        #expect(throws: ConsortiumKey.Error.self) { try ConsortiumKey.create(file: path) }
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect(throws: ConsortiumKey.Error.self) { try ConsortiumKey(file: path) }
        // Not a key.
        let bad = directory.appendingPathComponent("bad").path
        _ = FileManager.default.createFile(
            atPath: bad, contents: Data("not a key\n".utf8), attributes: [.posixPermissions: 0o600])
        #expect(throws: ConsortiumKey.Error.self) { try ConsortiumKey(file: bad) }
    }
}

extension HMACSHA256 {
    /// RFC 2104 written out with the plain hasher, to check the precomputed-pad paths against.
    struct Reference {
        var key: [UInt8]

        func authenticate(_ message: [UInt8]) -> [UInt8] {
            var block = key
            if block.count > 64 {
                var h = SHA256()
                h.update(block)
                block = h.finalize()
            }
            block += [UInt8](repeating: 0, count: 64 - block.count)
            var inner = SHA256()
            inner.update(block.map { $0 ^ 0x36 } + message)
            var outer = SHA256()
            outer.update(block.map { $0 ^ 0x5c } + inner.finalize())
            return outer.finalize()
        }
    }
}

/// Tokens' text and bits: the word-at-a-time decoder and encoder against plain per-character code.
@Suite struct TokenTextTests {
    static func bits(of text: String) -> (UInt64, UInt64)? {
        Array(text.utf8).withUnsafeBufferPointer { ConsortiumKey.tokenBits($0) }.map { ($0.high, $0.low) }
    }

    @Test func tokenBits_roundTripsThroughWriteTokenText() {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        for n in 0..<2_000 {
            // Every digit in every place among the first 16 rounds, random ones after.
            let text = (0..<32).map { i in n < 16 ? digits[(n + i) % 16] : digits[Int(generator.next() % 16)] }
            let expected = (
                UInt64(String(decoding: text[0..<16], as: UTF8.self), radix: 16)!,
                UInt64(String(decoding: text[16..<32], as: UTF8.self), radix: 16)!
            )
            let got = text.withUnsafeBufferPointer { ConsortiumKey.tokenBits($0) }
            #expect(got?.high == expected.0 && got?.low == expected.1)
            var back = [UInt8](repeating: 0, count: 32)
            back.withUnsafeMutableBufferPointer {
                ConsortiumKey.writeTokenText(high: expected.0, low: expected.1, to: $0.baseAddress!)
            }
            #expect(back == text)
        }
    }

    @Test func tokenBits_refusesEveryByteThatIsNotLowercaseHex() {
        let valid = Set(Array("0123456789abcdef".utf8))
        for byte in 0...255 {
            for place in [0, 7, 8, 15, 23, 31] {
                var text = Array("0123456789abcdef0123456789abcdef".utf8)
                text[place] = UInt8(byte)
                let token = text.withUnsafeBufferPointer { ConsortiumKey.isToken($0) }
                #expect(token == valid.contains(UInt8(byte)), "byte \(byte) at \(place)")
            }
        }
        #expect(Self.bits(of: String(repeating: "a", count: 31)) == nil)
        #expect(Self.bits(of: String(repeating: "a", count: 33)) == nil)
    }
}
