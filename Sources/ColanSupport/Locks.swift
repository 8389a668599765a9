import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Keeps the first error thrown by parallel jobs.
public final class FirstError: @unchecked Sendable {
    private var stored: Error?
    private let lock = PThreadMutex()
    /// Creates an empty holder.
    public init() {}
    /// Records `error` unless one is already recorded.
    public func record(_ error: Error) {
        lock.withLock { if stored == nil { stored = error } }
    }
    /// The first recorded error.
    public var error: Error? { lock.withLock { stored } }
}

/// A pthread mutex, so ColanCore needs no Foundation. The mutex lives in
/// its own allocation: a pthread mutex must not move, and `&property` on a
/// class property does not promise a stable address.
public final class PThreadMutex: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    /// Creates an unlocked mutex.
    public init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }
    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }
    /// Runs `body` holding the lock.
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

/// Results of parallel jobs, one slot each, filled from any thread.
package final class Slots<Value>: @unchecked Sendable {
    private var slots: [Value?]
    private var done = 0
    private let lock = PThreadMutex()

    package init(count: Int) { slots = Array(repeating: nil, count: count) }

    package func set(_ i: Int, _ value: Value) { lock.withLock { slots[i] = value; done += 1 } }

    /// Every slot, nil where no job filled it.
    package var values: [Value?] { lock.withLock { slots } }

    /// The filled slots in order (call after the jobs are done).
    package var filled: [Value] { lock.withLock { slots.compactMap { $0 } } }

    /// How many slots have been filled so far (for progress).
    package var completed: Int { lock.withLock { done } }
}

/// A value handed to concurrentPerform's jobs that the compiler cannot prove
/// safe to share: the caller guarantees the jobs only read it, or write
/// disjoint parts of it.
package struct UncheckedSendable<T>: @unchecked Sendable {
    package var value: T
    package init(_ value: T) { self.value = value }
}

/// A value computed on another thread while the caller goes on (a big file's hash while it is
/// parsed, a manifest's source lines while the last segment is written).
package final class BackgroundValue<Value>: @unchecked Sendable {
    private let group = DispatchGroup()
    private var value: Value?

    /// Starts computing the value with `make` on a global queue.
    package init(_ make: @escaping @Sendable () -> Value) {
        DispatchQueue.global().async(group: group) { self.value = make() }
    }

    /// Waits until the value is computed.
    package func wait() { group.wait() }

    /// Runs `action` on another thread once the value is computed.
    package func whenDone(_ action: @escaping @Sendable () -> Void) { group.notify(queue: .global(qos: .utility), execute: action) }

    /// The value, once computed (the group's wait orders the write before this read).
    package func result() -> Value {
        group.wait()
        return value!
    }
}
