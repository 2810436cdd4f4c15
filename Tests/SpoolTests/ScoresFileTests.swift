import Core
import Foundation
import Spool
import Testing

/// ``ScoresFile`` on real files: lookups by binary search agree with a linear scan, quoted keys (commas, quotes,
/// line breaks) are found and never break the search, and odd files (empty, header only, truncated) are handled.
@Suite struct ScoresFileTests {
    let folder: String

    init() throws {
        folder = NSTemporaryDirectory() + "vfl-scores-" + UUID().uuidString
        try FileIO.makeDirectories(folder)
    }

    static let header = "tax_id,score,parties,reason_1,reason_2,reason_3,reason_4\n"

    /// A cell as the worker writes it (ScoreText.appendCell): quoted when it holds a comma, a quote or a line break.
    static func cell(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return bytes }
        var out: [UInt8] = [0x22]
        for b in bytes {
            if b == 0x22 { out.append(b) }
            out.append(b)
        }
        return out + [0x22]
    }

    /// A row's bytes for `key` (its score derived from its position).
    static func row(_ key: [UInt8], _ i: Int) -> [UInt8] {
        cell(key)
            + Array(
                ",\(500 + i % 300).\(i % 100 < 10 ? "0" : "")\(i % 100),auto_loans|home_loans,A1,B\(i % 7),,\n".utf8)
    }

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = folder + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A file of `keys` (sorted here in byte order), and the rows it holds by key.
    func file(_ name: String, keys: [[UInt8]]) throws -> (String, [[UInt8]: [String]]) {
        let sorted = Array(Set(keys)).sorted { $0.lexicographicallyPrecedes($1) }
        var bytes = Array(Self.header.utf8)
        var expected: [[UInt8]: [String]] = [:]
        for (i, key) in sorted.enumerated() {
            bytes += Self.row(key, i)
            expected[key] =
                [String(decoding: key, as: UTF8.self)]
                + String(decoding: Self.row([], i), as: UTF8.self)
                .dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        return (try write(name, bytes), expected)
    }

    @Test func rows_findPresentKeysAndNilForAbsentOnes() throws {
        let (path, expected) = try file("a.csv", keys: ["100", "200", "300", "400"].map { Array($0.utf8) })
        let scores = try ScoresFile(path: path)
        #expect(scores.header == ["tax_id", "score", "parties", "reason_1", "reason_2", "reason_3", "reason_4"])
        #expect(!scores.isTruncated)
        let answers = scores.rows(forKeys: ["300", "050", "100", "250", "400", "999", "", "30", "3000", "300"])
        #expect(
            answers.map { $0?.cells } == [
                expected[Array("300".utf8)], nil, expected[Array("100".utf8)], nil, expected[Array("400".utf8)], nil,
                nil, nil, nil, expected[Array("300".utf8)],
            ])
        #expect(answers[0]?.cells == ["300", "502.02", "auto_loans|home_loans", "A1", "B2", "", ""])
    }

    @Test func rows_handleKeysThatNeedQuoting() throws {
        let keys = ["a,b", "a\"b", "a\nb", "a\r\nb", "\"", ",", "\n", "a", "ab", "a\n1,2.00,x,,,,", "zz\"\"\n\""]
        let (path, expected) = try file("q.csv", keys: keys.map { Array($0.utf8) })
        let scores = try ScoresFile(path: path)
        let answers = scores.rows(forKeys: keys + ["a\n1", "a\"", "b"])
        for (i, key) in keys.enumerated() { #expect(answers[i]?.cells == expected[Array(key.utf8)]) }
        #expect(answers.suffix(3).allSatisfy { $0 == nil })
        #expect(scores.allRows().count == keys.count)
    }

    @Test func rows_emptyFileAndHeaderOnlyAnswerNil() throws {
        let empty = try ScoresFile(path: try write("empty.csv", []))
        #expect(empty.header.isEmpty)
        #expect(empty.rows(forKeys: ["1"]) == [nil])
        let headerOnly = try ScoresFile(path: try write("header.csv", Array(Self.header.utf8)))
        #expect(headerOnly.header.count == 7)
        #expect(headerOnly.rows(forKeys: ["1", ""]) == [nil, nil])
        #expect(!headerOnly.isTruncated)
    }

    @Test func rows_ignoreATruncatedLastRecord() throws {
        var bytes = Array(Self.header.utf8) + Self.row(Array("1".utf8), 0) + Self.row(Array("2".utf8), 1)
        bytes += Array("3,71".utf8)  // cut short while being written
        let scores = try ScoresFile(path: try write("cut.csv", bytes))
        #expect(scores.isTruncated)
        let answers = scores.rows(forKeys: ["1", "2", "3"])
        #expect(answers[0] != nil && answers[1] != nil && answers[2] == nil)
        // An unterminated quoted key at the end, holding a line break.
        let open = try ScoresFile(
            path: try write("open.csv", Array(Self.header.utf8) + Self.row(Array("1".utf8), 0) + Array("\"2\n,".utf8)))
        #expect(open.isTruncated)
        #expect(open.rows(forKeys: ["1", "2"]).map { $0 != nil } == [true, false])
    }

    @Test func rows_keysLongerThanAnyFieldAndNonUTF8Neighbours() throws {
        let keys: [[UInt8]] = [[0x31], [0x32, 0xFF, 0xFE], [0x32, 0xFF, 0xFF], [0xC3, 0x28], Array("é".utf8)]
        let (path, expected) = try file("bytes.csv", keys: keys)
        let scores = try ScoresFile(path: path)
        let long = String(repeating: "2", count: 100_000)
        let answers = scores.rows(forKeys: [long, "1", "é", String(repeating: "é", count: 5000)])
        #expect(answers[0] == nil && answers[3] == nil)
        #expect(answers[1]?.cells == expected[[0x31]])
        #expect(answers[2]?.cells == expected[Array("é".utf8)])
        // A non-UTF-8 key is read with replacement characters, never trapping.
        #expect(scores.allRows()[1].cells[0] == "2\u{FFFD}\u{FFFD}")
    }

    @Test func cache_reopensAFileReplacedByRename() throws {
        let (path, _) = try file("scores.csv", keys: [Array("1".utf8)])
        let cache = ScoresFileCache(capacity: 2)
        let first = try #require(try cache.file(at: path))
        #expect(try cache.file(at: path) === first)
        let (other, _) = try file("next.csv", keys: [Array("2".utf8)])
        try FileIO.rename(other, to: path)
        let second = try #require(try cache.file(at: path))
        #expect(second !== first)
        #expect(second.rows(forKeys: ["1", "2"]).map { $0 != nil } == [false, true])
        // The old mapping still answers from the old file.
        #expect(first.rows(forKeys: ["1", "2"]).map { $0 != nil } == [true, false])
        try FileManager.default.removeItem(atPath: path)
        #expect(try cache.file(at: path) == nil)
    }

    /// Random sorted files (keys of digits, commas, quotes and line breaks) against a linear scan.
    @Test(arguments: 0..<12) func rows_agreeWithALinearScan(seed: Int) throws {
        var random = SplitMix(seed: UInt64(seed))
        let alphabet: [UInt8] = Array("0123456789,\"\n\ra".utf8)
        let plain = seed % 3 == 0  // a third of the files: digits only (no quoting at all)
        func key() -> [UInt8] {
            let length = 1 + Int(random.next() % (seed % 4 == 1 ? 40 : 6))
            return (0..<length).map { _ in
                plain
                    ? UInt8(ascii: "0") + UInt8(random.next() % 10)
                    : alphabet[Int(random.next() % UInt64(alphabet.count))]
            }
        }
        let count = Int(random.next() % 3000)
        let keys = (0..<count).map { _ in key() }
        let (path, expected) = try file("p\(seed).csv", keys: keys)
        let scores = try ScoresFile(path: path)
        #expect(scores.allRows().count == expected.count)
        // Present keys, absent keys and duplicates, valid UTF-8 only (the API's keys are JSON strings).
        var queries = keys.prefix(500).map { String(decoding: $0, as: UTF8.self) }
        queries += (0..<500).map { _ in String(decoding: key(), as: UTF8.self) }
        queries.shuffle(using: &random)
        let answers = scores.rows(forKeys: queries)
        for (query, answer) in zip(queries, answers) {
            #expect(answer?.cells == expected[Array(query.utf8)])
        }
    }
}

/// A small seeded generator (SplitMix64), so property tests repeat.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
