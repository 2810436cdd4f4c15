// libFuzzer target `http`: the Status API's request framing and parsing, `HTTPParser.frame(_:limits:)`, exactly what
// the server calls on the bytes a connection has received.
//
// Pipelined requests are framed one after the other, as the server does, until the bytes run out, a head is
// incomplete or a request is refused; every parsed request's fields are read. The input is framed with the server's
// limits, again with tiny limits (so that short inputs reach the 414 and 431 paths), and with a few bytes cut off the
// end (a read that stopped early).
import StatusAPI

/// Frames and parses every request in `buffer` (heads and `Content-Length` bodies) until it is used up, incomplete or
/// refused.
func serve(_ buffer: [UInt8], limits: HTTPParser.Limits = HTTPParser.Limits()) {
    var buffer = buffer
    while true {
        do {
            let frame: HTTPParser.Frame
            switch try HTTPParser.frame(buffer, limits: limits) {
            case .head: return
            case .body(let head, let total):
                precondition(total > buffer.count, "a body said incomplete with all its bytes there")
                precondition(head.contentLength <= limits.bodyBytes, "a body over the limit not refused")
                return
            case .complete(let whole): frame = whole
            }
            precondition(frame.consumed > 0 && frame.consumed <= buffer.count, "a frame outside the bytes")
            let request = frame.request
            precondition(request.body.count == request.contentLength, "a body of another length than announced")
            _ = (request.expectsContinue, request.body.count)
            _ = (request.method, request.path, request.version, request.keepAlive)
            for (name, value) in request.query { _ = (name.utf8.count, value.utf8.count) }
            for (name, value) in request.headers { _ = (name.utf8.count, value.utf8.count) }
            buffer.removeFirst(frame.consumed)
        } catch {
            precondition((400..<600).contains(error.status.code), "a refusal without a 4xx or 5xx status")
            _ = HTTPResponse.error(error.status, error.message)
            return
        }
    }
}

/// The libFuzzer entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: data == nil ? 0 : size))
    serve(bytes)
    var tiny = HTTPParser.Limits()
    tiny.requestLine = 40
    tiny.headerLine = 24
    tiny.headerBytes = 64
    tiny.headerCount = 3
    tiny.bodyBytes = 8
    serve(bytes, limits: tiny)
    if bytes.count > 1 { serve(Array(bytes.dropLast(1 + bytes.count % 3))) }
    return 0
}
