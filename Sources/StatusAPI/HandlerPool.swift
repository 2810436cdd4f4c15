import Foundation
import Synchronization

/// A few threads that run the handlers which touch the store or files, off the event loops. The queue is bounded:
/// when it is full, ``submit(_:)`` refuses, and the loop answers 503 at once instead of queueing without end.
final class HandlerPool: Sendable {
    private struct State {
        var queue: [@Sendable () -> Void] = []
        var head = 0
        var stopped = false
    }

    private let state = Mutex(State())
    private let ready = DispatchSemaphore(value: 0)
    private let capacity: Int
    private let threads: Int

    /// Starts `threads` threads with room for `capacity` waiting jobs.
    init(threads: Int, capacity: Int) {
        self.capacity = capacity
        self.threads = max(threads, 1)
        for index in 0..<self.threads {
            let thread = Thread { [self] in work() }
            thread.name = "vfl-api-handler-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Queues `job`; `false` when the queue is full or the pool stopped.
    func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        let queued = state.withLock { state -> Bool in
            guard !state.stopped, state.queue.count - state.head < capacity else { return false }
            state.queue.append(job)
            return true
        }
        if queued { ready.signal() }
        return queued
    }

    /// Lets the threads finish what is queued and end.
    func stop() {
        state.withLock { $0.stopped = true }
        for _ in 0..<threads { ready.signal() }
    }

    private func work() {
        while true {
            ready.wait()
            let job = state.withLock { state -> (@Sendable () -> Void)?? in
                guard state.head < state.queue.count else { return state.stopped ? .some(nil) : nil }
                let job = state.queue[state.head]
                state.head += 1
                if state.head > 1024 && state.head * 2 > state.queue.count {
                    state.queue.removeFirst(state.head)
                    state.head = 0
                }
                return .some(job)
            }
            switch job {
            case .some(.some(let job)): job()
            case .some(.none): return
            case .none: continue
            }
        }
    }
}
