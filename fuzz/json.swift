// libFuzzer target `json`: Core's JSON reader, `JSONValue(parsing:)`, which reads model files, manifests and API
// bodies.
//
// Besides not crashing: a document it accepts is written back as text (`JSONValue.text`), and that text must parse
// to an equal value.
import Core

import struct Foundation.Data

/// The libFuzzer entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Data(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
    guard let value = try? JSONValue(parsing: bytes) else { return 0 }
    guard let again = try? JSONValue(parsing: Data(value.text.utf8)) else { fatalError("its own text does not parse") }
    if again != value { fatalError("its own text parses to a different value") }
    return 0
}
