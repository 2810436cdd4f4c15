// libFuzzer target `decimal`: Core's DecimalParser on one cell's bytes.
//
// Besides not crashing: the parser accepts exactly its documented syntax, `[+-]?(D+\.?D*|\.D+)([eE][+-]?D+)?`, and
// what it accepts is correctly rounded, so it must equal glibc's strtod(3) bit for bit. The String entry point must
// agree with the byte one.
import Core

#if canImport(Glibc)
import Glibc
#endif

/// Whether `bytes` match the documented syntax (a reference matcher, written for clarity, not speed).
func isDecimal(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var p = 0
    func digits() -> Int {
        let start = p
        while p < bytes.count && bytes[p] >= UInt8(ascii: "0") && bytes[p] <= UInt8(ascii: "9") { p += 1 }
        return p - start
    }
    if p < bytes.count && (bytes[p] == UInt8(ascii: "+") || bytes[p] == UInt8(ascii: "-")) { p += 1 }
    var mantissa = digits()
    if p < bytes.count && bytes[p] == UInt8(ascii: ".") {
        p += 1
        mantissa += digits()
    }
    guard mantissa > 0 else { return false }
    if p < bytes.count && (bytes[p] == UInt8(ascii: "e") || bytes[p] == UInt8(ascii: "E")) {
        p += 1
        if p < bytes.count && (bytes[p] == UInt8(ascii: "+") || bytes[p] == UInt8(ascii: "-")) { p += 1 }
        guard digits() > 0 else { return false }
    }
    return p == bytes.count
}

/// strtod(3) of the bytes.
func reference(_ bytes: UnsafeBufferPointer<UInt8>) -> Double {
    var copy = bytes.map { CChar(bitPattern: $0) }
    copy.append(0)
    return strtod(copy, nil)
}

/// The libFuzzer entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecimal(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: data == nil ? 0 : size)
    let value = DecimalParser.parse(bytes)
    guard isDecimal(bytes) else {
        if value != nil { fatalError("accepted outside the documented syntax") }
        return 0
    }
    guard let value else { fatalError("rejected a number of the documented syntax") }
    if value.bitPattern != reference(bytes).bitPattern { fatalError("not correctly rounded (strtod differs)") }
    let text = String(decoding: bytes, as: UTF8.self)
    if DecimalParser.parse(text)?.bitPattern != value.bitPattern { fatalError("the String entry point differs") }
    return 0
}
