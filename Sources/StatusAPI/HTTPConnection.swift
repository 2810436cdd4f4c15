#if canImport(Glibc)
import Glibc
#endif

/// One client connection of an event loop: the bytes received and not yet answered, the answer being written, and
/// the phase its deadlines follow. Touched only on its loop's thread.
final class HTTPConnection {
    /// Where the connection is, for the deadlines.
    enum Phase {
        /// Between requests of a keep-alive connection (the idle timeout runs from `since`).
        case idle(since: Double)
        /// Receiving a request head; it must be whole by `deadline` (set once, never reset by a byte).
        case head(deadline: Double)
        /// Receiving a body of `total` bytes with the head; it must be whole by `deadline`.
        case body(deadline: Double, total: Int)
        /// A handler is answering; nothing is read meanwhile.
        case handling
        /// Writing the answer (the write timeout runs from the last progress).
        case writing
        /// Answer written and our side shut down; unread bytes are discarded until the peer closes or `deadline`.
        case draining(deadline: Double)
    }

    let socket: Socket
    let client: ClientAddress
    let generation: UInt64
    var phase: Phase
    /// Bytes received and not yet consumed by a request.
    var input: [UInt8] = []
    /// The answer's head and in-memory body, and how much of the two is sent.
    var output: [UInt8] = []
    var outputBody: [UInt8] = []
    var outputSent = 0
    /// A file body being sent, from `fileOffset` to `fileEnd`, or -1.
    var file: Int32 = -1
    var fileOffset: off_t = 0
    var fileEnd = 0
    /// Close once the answer is written.
    var closeAfterWrite = false
    /// When the last byte was written (write timeout).
    var lastProgress: Double
    /// `100 Continue` was sent for the request being received.
    var sentContinue = false
    /// The client shut its side: the requests it sent are answered, then the connection closes.
    var peerClosed = false
    /// What the loop watches the socket for now.
    var interest: Epoll.Interest = .read

    init(socket: Socket, client: ClientAddress, generation: UInt64, now: Double, headerTimeout: Double) {
        self.socket = socket
        self.client = client
        self.generation = generation
        self.phase = .head(deadline: now + headerTimeout)
        self.lastProgress = now
    }

    /// Closes a file body still open.
    func closeFile() {
        if file >= 0 {
            _ = Glibc.close(file)
            file = -1
        }
    }
}

/// An answer ready to write: its head, its in-memory body (written together, never joined), and an open file body,
/// if any.
struct OutgoingResponse: Sendable {
    var bytes: [UInt8]
    var body: [UInt8] = []
    var file: Int32 = -1
    var fileSize = 0
    var keepAlive: Bool

    /// Serializes `response` to `request` (a HEAD answer has the head only), opening a file body; a file that
    /// cannot be opened becomes a 500.
    init(_ response: HTTPResponse, to request: HTTPRequest?, closing: Bool = false) {
        keepAlive = !closing && (request?.keepAlive ?? false)
        let headOnly = request?.method == "HEAD"
        switch response.body {
        case .bytes(let body):
            bytes = response.head(contentLength: body.count, keepAlive: keepAlive)
            self.body = headOnly ? [] : body
        case .file(let path, _):
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            var status = stat()
            guard fd >= 0, fstat(fd, &status) == 0 else {
                if fd >= 0 { _ = Glibc.close(fd) }
                let failure = HTTPResponse.error(.internalServerError, "the file could not be opened")
                bytes = failure.head(contentLength: failure.bodyBytes.count, keepAlive: keepAlive)
                body = headOnly ? [] : failure.bodyBytes
                return
            }
            fileSize = Int(status.st_size)
            bytes = response.head(contentLength: fileSize, keepAlive: keepAlive)
            if headOnly { _ = Glibc.close(fd) } else { file = fd }
        }
    }

    /// Closes the file body of an answer that will not be written.
    func discard() { if file >= 0 { _ = Glibc.close(file) } }
}
