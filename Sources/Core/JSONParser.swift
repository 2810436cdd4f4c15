/// A small recursive-descent JSON reader behind ``JSONValue/init(parsing:)``.
struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var p = 0
    var depth = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func parseDocument() throws -> JSONValue {
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { p = 3 }
        let value = try parseValue()
        skipSpace()
        if p != bytes.count { throw fail("unexpected data after the JSON value") }
        return value
    }

    private func fail(_ message: String) -> JSONValue.ParseError {
        JSONValue.ParseError(message: "\(message) at byte \(p)")
    }

    private mutating func skipSpace() {
        while p < bytes.count {
            let c = bytes[p]
            if c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { p += 1 } else { break }
        }
    }

    private mutating func parseValue() throws -> JSONValue {
        skipSpace()
        guard p < bytes.count else { throw fail("unexpected end of JSON") }
        switch bytes[p] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return .number(try parseNumber())
        }
    }

    private mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard p + count <= bytes.count else { throw fail("invalid literal") }
        for i in 0..<count where bytes[p + i] != word.utf8Start[i] { throw fail("invalid literal") }
        p += count
    }

    private mutating func parseNumber() throws -> Double {
        let start = p
        while p < bytes.count {
            let c = bytes[p]
            let isNumberByte =
                (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-") || c == UInt8(ascii: "+")
                || c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E")
            if !isNumberByte { break }
            p += 1
        }
        guard p > start, bytes[start] != UInt8(ascii: "+"),
            let value = DecimalParser.parse(bytes.baseAddress! + start, count: p - start), value.isFinite
        else {
            p = start
            throw fail("invalid number")
        }
        return value
    }

    private mutating func parseString() throws -> String {
        p += 1  // opening quote
        var out = [UInt8]()
        while true {
            guard p < bytes.count else { throw fail("unterminated string") }
            let c = bytes[p]
            if c == UInt8(ascii: "\"") {
                p += 1
                break
            }
            if c < 0x20 { throw fail("control character in a string") }
            if c != UInt8(ascii: "\\") {
                out.append(c)
                p += 1
                continue
            }
            p += 1
            guard p < bytes.count else { throw fail("unterminated string") }
            let e = bytes[p]
            p += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    guard p + 1 < bytes.count, bytes[p] == UInt8(ascii: "\\"), bytes[p + 1] == UInt8(ascii: "u") else {
                        throw fail("unpaired surrogate")
                    }
                    p += 2
                    let low = try hex4()
                    guard low >= 0xDC00 && low < 0xE000 else { throw fail("unpaired surrogate") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw fail("invalid escape") }
                out.append(contentsOf: Array(String(Character(unicode)).utf8))
            default:
                throw fail("invalid escape")
            }
        }
        guard let string = String(validating: out, as: UTF8.self) else { throw fail("invalid UTF-8 in a string") }
        return string
    }

    private mutating func hex4() throws -> UInt32 {
        guard p + 4 <= bytes.count else { throw fail("invalid \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[p]
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
            default: throw fail("invalid \\u escape")
            }
            value = value << 4 | UInt32(digit)
            p += 1
        }
        return value
    }

    private mutating func parseArray() throws -> JSONValue {
        p += 1
        depth += 1
        defer { depth -= 1 }
        if depth > 256 { throw fail("JSON nested too deeply") }
        var elements: [JSONValue] = []
        skipSpace()
        if p < bytes.count && bytes[p] == UInt8(ascii: "]") {
            p += 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue())
            skipSpace()
            guard p < bytes.count else { throw fail("unterminated array") }
            if bytes[p] == UInt8(ascii: ",") {
                p += 1
                continue
            }
            if bytes[p] == UInt8(ascii: "]") {
                p += 1
                return .array(elements)
            }
            throw fail("expected , or ] in an array")
        }
    }

    private mutating func parseObject() throws -> JSONValue {
        p += 1
        depth += 1
        defer { depth -= 1 }
        if depth > 256 { throw fail("JSON nested too deeply") }
        var members: [(String, JSONValue)] = []
        var seen = Set<String>()
        skipSpace()
        if p < bytes.count && bytes[p] == UInt8(ascii: "}") {
            p += 1
            return .object(members)
        }
        while true {
            skipSpace()
            guard p < bytes.count, bytes[p] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
            let key = try parseString()
            guard seen.insert(key).inserted else { throw fail("duplicate member \"\(key)\"") }
            skipSpace()
            guard p < bytes.count, bytes[p] == UInt8(ascii: ":") else { throw fail("expected : after a member name") }
            p += 1
            members.append((key, try parseValue()))
            skipSpace()
            guard p < bytes.count else { throw fail("unterminated object") }
            if bytes[p] == UInt8(ascii: ",") {
                p += 1
                continue
            }
            if bytes[p] == UInt8(ascii: "}") {
                p += 1
                return .object(members)
            }
            throw fail("expected , or } in an object")
        }
    }
}
