#if canImport(Glibc)
import Glibc
#endif

/// Injected failures for tests, as swift-system's mocked syscalls do: with
/// COLAN_FAULT=OPERATION:N in the environment, the N-th call of that file
/// operation (write, fsync, rename, unlink) fails as if the disk were full
/// (write) or the device failed (the others). Unset, it costs one check.
enum FaultInjection {
    /// Read in debug (test) builds only: a release binary never injects a failure, whatever the environment.
    private static let plan: (operation: String, call: Int)? = {
        #if DEBUG
        guard let raw = getenv("COLAN_FAULT"), let text = String(validatingCString: raw) else { return nil }
        let parts = text.split(separator: ":")
        guard parts.count == 2, let n = Int(parts[1]) else { return nil }
        return (String(parts[0]), n)
        #else
        return nil
        #endif
    }()
    private static let counter = CallCounter()

    /// Throws the injected failure if this call of `operation` is the planned one.
    static func check(_ operation: String, path: String) throws {
        guard let plan, plan.operation == operation else { return }
        if counter.next() == plan.call {
            let why = operation == "write" ? "No space left on device (injected)" : "Input/output error (injected)"
            throw ColanError(.store, "cannot \(operation): \(why)", file: path)
        }
    }
}

private final class CallCounter: @unchecked Sendable {
    private var count = 0
    private let lock = PThreadMutex()
    func next() -> Int { lock.withLock { count += 1; return count } }
}
