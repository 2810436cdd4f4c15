/// A contiguous, growable buffer of plain values with unchecked appends, for the per-row hot path.
///
/// Not thread-safe: filled by one thread, then only read.
final class GrowableBuffer<Element: BitwiseCopyable> {
    private(set) var base: UnsafeMutablePointer<Element>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 1024) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// Makes room for `extra` more elements and returns where they go.
    @inline(__always)
    func reserve(_ extra: Int) -> UnsafeMutablePointer<Element> {
        if count + extra > capacity { grow(to: count + extra) }
        return base + count
    }

    /// Marks `n` reserved elements as written.
    @inline(__always)
    func commit(_ n: Int) { count += n }

    @inline(__always)
    func append(_ value: Element) {
        if count == capacity { grow(to: count + 1) }
        base[count] = value
        count += 1
    }

    /// Grows the capacity to at least `total` elements (one copy now instead of several later).
    func reserveCapacity(_ total: Int) {
        if total > capacity { grow(to: total, exact: true) }
    }

    /// Releases the memory.
    func removeAll() {
        base.deallocate()
        capacity = 16
        count = 0
        base = .allocate(capacity: capacity)
    }

    @inline(__always)
    subscript(index: Int) -> Element {
        get { base[index] }
        set { base[index] = newValue }
    }

    private func grow(to needed: Int, exact: Bool = false) {
        var newCapacity = capacity
        while newCapacity < needed { newCapacity = newCapacity * 3 / 2 + 16 }
        if exact { newCapacity = needed }
        let newBase = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        newBase.moveInitialize(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }
}
