// libFuzzer target `manifest`: Spool's `Manifest(parsing:)`, the batch's `manifest.json` that ingest reads from a
// bank's drop.
//
// Besides not crashing: an accepted manifest's own text (`jsonText`) must parse to an equal manifest.
import Core
import Spool

import struct Foundation.Data

/// The libFuzzer entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Data(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
    guard let manifest = try? Manifest(parsing: bytes) else { return 0 }
    guard let again = try? Manifest(parsing: Data(manifest.jsonText.utf8)) else {
        fatalError("its own text does not parse")
    }
    if again != manifest { fatalError("its own text parses to a different manifest") }
    return 0
}
