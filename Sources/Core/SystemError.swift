#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call: the call's name, `errno` and the path involved, if any.
public struct SystemError: Error, Sendable, CustomStringConvertible {
    /// The `errno` value.
    public var errno: Int32
    /// The system call, e.g. `open`.
    public var call: String
    /// The path involved, if any.
    public var path: String?

    /// Creates an error.
    public init(errno: Int32, call: String, path: String? = nil) {
        self.errno = errno
        self.call = call
        self.path = path
    }

    /// A sentence: call, path and the system's message.
    public var description: String {
        let reason = String(cString: strerror(errno))
        if let path { return "\(call) \(path): \(reason)" }
        return "\(call): \(reason)"
    }
}

/// Runs a system call, retrying on `EINTR`, and throws ``SystemError`` when it returns -1.
///
/// `EBADF` and `EFAULT` are programming errors and trap.
@discardableResult
public func retryingSyscall<T: BinaryInteger>(_ call: String, path: String? = nil, _ body: () -> T) throws -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = errno
        if code == EINTR { continue }
        precondition(code != EBADF && code != EFAULT, "\(call) failed with a programming error (errno \(code))")
        throw SystemError(errno: code, call: call, path: path)
    }
}

/// Runs a system call that returns a pointer, retrying on `EINTR`, and throws ``SystemError`` when it returns
/// `failure` (for mmap(2), `MAP_FAILED`; for calls that return `NULL` on failure, `nil`).
///
/// `EBADF` and `EFAULT` are programming errors and trap.
public func retryingPointerSyscall(
    _ call: String, path: String? = nil, failure: UnsafeMutableRawPointer?,
    _ body: () -> UnsafeMutableRawPointer?
) throws -> UnsafeMutableRawPointer {
    while true {
        let result = body()
        if let result, result != failure { return result }
        let code = errno
        if code == EINTR { continue }
        precondition(code != EBADF && code != EFAULT, "\(call) failed with a programming error (errno \(code))")
        throw SystemError(errno: code, call: call, path: path)
    }
}
