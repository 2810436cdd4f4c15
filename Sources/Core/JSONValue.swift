public import struct Foundation.Data

/// A JSON document as a value: what vfl reads (models, manifests) and writes (summaries, logs, API answers).
///
/// Objects keep their keys in insertion order when written, so output is deterministic.
public enum JSONValue: Sendable, Equatable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number.
    case number(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object, keys in order.
    case object([(String, JSONValue)])

    /// Equality that compares objects key by key, in order.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// Parses a JSON document (RFC 8259); numbers are read with ``DecimalParser`` (correctly rounded).
    ///
    /// - Throws: ``JSONValue/ParseError`` naming the byte offset of the first problem.
    public init(parsing data: Data) throws {
        let bytes = [UInt8](data)
        self = try bytes.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(bytes: buffer)
            return try parser.parseDocument()
        }
    }

    /// An error from ``init(parsing:)``.
    public struct ParseError: Error, CustomStringConvertible {
        /// What was wrong, with the byte offset.
        public var message: String
        /// The message.
        public var description: String { message }
    }

    /// The member `key` of an object, or `nil`.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members.first { $0.0 == key }?.1 }
        return nil
    }

    /// The number, or `nil`.
    public var double: Double? { if case .number(let v) = self { return v } else { return nil } }
    /// The number when it is a whole number, or `nil`.
    public var int: Int? {
        if case .number(let v) = self, v.rounded() == v, abs(v) < 9e15 { return Int(v) }
        return nil
    }
    /// The string, or `nil`.
    public var string: String? { if case .string(let v) = self { return v } else { return nil } }
    /// The boolean, or `nil`.
    public var bool: Bool? { if case .bool(let v) = self { return v } else { return nil } }
    /// The elements, or `nil`.
    public var array: [JSONValue]? { if case .array(let v) = self { return v } else { return nil } }
    /// The members, or `nil`.
    public var object: [(String, JSONValue)]? { if case .object(let v) = self { return v } else { return nil } }

    /// The compact JSON text.
    public var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    /// Appends the compact JSON text to `out`.
    public func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let v): out += v ? "true" : "false"
        case .number(let v): out += JSONValue.format(v)
        case .string(let v): JSONValue.quote(v, into: &out)
        case .array(let elements):
            out += "["
            for (i, element) in elements.enumerated() {
                if i > 0 { out += "," }
                element.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out += "," }
                JSONValue.quote(key, into: &out)
                out += ":"
                value.write(to: &out)
            }
            out += "}"
        }
    }

    /// Formats a number: whole numbers without a fraction, others in the shortest round-tripping form.
    public static func format(_ v: Double) -> String {
        guard v.isFinite else { return "null" }
        if v.rounded() == v && abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    /// Appends `s` as a JSON string literal.
    public static func quote(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    /// A string.
    public init(stringLiteral value: String) { self = .string(value) }
    /// A number.
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    /// A number.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// A boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An array.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// An object, keys in the literal's order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(elements) }
}
