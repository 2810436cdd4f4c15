import Core
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
