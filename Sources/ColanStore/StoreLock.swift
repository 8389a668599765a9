#if canImport(Glibc)
import Glibc
#endif
import ColanSupport

/// The advisory lock that serialises writers (import, compact) of one store:
/// an exclusive flock on STORE/lock, released when the process ends, however
/// it ends, so a killed import never leaves a stale lock. Readers take no lock.
final class StoreLock {
    private let fd: Int32

    /// Takes the lock; when another writer holds it, calls `waiting` once and then waits.
    init(store: String, waiting: () -> Void) throws {
        let path = store + "/lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ColanError(.store, "cannot open the lock file: \(FileIO.errnoText())", file: path) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK else {
                close(fd)
                throw ColanError(.store, "cannot lock: \(FileIO.errnoText())", file: path)
            }
            waiting()
            while flock(fd, LOCK_EX) != 0 {
                guard errno == EINTR else {
                    close(fd)
                    throw ColanError(.store, "cannot lock: \(FileIO.errnoText())", file: path)
                }
            }
        }
    }

    /// Takes the lock only if it is free (for cleanup by readers); nil otherwise.
    static func tryLock(store: String) -> StoreLock? {
        try? StoreLock(store: store, nonBlocking: true)
    }

    private init(store: String, nonBlocking: Bool) throws {
        fd = open(store + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ColanError(.store, "cannot open the lock file") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw ColanError(.store, "locked")
        }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
