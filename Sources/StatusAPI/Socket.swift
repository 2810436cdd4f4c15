internal import CLinux
import Core

#if canImport(Glibc)
import Glibc
#endif

/// A socket descriptor with one owner, who closes it once (swift-system's `FileDescriptor`, FlyingFox's `Socket`).
///
/// Made non-blocking (``makeStream(family:)``, accept4(2) in the event loop): reads and writes answer `.wouldBlock`
/// instead of waiting.
struct Socket: Hashable {
    /// The descriptor.
    let descriptor: Int32

    /// Wraps a descriptor the caller owns from now on through this value.
    init(descriptor: Int32) { self.descriptor = descriptor }

    /// A new TCP socket of `family` (`AF_INET` or `AF_INET6`), close-on-exec and non-blocking.
    ///
    /// - Throws: ``SystemError`` (`EAFNOSUPPORT` where the family is disabled).
    static func makeStream(family: Int32) throws -> Socket {
        let fd = try retryingSyscall("socket") {
            socket(
                family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        }
        return Socket(descriptor: fd)
    }

    /// Closes the descriptor (close(2)); the value must not be used after.
    func close() { _ = Glibc.close(descriptor) }

    /// Sets an integer socket option (setsockopt(2)).
    func setOption(_ level: Int32, _ name: Int32, _ value: Int32) {
        var value = value
        setsockopt(descriptor, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    /// What a non-blocking read or write did.
    enum Transfer: Equatable {
        /// This many bytes moved.
        case bytes(Int)
        /// Nothing now: wait for readiness.
        case wouldBlock
        /// The peer closed (a read of 0) or the connection failed.
        case closed
    }

    /// Reads what the kernel has into `buffer` (recv(2)), retrying `EINTR`.
    func receive(into buffer: UnsafeMutableRawBufferPointer) -> Transfer {
        while true {
            let n = recv(descriptor, buffer.baseAddress, buffer.count, 0)
            if n > 0 { return .bytes(n) }
            if n == 0 { return .closed }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: return .closed
            }
        }
    }

    /// Writes what the kernel takes of `bytes` (send(2) with `MSG_NOSIGNAL`: a closed peer is `.closed`, never
    /// SIGPIPE), retrying `EINTR`.
    func send(_ bytes: UnsafeRawBufferPointer) -> Transfer {
        guard !bytes.isEmpty else { return .bytes(0) }
        while true {
            let n = Glibc.send(descriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if n >= 0 { return .bytes(n) }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: return .closed
            }
        }
    }

    /// Writes what the kernel takes of `first` then `second` in one call (sendmsg(2) with two buffers and
    /// `MSG_NOSIGNAL`), retrying `EINTR`: a head and its body without joining them.
    func send(_ first: UnsafeRawBufferPointer, _ second: UnsafeRawBufferPointer) -> Transfer {
        guard !second.isEmpty else { return send(first) }
        guard !first.isEmpty else { return send(second) }
        var vectors = [
            iovec(iov_base: UnsafeMutableRawPointer(mutating: first.baseAddress), iov_len: first.count),
            iovec(iov_base: UnsafeMutableRawPointer(mutating: second.baseAddress), iov_len: second.count),
        ]
        return vectors.withUnsafeMutableBufferPointer { vectors in
            var message = msghdr()
            message.msg_iov = vectors.baseAddress
            message.msg_iovlen = 2
            while true {
                let n = sendmsg(descriptor, &message, Int32(MSG_NOSIGNAL))
                if n >= 0 { return .bytes(n) }
                switch errno {
                case EINTR: continue
                case EAGAIN, EWOULDBLOCK: return .wouldBlock
                default: return .closed
                }
            }
        }
    }

    /// Copies up to `count` bytes of `file` from `offset` to the socket in the kernel (sendfile(2)), advancing
    /// `offset`.
    func sendFile(_ file: Int32, offset: inout off_t, count: Int) -> Transfer {
        while true {
            let n = sendfile(descriptor, file, &offset, count)
            if n > 0 { return .bytes(n) }
            if n == 0 { return .closed }  // the file is shorter than announced
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: return .closed
            }
        }
    }
}
