internal import CLinux
import Core

#if canImport(Glibc)
import Glibc
#endif

/// One epoll(7) instance: the descriptors an event loop waits on, each with a 64-bit token that comes back with its
/// events. Owns the epoll descriptor and an eventfd(2) that other threads signal to wake the loop.
final class Epoll {
    /// Readiness a descriptor is watched for.
    struct Interest: OptionSet {
        let rawValue: UInt32
        /// Readable (or a connection to accept).
        static let read = Interest(rawValue: VFL_EPOLLIN)
        /// Writable.
        static let write = Interest(rawValue: VFL_EPOLLOUT)
        /// Wake only one of the loops waiting on a shared descriptor (a listener), not all.
        static let exclusive = Interest(rawValue: VFL_EPOLLEXCLUSIVE)
    }

    /// One ready descriptor.
    struct Event {
        /// The token it was added with.
        var token: UInt64
        /// It is readable, or it hung up or failed (a read then says which).
        var readable: Bool
        /// It is writable, or it failed.
        var writable: Bool
        /// The connection hung up or failed.
        var failed: Bool
    }

    /// The token of the wake-up eventfd.
    static let wakeToken = UInt64.max

    private let descriptor: Int32
    private let wakeDescriptor: Int32
    private var tokens = [UInt64](repeating: 0, count: 256)
    private var flags = [UInt32](repeating: 0, count: 256)

    /// Creates the instance and its wake-up eventfd.
    ///
    /// - Throws: ``SystemError`` from epoll_create1(2) or eventfd(2).
    init() throws {
        descriptor = try retryingSyscall("epoll_create1") { vfl_epoll_create() }
        do {
            wakeDescriptor = try retryingSyscall("eventfd") { vfl_eventfd() }
        } catch {
            _ = Glibc.close(descriptor)
            throw error
        }
        _ = vfl_epoll_ctl(descriptor, EPOLL_CTL_ADD, wakeDescriptor, VFL_EPOLLIN, Self.wakeToken)
    }

    deinit {
        _ = Glibc.close(wakeDescriptor)
        _ = Glibc.close(descriptor)
    }

    /// Watches `fd` (epoll_ctl(2) `EPOLL_CTL_ADD`).
    @discardableResult
    func add(_ fd: Int32, _ interest: Interest, token: UInt64) -> Bool {
        vfl_epoll_ctl(descriptor, EPOLL_CTL_ADD, fd, interest.rawValue, token) == 0
    }

    /// Changes what `fd` is watched for (`EPOLL_CTL_MOD`; an empty interest keeps it registered and silent).
    func modify(_ fd: Int32, _ interest: Interest, token: UInt64) {
        _ = vfl_epoll_ctl(descriptor, EPOLL_CTL_MOD, fd, interest.rawValue, token)
    }

    /// Stops watching `fd` (`EPOLL_CTL_DEL`; closing it does the same).
    func remove(_ fd: Int32) {
        _ = vfl_epoll_ctl(descriptor, EPOLL_CTL_DEL, fd, 0, 0)
    }

    /// Waits up to `milliseconds` for events (epoll_wait(2)) and hands each to `body`; a wake-up is drained and
    /// handed on as the ``wakeToken``.
    func wait(milliseconds: Int32, _ body: (Event) -> Void) {
        let n = tokens.withUnsafeMutableBufferPointer { tokens in
            flags.withUnsafeMutableBufferPointer { flags in
                vfl_epoll_wait(descriptor, tokens.baseAddress, flags.baseAddress, Int32(tokens.count), milliseconds)
            }
        }
        guard n > 0 else { return }
        let failed = VFL_EPOLLERR | VFL_EPOLLHUP
        for i in 0..<Int(n) {
            if tokens[i] == Self.wakeToken {
                var counter: UInt64 = 0
                _ = read(wakeDescriptor, &counter, 8)
            }
            body(
                Event(
                    token: tokens[i], readable: flags[i] & (VFL_EPOLLIN | failed) != 0,
                    writable: flags[i] & (VFL_EPOLLOUT | failed) != 0, failed: flags[i] & failed != 0))
        }
    }

    /// Wakes a thread in ``wait(milliseconds:_:)`` (callable from any thread).
    func wake() {
        var one: UInt64 = 1
        _ = write(wakeDescriptor, &one, 8)
    }
}
