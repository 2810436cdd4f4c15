// libFuzzer target `csv`: Core's CSVReader, as the workers and `vfl inspect csv` use it.
//
// Every input is read to its end three ways: from memory with the default limits; from a real file in small chunks
// (1 to 5 bytes for short inputs: every record, quote, CRLF and UTF-8 sequence across a refill), which must give the
// same records and the same error kind; and from the file with tiny field and record limits (the limit paths). Every
// field of every record is read as bytes, as a string and through DecimalParser, as the shard loader does.
import Core

#if canImport(Glibc)
import Glibc
#endif

/// What reading an input to its end gave: the records' fields, then the error kind, if any.
struct Outcome: Equatable {
    var records: [[[UInt8]]] = []
    var error: String?
}

func readAll(_ reader: CSVReader) -> Outcome {
    var outcome = Outcome()
    do {
        while try reader.next() {
            var fields: [[UInt8]] = []
            for i in 0..<reader.fieldCount {
                let field = reader.field(i)
                fields.append(Array(field))
                _ = DecimalParser.parse(field)
                _ = reader.fieldString(i)
            }
            if let raw = reader.rawRecord { _ = raw.count }
            _ = reader.recordStrings()
            outcome.records.append(fields)
        }
    } catch {
        precondition(error.line >= 1 && error.column >= 1 && error.byteOffset >= 0 && error.record >= 1)
        outcome.error = error.kind.rawValue
    }
    return outcome
}

/// A scratch file the file-backed readers read, rewritten for every input.
let scratch: Int32 = {
    var template = Array("/tmp/vfl-fuzz-csv-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    precondition(fd >= 0, "cannot create a scratch file")
    template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
    return fd
}()

/// A reader of the scratch file holding `bytes`.
func fileReader(_ bytes: UnsafeBufferPointer<UInt8>, _ limits: CSVLimits) -> CSVReader {
    precondition(ftruncate(scratch, 0) == 0)
    if bytes.count > 0 { precondition(pwrite(scratch, bytes.baseAddress!, bytes.count, 0) == bytes.count) }
    let fd = dup(scratch)
    precondition(fd >= 0 && lseek(fd, 0, SEEK_SET) == 0)
    return CSVReader(fileDescriptor: fd, closeWhenDone: true, limits: limits)
}

/// The libFuzzer entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: data == nil ? 0 : size)
    let inMemory = readAll(CSVReader(bytes: Array(bytes)))
    // Tiny chunks for short inputs; longer ones would be rescanned from the record's start after every refill.
    let chunk = size < 512 ? 1 + size % 5 : 256 + size % 97
    // 64 KiB limits keep the reader's buffer small; below them both readers apply no limit at all.
    let chunked = readAll(
        fileReader(bytes, CSVLimits(maxFieldBytes: 1 << 16, maxRecordBytes: 1 << 16, chunkBytes: chunk)))
    if size <= 1 << 16 && chunked != inMemory {
        fatalError("file read in \(chunk)-byte chunks differs from memory: \(chunked.error ?? "records")")
    }
    let field = 1 + size % 11
    _ = readAll(fileReader(bytes, CSVLimits(maxFieldBytes: field, maxRecordBytes: field + size % 23, chunkBytes: 3)))
    return 0
}
