import Core
import Foundation
import Testing

@Suite struct JSONValueTests {
    @Test func parse_readsEveryKindAndKeepsKeyOrder() throws {
        let value = try JSONValue(
            parsing: Data(#"{"b": [1, 2.5, -3e2], "a": {"t": true, "f": false, "n": null}, "s": "x\"\u00e9\n"}"#.utf8))
        #expect(value["b"]?.array?.compactMap(\.double) == [1, 2.5, -300])
        #expect(value["a"]?["t"]?.bool == true)
        #expect(value["a"]?["n"] == .null)
        #expect(value["s"]?.string == "x\"é\n")
        #expect(value.object?.map(\.0) == ["b", "a", "s"])
        #expect(try JSONValue(parsing: Data(value.text.utf8)) == value)
    }

    @Test(arguments: ["{", "[1,]", "{\"a\":1,\"a\":2}", "tru", "\"\\x\"", "1 2", "{\"a\" 1}"])
    func parse_rejectsInvalidJSON(_ text: String) {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue(parsing: Data(text.utf8)) }
    }
}
