import Core
import Fixtures
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Replays the fuzz inputs of the Core targets through the entry points their harnesses (fuzz/<target>.swift) call,
/// with the same checks: a crash fails the whole run, a thrown error is fine.
@Suite struct FuzzRegressionTests {
    @Test func inputs_arePresent() {
        for target in ["csv", "decimal", "json"] { #expect(!fuzzInputs(target).isEmpty, "\(target)") }
    }

    /// Every record's fields and then the error kind, as the harness compares them.
    struct Outcome: Equatable {
        var records: [[String]] = []
        var error: String?
    }

    static func readAll(_ reader: CSVReader) -> Outcome {
        var outcome = Outcome()
        do {
            while try reader.next() {
                for i in 0..<reader.fieldCount { _ = DecimalParser.parse(reader.field(i)) }
                _ = reader.rawRecord
                outcome.records.append(reader.recordStrings())
            }
        } catch {
            #expect(error.line >= 1 && error.column >= 1 && error.byteOffset >= 0 && error.record >= 1)
            outcome.error = error.kind.rawValue
        }
        return outcome
    }

    @Test(arguments: fuzzInputs("csv"))
    func csv_readsTheSameFromMemoryAndInSmallChunks(_ path: String) throws {
        let bytes = try FileIO.readFile(path)
        let size = bytes.count
        let inMemory = Self.readAll(CSVReader(bytes: bytes))
        let chunk = size < 512 ? 1 + size % 5 : 256 + size % 97
        let chunked = Self.readAll(
            try CSVReader(
                path: path, limits: CSVLimits(maxFieldBytes: 1 << 16, maxRecordBytes: 1 << 16, chunkBytes: chunk)))
        if size <= 1 << 16 { #expect(chunked == inMemory) }
        let field = 1 + size % 11
        _ = Self.readAll(
            try CSVReader(
                path: path, limits: CSVLimits(maxFieldBytes: field, maxRecordBytes: field + size % 23, chunkBytes: 3)))
    }

    @Test(arguments: fuzzInputs("decimal"))
    func decimal_isStrtodOnItsSyntaxAndNilOutsideIt(_ path: String) throws {
        let bytes = try FileIO.readFile(path)
        let text = String(decoding: bytes, as: UTF8.self)
        let value = bytes.withUnsafeBufferPointer { DecimalParser.parse($0) }
        let syntax = #/[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?/#
        let isDecimal = bytes.allSatisfy { $0 < 0x80 } && text.wholeMatch(of: syntax) != nil
        #expect((value != nil) == isDecimal)
        if let value {
            #expect(value.bitPattern == strtod(text, nil).bitPattern)
            #expect(DecimalParser.parse(text)?.bitPattern == value.bitPattern)
        }
    }

    @Test(arguments: fuzzInputs("json"))
    func json_readsItsOwnTextBackEqual(_ path: String) throws {
        guard let value = try? JSONValue(parsing: Data(contentsOf: URL(fileURLWithPath: path))) else { return }
        #expect(try JSONValue(parsing: Data(value.text.utf8)) == value)
    }
}
