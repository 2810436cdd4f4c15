import Core
import Fixtures
import Foundation
import Model
import Registry
import Spool
import Store
import Testing

@Suite struct ModelRegistrarTests {
    @Test func add_storesTheFileContentAddressedAndIsIdempotent() throws {
        let place = try StorePlace(.sqlite)
        let spool = Spool(root: FileIO.directory(of: place.location) + "/spool")
        try spool.create()
        let registrar = ModelRegistrar(store: try place.open(), spool: spool)
        let file = FileIO.directory(of: place.location) + "/m.json"
        try FileIO.writeAtomically(
            file, Array(RandomModel.json(seed: 1, parties: RandomModel.fourParties, top: [8]).utf8))
        let first = try registrar.add(file: file, name: "credit", owner: "risk", purpose: "retail", actor: "ana")
        #expect(first.added && first.record.version == 1 && first.record.label == "credit@1")
        #expect(FileIO.exists(spool.modelFile(first.model.id)))
        #expect(try SHA256.hex(ofFile: spool.modelFile(first.model.id)) == first.model.id)
        let again = try registrar.add(file: file, name: "credit", actor: "ana")
        #expect(!again.added && again.record == first.record)
        #expect(throws: StoreError.self) { try registrar.add(file: file, name: "other", actor: "ana") }
    }
}
