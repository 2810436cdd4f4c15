import Core

#if canImport(Glibc)
import Glibc
#endif

/// Recently rendered answers of `GET /jobs/{id}` for jobs in a final state (`done`, `rejected`: nothing changes
/// them), kept for a few seconds, so that polling clients and dashboards do not each re-read the job, its events and
/// its summary.json from disk. At most `capacity` entries (when full, the oldest half is dropped).
final class ResponseCache: @unchecked Sendable {
    private var lock = pthread_mutex_t()
    private var entries: [String: (body: [UInt8], expires: Double)] = [:]
    private let seconds: Double
    private let capacity: Int

    init(seconds: Double = 5, capacity: Int = 512) {
        self.seconds = seconds
        self.capacity = capacity
        pthread_mutex_init(&lock, nil)
    }

    deinit { pthread_mutex_destroy(&lock) }

    /// The cached body for `key`, when fresh.
    func get(_ key: String) -> [UInt8]? {
        let now = Timestamp.monotonicSeconds()
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        guard let entry = entries[key], entry.expires > now else { return nil }
        return entry.body
    }

    /// Stores a body.
    func put(_ key: String, _ body: [UInt8]) {
        let now = Timestamp.monotonicSeconds()
        pthread_mutex_lock(&lock)
        defer { pthread_mutex_unlock(&lock) }
        if entries.count >= capacity {
            let oldest = entries.sorted { $0.value.expires < $1.value.expires }.prefix(capacity / 2)
            for (key, _) in oldest { entries[key] = nil }
        }
        entries[key] = (body, now + seconds)
    }
}
