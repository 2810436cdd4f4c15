#if canImport(Glibc)
import Glibc
#endif

/// `vfl inspect csv`: parses a file strictly and writes its records as one JSON array of arrays of strings, or the
/// first error as `{"error": KIND, "line": N, "column": N, "byte_offset": N, "record": N, "message": ...}`.
public enum CSVInspector {
    /// Streams the records of `path` as JSON to `output`.
    ///
    /// - Returns: `nil` on success, else the error object's JSON text (the caller prints it and exits 1).
    /// - Throws: ``SystemError`` when writing the output fails.
    public static func inspect(path: String, output: BufferedFileWriter) throws -> String? {
        do {
            let reader = try CSVReader(path: path)
            try output.write("[")
            var first = true
            var line: [UInt8] = []
            while try reader.next() {
                line.removeAll(keepingCapacity: true)
                if !first { line.append(UInt8(ascii: ",")) }
                first = false
                line.append(UInt8(ascii: "["))
                for i in 0..<reader.fieldCount {
                    if i > 0 { line.append(UInt8(ascii: ",")) }
                    appendJSONString(reader.field(i), to: &line)
                }
                line.append(UInt8(ascii: "]"))
                try output.write(line)
            }
            try output.write("]\n")
            return nil
        } catch let error as CSVError {
            let object: JSONValue = [
                "error": .string(error.kind.rawValue), "line": .number(Double(error.line)),
                "column": .number(Double(error.column)), "byte_offset": .number(Double(error.byteOffset)),
                "record": .number(Double(error.record)), "message": .string(error.message),
            ]
            return object.text
        }
    }

    /// Reads `path` without printing its records, for measuring the reader: records, fields, bytes and seconds,
    /// and with `numbers` also parses every cell as a decimal (counting those that are numbers).
    ///
    /// - Throws: ``CSVError`` at the first malformed byte.
    public static func statistics(path: String, numbers: Bool) throws(CSVError) -> JSONValue {
        let started = Timestamp.monotonicSeconds()
        let reader = try CSVReader(path: path)
        var records = 0
        var fields = 0
        var numeric = 0
        while try reader.next() {
            records += 1
            fields += reader.fieldCount
            if numbers {
                for i in 0..<reader.fieldCount where DecimalParser.parse(reader.field(i)) != nil { numeric += 1 }
            }
        }
        let seconds = Timestamp.monotonicSeconds() - started
        let size = FileIO.size(path)
        var members: [(String, JSONValue)] = [
            ("records", .number(Double(records))), ("fields", .number(Double(fields))),
            ("bytes", .number(Double(size))), ("seconds", .number((seconds * 1e4).rounded() / 1e4)),
            ("mb_per_s", .number((Double(size) / 1e6 / max(seconds, 1e-9) * 10).rounded() / 10)),
        ]
        if numbers { members.append(("numeric_cells", .number(Double(numeric)))) }
        return .object(members)
    }

    /// Appends UTF-8 bytes (already validated) as a JSON string literal.
    static func appendJSONString(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        let hex = Array("0123456789abcdef".utf8)
        for b in bytes {
            switch b {
            case UInt8(ascii: "\""): out += [0x5C, 0x22]
            case UInt8(ascii: "\\"): out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case 0..<0x20: out += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]]
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
