import Core
import Store

#if canImport(Glibc)
import Glibc
#endif

/// `vfl health`: the container health check. With `--url`, an HTTP GET that must answer 200 (the api's
/// `/health`); without, the job store must open and answer a query (ingest and workers).
extension Commands {
    static func health(_ options: ParsedArguments, _ environment: [String: String], _ logger: Logger) throws -> Int32 {
        let timeout = try options.double(.timeout)
        if let url = try options.string(.url) {
            let status = try httpStatus(url: url, timeout: timeout)
            guard status == 200 else {
                printError("\(url) answered \(status)")
                return 1
            }
            print("ok")
            return 0
        }
        let settings = try pipelineSettings(options)
        guard storeExists(settings) else {
            printError("no job store at \(settings.database)")
            return 1
        }
        let store = try openStore(settings, process: "health-\(getpid())", options)
        _ = try store.jobs(limit: 1)
        print("ok")
        return 0
    }

    /// The status code of `GET url` (`http://HOST:PORT/PATH` only), within `timeout` seconds.
    static func httpStatus(url: String, timeout: Double) throws -> Int {
        guard url.hasPrefix("http://") else { throw ParsedArguments.UsageError("--url must start with http://") }
        let rest = url.dropFirst("http://".count)
        let hostPort = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(hostPort.count).isEmpty ? "/" : String(rest.dropFirst(hostPort.count))
        let parts = hostPort.split(separator: ":", maxSplits: 1)
        let host = parts.first.map(String.init) ?? "127.0.0.1"
        let port = parts.count == 2 ? String(parts[1]) : "80"

        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, port, &hints, &list) == 0, let first = list else {
            throw SystemError(errno: ENOENT, call: "resolve \(host)")
        }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { throw SystemError(errno: errno, call: "socket") }
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            throw SystemError(errno: errno, call: "connect \(hostPort)")
        }
        var request = "GET \(path) HTTP/1.1\r\nHost: \(hostPort)\r\nConnection: close\r\n\r\n"
        let sent = request.withUTF8 { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent > 0 else { throw SystemError(errno: errno, call: "send") }
        var buffer = [UInt8](repeating: 0, count: 512)
        var received = 0
        while received < 12 {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + received, $0.count - received, 0) }
            guard n > 0 else {
                throw SystemError(errno: n == 0 ? EPIPE : errno, call: "read the answer of \(hostPort)")
            }
            received += n
        }
        // "HTTP/1.1 200 ..."
        let line = String(decoding: buffer[0..<received], as: UTF8.self)
        let fields = line.split(separator: " ", maxSplits: 2)
        guard fields.count >= 2, fields[0].hasPrefix("HTTP/"), let status = Int(fields[1]) else {
            throw SystemError(errno: EPROTO, call: "read the answer of \(hostPort)")
        }
        return status
    }
}

/// `vfl backup`: a consistent copy of the job store while the pipeline runs.
extension Commands {
    static func backup(_ options: ParsedArguments, _ environment: [String: String], _ logger: Logger) throws -> Int32 {
        guard let out = try options.string(.scoresOut) else {
            throw ParsedArguments.UsageError("--out FILE is required")
        }
        let settings = try pipelineSettings(options)
        guard storeExists(settings) else {
            printError("no job store at \(settings.database)")
            return 1
        }
        let store = try openStore(settings, process: "backup-\(getpid())", options)
        let started = Timestamp.monotonicSeconds()
        let what = try store.backup(to: out)
        say("backed up to \(out) in \(Int((Timestamp.monotonicSeconds() - started) * 1000)) ms: \(what)")
        return 0
    }
}
