import Core
import Fixtures
import Foundation
import Model
import Testing

@Suite struct SplitModelTests {
    static let valid = RandomModel.json(seed: 1, parties: RandomModel.fourParties, top: [8])

    func failure(_ edit: (inout String) -> Void) -> ModelError? {
        var text = Self.valid
        edit(&text)
        do {
            _ = try SplitModel(bytes: Array(text.utf8))
            return nil
        } catch let error as ModelError {
            return error
        } catch {
            return nil
        }
    }

    @Test func load_readsShapesAndComputesID() throws {
        let model = try SplitModel(bytes: Array(Self.valid.utf8))
        #expect(model.parties.map(\.name) == ["auto_loans", "digital_savings", "home_loans", "credit_card"])
        #expect(model.topInputWidth == 4 + 3 + 4 + 2 + 4)
        #expect(model.id == SHA256.hex(of: Array(Self.valid.utf8)))
        #expect(model.parties[0].features[0].values?.count == 2)
        #expect(model.info["parties"]?.array?.count == 4)
    }

    @Test func load_namesPartyAndLayerOfABadShape() {
        let error = failure { $0 = $0.replacingOccurrences(of: #""in":8,"out":4"#, with: #""in":7,"out":4"#) }
        #expect(error?.code == .shape)
        #expect(error?.message.contains("party auto_loans layer 1") == true)
    }

    @Test func load_rejectsUnknownKindsAndActivations() {
        #expect(
            failure { $0 = $0.replacingOccurrences(of: #""activation":"relu""#, with: #""activation":"swish""#) }?.code
                == .unsupported)
        #expect(
            failure { $0 = $0.replacingOccurrences(of: #""kind":"dense""#, with: #""kind":"conv""#) }?.code
                == .unsupported)
        #expect(
            failure { $0 = $0.replacingOccurrences(of: #""kind":"range_sigmoid""#, with: #""kind":"probit""#) }?.code
                == .unsupported)
        #expect(
            failure { $0 = $0.replacingOccurrences(of: #""format":"vfl-model""#, with: #""format":"other""#) }?.code
                == .format)
    }

    @Test func load_rejectsAShapeWhoseInTimesOutOverflows() {
        // 2^32 * 2^32 overflows Int: loading the file once trapped (found reviewing the loader for its fuzz target).
        let error = failure {
            $0 = $0.replacingOccurrences(of: #""in":8,"out":4"#, with: #""in":4294967296,"out":4294967296"#)
        }
        #expect(error?.code == .shape)
        #expect(error?.message.contains("too large") == true)
    }

    @Test func load_rejectsNonFiniteWeights() {
        let error = failure { $0 = $0.replacingOccurrences(of: #""bias":["#, with: #""bias":[1e999,"#) }
        #expect(error != nil)
    }
}
