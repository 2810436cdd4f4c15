import Core
import Foundation
import Testing

/// Runs the whole visible conformance corpus through the reader: every valid case gives the expected records,
/// every malformed case the expected error kind.
@Suite struct CSVConformanceTests {
    static var corpus: String {
        if let dir = ProcessInfo.processInfo.environment["VFL_CONFORMANCE_DIR"] { return dir }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent("../shared/conformance/csv/visible").standardized.path
    }

    static func cases(_ kind: String) -> [String] {
        let dir = corpus + "/" + kind
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.sorted().map { dir + "/" + $0 }
    }

    @Test func corpus_isPresent() throws {
        #expect(Self.cases("valid").count >= 100, "conformance corpus not found at \(Self.corpus)")
        #expect(Self.cases("malformed").count >= 75)
    }

    @Test(arguments: cases("valid"))
    func validCase_readsExpectedRecords(_ dir: String) throws {
        let expected =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/expected.json")))
            as! [[String]]
        let reader = try CSVReader(path: dir + "/input.csv")
        var records: [[String]] = []
        while try reader.next() { records.append(reader.recordStrings()) }
        #expect(records == expected, "\(dir)")
    }

    @Test(arguments: cases("valid"))
    func validCase_readsSameRecordsWithTinyChunks(_ dir: String) throws {
        // Chunks of 1 to 7 bytes put every record, field, quote, CRLF and UTF-8 sequence across a refill boundary.
        let expected =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/expected.json")))
            as! [[String]]
        // Rescanning a record after each refill is quadratic in tiny chunks: keep them to the small cases.
        let size = (try? FileManager.default.attributesOfItem(atPath: dir + "/input.csv")[.size] as? Int) ?? 0
        for chunk in size < 65536 ? [1, 2, 3, 7] : [4096] {
            let reader = try CSVReader(path: dir + "/input.csv", limits: CSVLimits(chunkBytes: chunk))
            var records: [[String]] = []
            while try reader.next() { records.append(reader.recordStrings()) }
            #expect(records == expected, "\(dir) with \(chunk)-byte chunks")
        }
    }

    @Test(arguments: cases("malformed"))
    func malformedCase_failsWithExpectedKind(_ dir: String) throws {
        let expected =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: dir + "/expected_error.json"))) as! [String: Any]
        let kind = expected["error"] as! String
        let size = (try? FileManager.default.attributesOfItem(atPath: dir + "/input.csv")[.size] as? Int) ?? 0
        for chunk in size < 65536 ? [1 << 20, 5] : [1 << 20] {
            let reader = try CSVReader(path: dir + "/input.csv", limits: CSVLimits(chunkBytes: chunk))
            do {
                while try reader.next() {}
                Issue.record("\(dir): accepted, expected \(kind)")
            } catch {
                #expect(error.kind.rawValue == kind, "\(dir) with \(chunk)-byte chunks: \(error)")
                if let line = expected["line"] as? Int, chunk > 5 { #expect(error.line == line, "\(dir): \(error)") }
            }
        }
    }
}
