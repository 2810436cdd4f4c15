import Spool

#if canImport(Glibc)
import Glibc
#endif

/// Wakes ingest early when something changes in the inbox or a batch folder in it (inotify(7)); the periodic
/// rescan stays the source of truth, since inotify can drop events.
final class InboxWatcher {
    private let fd: Int32
    private let path: String
    private var watched: Set<String> = []

    init(path: String) {
        self.path = path
        fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        if fd >= 0 { _ = inotify_add_watch(fd, path, UInt32(IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE)) }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Waits up to `seconds` for an event, then drains the queue and watches new batch folders.
    func wait(seconds: Double) {
        guard fd >= 0 else {
            usleep(UInt32(seconds * 1e6))
            return
        }
        if let names = try? Spool.list(path) {
            for name in names where !watched.contains(name) && !name.hasPrefix(".") {
                let mask = UInt32(IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_ONLYDIR | IN_DONT_FOLLOW)
                if inotify_add_watch(fd, path + "/" + name, mask) >= 0 { watched.insert(name) }
            }
            watched.formIntersection(names)
        }
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        _ = poll(&descriptor, 1, Int32(seconds * 1000))
        var buffer = [UInt8](repeating: 0, count: 65536)
        while buffer.withUnsafeMutableBytes({ read(fd, $0.baseAddress!, $0.count) }) > 0 {}
    }
}
