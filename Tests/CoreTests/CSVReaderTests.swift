import Core
import Foundation
import Testing

@Suite struct CSVReaderTests {
    func read(_ text: String, limits: CSVLimits = CSVLimits()) throws(CSVError) -> [[String]] {
        let reader = CSVReader(bytes: Array(text.utf8), limits: limits)
        var records: [[String]] = []
        while try reader.next() { records.append(reader.recordStrings()) }
        return records
    }

    func error(_ text: String, limits: CSVLimits = CSVLimits()) -> CSVError? {
        do {
            _ = try read(text, limits: limits)
            return nil
        } catch {
            return error
        }
    }

    @Test func next_stripsBOMAndAcceptsMixedLineEnds() throws {
        #expect(try read("\u{FEFF}a,b\r\n1,2\n3,4") == [["a", "b"], ["1", "2"], ["3", "4"]])
    }

    @Test func next_keepsQuotedLineBreaksAndUnescapesQuotes() throws {
        #expect(try read("a,b\n\"x\r\ny\",\"say \"\"hi\"\"\"\n") == [["a", "b"], ["x\r\ny", "say \"hi\""]])
    }

    @Test func next_reportsLineColumnAndOffsetOfBareQuote() {
        let e = error("a,b\n1,x\"y\n")
        #expect(e?.kind == .bareQuote)
        #expect(e?.line == 2)
        #expect(e?.column == 4)
        #expect(e?.byteOffset == 7)
        #expect(e?.record == 2)
    }

    @Test func next_linesCountLineBreaksInsideQuotes() {
        let e = error("a,b\n\"1\n2\",3\n4\n")
        #expect(e?.kind == .fieldCount)
        #expect(e?.line == 4)
    }

    @Test func next_rejectsNULAndInvalidUTF8() {
        #expect(error("a,\u{0}b\n")?.kind == .nulByte)
        let reader = CSVReader(bytes: [0x61, 0x2C, 0xC3, 0x28, 0x0A])
        #expect(throws: CSVError.self) { while try reader.next() {} }
    }

    @Test func next_enforcesFieldAndRecordLimits() {
        let limits = CSVLimits(maxFieldBytes: 8, maxRecordBytes: 12, chunkBytes: 4)
        #expect(error("123456789\n", limits: limits)?.kind == .fieldTooLong)
        #expect(error("1234,5678,90ab\n", limits: limits)?.kind == .recordTooLong)
        #expect(error("\"12345678901234567890", limits: limits)?.kind == .fieldTooLong)
        #expect((try? read("12345678,123\n", limits: limits)) == [["12345678", "123"]])
    }

    @Test func next_headerOnlyAndEmptyInputs() throws {
        #expect(try read("") == [])
        #expect(try read("\u{FEFF}") == [])
        #expect(try read("a,b\n") == [["a", "b"]])
    }

    @Test func field_isValidWithoutAllocation() throws {
        let reader = CSVReader(bytes: Array("k,v\nabc,1.5\n".utf8))
        _ = try reader.next()
        _ = try reader.next()
        #expect(Array(reader.field(0)) == Array("abc".utf8))
        #expect(reader.recordLine == 2)
        #expect(try reader.next() == false)
    }
}

extension CSVReaderTests {
    @Test func rawRecord_isTheFileBytesWithoutTheLineEnd() throws {
        let reader = CSVReader(bytes: Array("a,\"b,c\"\r\n1,\"x\"\"y\"\nlast,2".utf8))
        _ = try reader.next()
        #expect(reader.rawRecord.map { Array($0) } == Array("a,\"b,c\"".utf8))
        _ = try reader.next()
        #expect(reader.rawRecord == nil)  // "" was unescaped in place
        _ = try reader.next()
        #expect(reader.rawRecord.map { Array($0) } == Array("last,2".utf8))
    }
}

/// The fast path for plain records (eight bytes at a time) against the strict scan it hands the rest to.
extension CSVReaderTests {
    /// Random records mixing plain cells with spaces, punctuation, quotes, line breaks, CRLF and UTF-8, and their
    /// RFC 4180 text.
    static func randomRecords(seed: UInt64, count: Int, fields: Int) -> ([[String]], String) {
        var state = seed
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        let pieces = ["123", "-4.5", "abc", " ", "+!#&*()", "é", "x\"y", "a,b", "l\nm", "\t", "", "zzzzzzzzzz"]
        var records: [[String]] = []
        var text = ""
        for _ in 0..<count {
            var record: [String] = []
            for _ in 0..<fields {
                let cell = (0..<(next() % 4)).map { _ in pieces[next() % pieces.count] }.joined()
                record.append(cell)
            }
            records.append(record)
            let cells = record.map { cell in
                cell.contains(where: { $0 == "\"" || $0 == "," || $0 == "\n" })
                    ? "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : cell
            }
            text += cells.joined(separator: ",") + (next() % 5 == 0 ? "\r\n" : "\n")
        }
        return (records, text)
    }

    @Test(arguments: [1, 2, 3, 70])
    func next_plainAndQuotedRecordsReadAsWrittenAcrossChunks(fields: Int) throws {
        let (records, text) = Self.randomRecords(seed: UInt64(fields), count: 400, fields: fields)
        #expect(try read(text) == records)
        // Through a file, in chunks that end anywhere inside records.
        for chunk in [7, 61, 1 << 20] {
            let path = "/tmp/vfl-csv-\(fields)-\(chunk)-\(UInt64.random(in: 0...UInt64.max)).csv"
            defer { unlink(path) }
            _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
            let reader = try CSVReader(
                path: path, limits: CSVLimits(maxFieldBytes: 1 << 10, maxRecordBytes: 1 << 12, chunkBytes: chunk))
            var read: [[String]] = []
            while try reader.next() { read.append(reader.recordStrings()) }
            #expect(read == records, "chunks of \(chunk)")
        }
    }

    @Test func next_plainRecordsKeepLimitsFieldCountsAndPositions() throws {
        let limits = CSVLimits(maxFieldBytes: 16, maxRecordBytes: 40, chunkBytes: 1 << 20)
        #expect(error("aaaa,bbbb\n0123456789abcdefg,1\n", limits: limits)?.kind == .fieldTooLong)
        #expect(error("a,b,c,d\n0123456789,0123456789,0123456789,0123456789\n", limits: limits)?.kind == .recordTooLong)
        let e = error("name,value,more\nalpha,1.25,xyz\nbeta,2.5\n")
        #expect(e?.kind == .fieldCount)
        #expect(e?.line == 3)
        #expect(e?.record == 3)
        let wide = (0..<200).map { "f\($0)" }.joined(separator: ",") + "\n"
        #expect(try read(wide + wide) == [(0..<200).map { "f\($0)" }, (0..<200).map { "f\($0)" }])
        #expect(error("name,value\nalpha,be\u{0}ta\n")?.kind == .nulByte)
        #expect(error("name,value\nalpha,be\rta\n")?.kind == .bareCR)
        #expect(error("name,value\nalpha,be\"ta\n")?.kind == .bareQuote)
    }
}
