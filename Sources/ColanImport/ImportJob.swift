import Dispatch
import ColanSupport
import ColanStore

/// One `colan import`: files parsed on both cores (across files) and handed
/// to the store's import in file order as they are done.
public enum ImportJob {
    /// What `parse(_:options:into:keepGoing:progress:)` did.
    public struct Outcome: Sendable {
        /// The files that failed to parse, in file order.
        public var failures: [ColanError] = []
        /// The error that stopped the store's import (it is abandoned then), if any.
        public var storeError: ColanError?
    }

    /// Parses `files` in parallel (both cores) and gives each parsed file to
    /// `target` in file order as soon as the files before it are given, so the
    /// store writes segments while the rest is parsed and parsed rows are let go
    /// early. A failed file is skipped with `keepGoing`; without it, nothing more
    /// is given to `target` (the caller abandons it) but the remaining files are
    /// still parsed, so every failure is reported at once.
    public static func parse(_ files: [String], options: ImportOptions, into target: StoreImport, keepGoing: Bool,
                             progress: (@Sendable (Int) -> Void)? = nil) -> Outcome {
        let buffers = ReadBuffers()
        let parsed = Slots<Bool>(count: files.count)  // for progress
        let sequencer = InOrder<Result<IncomingFile, ColanError>>()
        let state = UncheckedSendable(Box(Outcome()))  // touched only by the sequencer's one drainer at a time
        let session = UncheckedSendable(target)
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            let result = parseFile(files[i], options: options, buffers: buffers)
            parsed.set(i, true)
            progress?(parsed.completed)
            sequencer.deliver(i, result) { result in
                let box = state.value
                switch result {
                case .failure(let error):
                    box.value.failures.append(error)
                case .success(let file):
                    guard box.value.storeError == nil, box.value.failures.isEmpty || keepGoing else { return }
                    do {
                        try session.value.add(file)
                    } catch {
                        box.value.storeError = error as? ColanError ?? ColanError(.store, "\(error)")
                    }
                }
            }
        }
        return state.value.value
    }

    /// Reads, parses, sorts and hashes one file.
    private static func parseFile(_ path: String, options: ImportOptions, buffers: ReadBuffers) -> Result<IncomingFile, ColanError> {
        do {
            return .success(try FileIO.withReleasableContents(of: path, buffers: buffers) { file, releasePages in
              try RawResponses.withExpanded(file) { bytes in
                // A big file is hashed on a thread of its own while it is parsed (a big CSV's
                // parse runs on every core, but hashing it is one sequential pass).
                let hashing = bytes.count >= options.parallelCSVBytes ? HashJob(bytes) : nil
                defer { hashing?.wait() }
                // Once parsed (the reports hold copies, never the file's bytes) and hashed, a big
                // file's pages go back, before its columns are joined and sorted: the import's
                // memory holds the rows, not the rows and the file.
                var fileOptions = options
                if let hashing {
                    // Whichever finishes last, the parse or the hash, gives the pages back: neither waits.
                    let release = AfterBoth(releasePages)
                    hashing.whenDone { release.second() }
                    fileOptions.doneWithBytes = { release.first() }
                }
                var reports = try ReportImporter.importBytes(bytes, path: path, options: fileOptions)
                fileOptions.doneWithBytes?()
                // Sorted here, on both cores, so the store finds segments already in scan order.
                for r in reports.indices { reports[r].table.sortIntoScanOrder() }
                let hash = hashing?.result() ?? contentHash(bytes)
                return IncomingFile(path: path, hash: hash, legacyHash: options.legacyContentHashes ? legacyContentHash(bytes) : nil,
                                  bytes: bytes.count, reports: reports, reportsInScanOrder: true)
              }
            })
        } catch let error as ColanError {
            return .failure(error.inFile(path))
        } catch {
            return .failure(ColanError(.importing, "\(error)", file: path))
        }
    }
}

/// Hands values delivered in any order, from any thread, to a consumer in
/// index order (0, 1, 2, ...). Whichever thread delivers the value that is
/// next in order drains every consecutive one that is ready; a thread that
/// finds another draining just leaves its value, so the consumer runs on one
/// thread at a time and nobody waits.
final class InOrder<Value>: @unchecked Sendable {
    private let lock = PThreadMutex()
    private var ready: [Int: Value] = [:]
    private var nextIndex = 0
    private var draining = false

    /// Delivers the value at `index`; runs `consume` on it and on every ready
    /// value after it, in order, unless another thread is draining.
    func deliver(_ index: Int, _ value: Value, consume: (Value) -> Void) {
        let drainer: Bool = lock.withLock {
            ready[index] = value
            guard !draining else { return false }
            draining = true
            return true
        }
        guard drainer else { return }
        while let value = lock.withLock({ () -> Value? in
            guard let value = ready.removeValue(forKey: nextIndex) else {
                // Checked and cleared under the lock: a value delivered meanwhile is seen here or drained by its deliverer.
                draining = false
                return nil
            }
            nextIndex += 1
            return value
        }) {
            consume(value)
        }
    }
}

/// Runs an action once both of two parties are done, whichever comes last; each may say so
/// more than once.
private final class AfterBoth: @unchecked Sendable {
    private let lock = PThreadMutex()
    private var done = (first: false, second: false, ran: false)
    private let action: @Sendable () -> Void

    init(_ action: @escaping @Sendable () -> Void) { self.action = action }

    func first() { mark { $0.first = true } }
    func second() { mark { $0.second = true } }

    private func mark(_ change: (inout (first: Bool, second: Bool, ran: Bool)) -> Void) {
        let run: Bool = lock.withLock {
            change(&done)
            guard done.first && done.second && !done.ran else { return false }
            done.ran = true
            return true
        }
        if run { action() }
    }
}

/// `contentHash` computed on another thread. The bytes must stay valid until
/// `wait()` or `result()` returns.
private final class HashJob: @unchecked Sendable {
    private let group = DispatchGroup()
    private var hash = ""

    init(_ bytes: UnsafeRawBufferPointer) {
        let content = UncheckedSendable(bytes)
        DispatchQueue.global().async(group: group) { self.hash = contentHash(content.value) }
    }

    func wait() { group.wait() }

    /// Runs `action` on another thread once the hash is computed.
    func whenDone(_ action: @escaping @Sendable () -> Void) { group.notify(queue: .global(qos: .utility), execute: action) }

    /// The hash, once computed (the group's wait orders the write before this read).
    func result() -> String {
        group.wait()
        return hash
    }
}
