import Fixtures
import Foundation
import StatusAPI
import Testing

/// Replays the HTTP target's fuzz inputs as its harness (fuzz/http.swift) does: frame every pipelined request with
/// the server's limits, with tiny limits and with the end cut off. A crash fails the whole run, a refusal is fine.
@Suite struct FuzzRegressionTests {
    /// Frames requests until the bytes run out, one is incomplete or one is refused; returns the paths served.
    static func serve(_ buffer: [UInt8], limits: HTTPParser.Limits = HTTPParser.Limits()) -> [String] {
        var buffer = buffer
        var paths: [String] = []
        while true {
            do {
                guard let frame = try HTTPParser.parse(bytes: buffer, limits: limits) else { return paths }
                #expect(frame.consumed > 0 && frame.consumed <= buffer.count)
                _ = (frame.request.query, frame.request.headers, frame.request.keepAlive)
                paths.append(frame.request.path)
                buffer.removeFirst(frame.consumed)
            } catch {
                #expect((400..<600).contains(error.status.code))
                return paths
            }
        }
    }

    @Test func inputs_arePresent() {
        #expect(!fuzzInputs("http").isEmpty)
    }

    @Test(arguments: fuzzInputs("http"))
    func http_framesEveryRequestOrRefusesWithAStatus(_ path: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        _ = Self.serve(bytes)
        var tiny = HTTPParser.Limits()
        tiny.requestLine = 40
        tiny.headerLine = 24
        tiny.headerBytes = 64
        tiny.headerCount = 3
        _ = Self.serve(bytes, limits: tiny)
        if bytes.count > 1 { _ = Self.serve(Array(bytes.dropLast(1 + bytes.count % 3))) }
    }
}
