import Dispatch
#if canImport(Glibc)
import Glibc
#endif
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
    /// early. A big CSV or JSON file (`ImportOptions.windowedCSVBytes`, `windowedJSONBytes`) is
    /// read in windows instead, each given to the store before the next is parsed. A failed file is
    /// skipped with `keepGoing`; without it, nothing more is given to `target` (the
    /// caller abandons it) but the remaining files are still parsed, so every
    /// failure is reported at once.
    public static func parse(_ files: [String], options: ImportOptions, into target: StoreImport, keepGoing: Bool,
                             progress: (@Sendable (Int) -> Void)? = nil) -> Outcome {
        let run = Run(target: target, options: options, keepGoing: keepGoing, progress: progress)
        target.expect(files: files.count)
        var next = 0
        // The files up to the next one read in windows are parsed together; that one alone.
        while next < files.count, let windowed = parseWhole(files, from: next, run: run) {
            readInWindows(files[windowed], index: windowed, run: run)
            next = windowed + 1
        }
        return run.state.value
    }

    /// A chunk of consecutive files parsed by one worker holds up to this many files, or
    /// `chunkBytes`: both cores stay busy, and a chunk's rows are few.
    static let chunkFiles = 64, chunkBytes = 1 << 20

    /// What a parse worker hands on, in file order: a file parsed (or its failure), or a run of
    /// small responses joined into one report (`ResponseRun`).
    enum Parsed {
        case file(Result<IncomingFile, ColanError>)
        case run(IncomingRun)
    }

    /// What one `parse` shares across its files.
    private final class Run: @unchecked Sendable {
        let target: StoreImport
        let options: ImportOptions
        let keepGoing: Bool
        let progress: (@Sendable (Int) -> Void)?
        let buffers = ReadBuffers()
        /// Files parsed, for progress.
        private var parsedCount = 0
        private let parsedLock = PThreadMutex()
        /// Touched by one thread at a time (the sequencer's drainer, or `readInWindows`).
        let state = Box(Outcome())

        init(target: StoreImport, options: ImportOptions, keepGoing: Bool, progress: (@Sendable (Int) -> Void)?) {
            self.target = target
            self.options = options
            self.keepGoing = keepGoing
            self.progress = progress
        }

        /// Whether parsed files still go to the store (no store error; no failure, or `keepGoing`).
        var giving: Bool { state.value.storeError == nil && (state.value.failures.isEmpty || keepGoing) }

        /// One more file parsed (any thread).
        func parsedOne() {
            let count = parsedLock.withLock { () -> Int in
                parsedCount += 1
                return parsedCount
            }
            progress?(count)
        }

        func storeFailed(_ error: Error) {
            state.value.storeError = error as? ColanError ?? ColanError(.store, "\(error)")
        }

        /// A file parsed whole: its failure recorded, or the file given to the store (while giving).
        func deliver(_ result: Result<IncomingFile, ColanError>) {
            switch result {
            case .failure(let error):
                state.value.failures.append(error)
            case .success(let file):
                guard giving else { return }
                do { try target.add(file) } catch { storeFailed(error) }
            }
        }

        /// A file or a run of responses, given to the store (while giving). A run the store cannot
        /// take whole (a file in it imported before) is given file by file: one imported before as
        /// it is (nothing changes for it), any other parsed again alone.
        func deliver(_ parsed: Parsed) {
            switch parsed {
            case .file(let result):
                deliver(result)
            case .run(let responses):
                guard giving else { return }
                do {
                    if try target.add(responses) { return }
                } catch {
                    storeFailed(error)
                    return
                }
                for file in responses.files {
                    deliver(target.holds(file) ? .success(file) : parseFile(file.path, options: options, buffers: buffers))
                }
            }
        }
    }

    /// Parses the files from `start` on both cores, giving them to the store in order, in chunks of
    /// consecutive files (`parseChunk`, so the small responses of a chunk can be joined) handed out
    /// as workers ask (`Claims`); stops before a file to be read in windows and returns its index
    /// (nil when every file is parsed).
    private static func parseWhole(_ files: [String], from start: Int, run: Run) -> Int? {
        let windowedFrom = min(run.options.windowedCSVBytes, run.options.windowedJSONBytes)
        let claims = Claims(files, from: start, windowedFrom: windowedFrom)
        let sequencer = InOrder<[Parsed]>()
        let shared = UncheckedSendable(run)
        DispatchQueue.concurrentPerform(iterations: Claims.workers) { _ in
            let run = shared.value
            while let (k, chunk) = claims.next() {
                let parsed = parseChunk(chunk, run: run)
                sequencer.deliver(k, parsed) { $0.forEach(run.deliver) }
            }
        }
        return claims.windowed
    }

    /// The files of one `parseWhole`, handed out to its workers in chunks of consecutive files: a
    /// chunk holds up to `filesPerChunk` files or `chunkBytes`, and stops before a file to be read in
    /// windows (no more chunks are handed out after it). Each file is opened, and so sized, as
    /// its chunk is handed out, by its name in its folder: one path lookup and one `fstat` a
    /// file (a pass that sized every file first cost each of 20,000 responses a second lookup and
    /// held up the parse for 10-25 ms).
    private final class Claims: @unchecked Sendable {
        /// The parse workers: one a core.
        static let workers = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

        /// The files a chunk holds: `chunkFiles`, fewer when the workers' chunks, all open at once,
        /// would hold more than a quarter of the open files the process may have (`ulimit -n`:
        /// 1,024 by default, which 16 cores' chunks of 64 would reach).
        static let filesPerChunk: Int = {
            var limit = rlimit()
            // rlim_t.max is RLIM_INFINITY (no limit); a limit that cannot be read is taken as the default.
            let allowed = getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) != 0 ? 1_024
                : limit.rlim_cur == rlim_t.max ? Int.max : Int(clamping: limit.rlim_cur)
            return max(1, min(chunkFiles, allowed / 4 / workers))
        }()

        private let files: [String]
        private let windowedFrom: Int
        private let opener = FileOpener()
        private let lock = PThreadMutex()
        /// The first file not handed out, and the index of the next chunk.
        private var cursor: Int, chunks = 0
        /// The file that stopped the chunks, to be read in windows; set before `next` returns nil.
        private(set) var windowed: Int?

        init(_ files: [String], from start: Int, windowedFrom: Int) {
            self.files = files
            self.windowedFrom = windowedFrom
            cursor = start
        }

        /// The next chunk and its index (chunks are given to the store in index order), or nil
        /// once every file up to the end or to a file read in windows is handed out.
        func next() -> (Int, [OpenedFile])? {
            lock.withLock {
                var chunk: [OpenedFile] = []
                var bytes = 0
                while windowed == nil && cursor < files.count && chunk.count < Self.filesPerChunk && bytes < chunkBytes {
                    let file = opener.open(files[cursor])
                    if file.size >= windowedFrom {
                        windowed = cursor  // let go here (closed): read in windows by its path
                        break
                    }
                    chunk.append(file)
                    bytes += file.size
                    cursor += 1
                }
                guard !chunk.isEmpty else { return nil }
                chunks += 1
                return (chunks - 1, chunk)
            }
        }
    }

    /// Parses consecutive files, joining runs of small responses of one report (`ResponseRun`).
    private static func parseChunk(_ files: [OpenedFile], run: Run) -> [Parsed] {
        var parsed: [Parsed] = []
        var responses = ResponseRun()
        for file in files {
            defer { run.parsedOne() }
            guard run.options.joinsResponses && file.size < ResponseRun.largestResponse else {
                parsed += responses.parsed()
                responses = ResponseRun()
                parsed.append(.file(parseFile(file, options: run.options, buffers: run.buffers)))
                continue
            }
            switch readSmall(file, options: run.options, buffers: run.buffers, joining: &responses) {
            case .joined:
                break
            case .response(let response):
                parsed += responses.parsed()
                responses = ResponseRun(starting: response)
            case .file(let file):
                parsed += responses.parsed()
                responses = ResponseRun()
                parsed.append(.file(file))
            }
        }
        return parsed + responses.parsed()
    }

    /// A small file read (`readSmall`).
    private enum Small {
        /// A response whose rows joined the run.
        case joined
        /// A response read into columns of its own (it may begin a run).
        case response(ReadResponse)
        /// Any other file, parsed whole, or its failure.
        case file(Result<IncomingFile, ColanError>)
    }

    /// Reads and hashes a small file; parses it as `parseFile` does, except that a response that
    /// may join others is left unassembled, its rows in `responses`' columns when the run takes them.
    private static func readSmall(_ opened: OpenedFile, options: ImportOptions, buffers: ReadBuffers, joining responses: inout ResponseRun) -> Small {
        let path = opened.path
        do {
            return try FileIO.withReleasableContents(of: opened, buffers: buffers) { file, _ in
                try RawResponses.withExpanded(file) { bytes in
                    let legacyHash = options.legacyContentHashes ? legacyContentHash(bytes) : nil
                    func read(_ outline: JSONReportReader.Outline, _ options: ImportOptions) -> ReadResponse {
                        ReadResponse(path: path, hash: contentHash(bytes), legacyHash: legacyHash, bytes: Array(bytes), options: options, outline: outline)
                    }
                    switch try ReportImporter.importPiece(bytes, path: path, options: options, joining: &responses) {
                    case .joined(let outline, let options):
                        responses.append(read(outline, options))
                        return .joined
                    case .response(let outline, let options):
                        return .response(read(outline, options))
                    case .reports(var reports):
                        for r in reports.indices { reports[r].table.sortIntoScanOrder() }
                        return .file(.success(IncomingFile(path: path, hash: contentHash(bytes), legacyHash: legacyHash, bytes: bytes.count,
                                                           reports: reports, reportsInScanOrder: true)))
                    }
                }
            }
        } catch let error as ColanError {
            return .file(.failure(error.inFile(path)))
        } catch {
            return .file(.failure(ColanError(.importing, "\(error)", file: path)))
        }
    }

    /// Reads one big file in windows (`CSVWindowReader`, `JSONWindowReader`), giving each
    /// window's rows to the store as a piece of the file while the next window is parsed. A file
    /// the size of one imported before is hashed first (block by block), so it is recognised
    /// before anything is parsed; any other is hashed from each window's pages once parsed, and
    /// those pages go back. A file smaller than its kind is windowed from, a compressed response
    /// and a JSON response windows cannot take are parsed whole.
    private static func readInWindows(_ path: String, index: Int, run: Run) {
        defer { run.parsedOne() }
        /// An error of the store's (the import is abandoned), not of the file.
        struct StoreFailure: Error { let error: Error }
        do {
            var options = run.options
            try ReportImporter.applySidecars(path: path, options: &options)
            let mapped = try MappedFile(path: path)
            defer { DispatchQueue.global(qos: .utility).async { withExtendedLifetime(mapped) {} } }
            let csv = ReportImporter.isCSV(mapped.bytes) && mapped.bytes.count >= options.windowedCSVBytes
            guard csv || ReportImporter.isJSON(mapped.bytes) && mapped.bytes.count >= options.windowedJSONBytes else {
                // Smaller than its kind is read in windows from, or a compressed response: parsed whole, as any file.
                run.deliver(parseFile(path, options: run.options, buffers: run.buffers))
                return
            }
            // After a failure (without keepGoing) the file is still read, for its own errors, but not given.
            let giving = run.giving
            let size = mapped.bytes.count
            // A file the size of one imported before is hashed first (read in blocks): when it is
            // that file, nothing is parsed. Any other is hashed as its windows are parsed.
            let hashedFirst = giving && run.target.mayHold(bytes: size)
                ? try contentHashes(ofFileAt: path, legacy: options.legacyContentHashes) : nil
            func begin() throws -> Bool {
                do {
                    return try run.target.beginFile(path: path, hash: hashedFirst?.hash, legacyHash: hashedFirst?.legacy, bytes: size)
                } catch { throw StoreFailure(error: error) }
            }
            if giving, try !begin() { return }  // imported before: nothing changes
            let hasher = UncheckedSendable(giving && hashedFirst == nil ? ContentHasher(legacy: options.legacyContentHashes) : nil)
            // Hashing and giving pages back run in order on a thread of their own, while the next window is parsed.
            let pages = DispatchQueue(label: "colan.import.pages")
            /// Hashes the file's bytes up to the range's end (those after what is hashed already), then lets their pages go.
            func doneWith(_ range: Range<Int>) {
                pages.async {
                    if let hasher = hasher.value, range.upperBound > hasher.count {
                        hasher.update(UnsafeRawBufferPointer(rebasing: mapped.bytes[hasher.count..<range.upperBound]))
                    }
                    mapped.release(range)
                }
            }
            /// The file's windows read in `settled`, each report handed to `give`: the main report's kind
            /// and totals, or nil (nothing handed) for JSON that windows cannot take.
            func readWindows(_ settled: WindowSettlement, _ give: (ImportedReport) throws -> Void) throws -> (kind: String, totals: [String: String])? {
                if csv {
                    let kind = try CSVWindowReader.read(mapped.bytes, path: path, options: options, windowBytes: options.csvWindowBytes,
                                                        settled: settled, doneWith: doneWith, deliver: give)
                    return (kind ?? "empty", [:])
                }
                return try JSONWindowReader.read(mapped.bytes, path: path, options: options, windowBytes: options.csvWindowBytes,
                                                 settled: settled, doneWith: doneWith, deliver: give).map { ($0.kind, $0.totals) }
            }
            var settled = WindowSettlement()
            while true {
                // Each window is sorted and given to the store on another thread while the next is parsed.
                let writer = PieceWriter()
                do {
                    let read = try readWindows(settled) { report in
                        guard giving else { return }
                        try writer.submit {
                            var report = report
                            report.table.sortIntoScanOrder()
                            do { try run.target.addPiece(IncomingReport(report, file: path, inScanOrder: true)) } catch {
                                throw StoreFailure(error: error)
                            }
                        }
                    }
                    try writer.finish()
                    guard let read else {
                        // A response windows cannot take (channel lists, an exact count, no rows): read whole.
                        if giving { run.target.dropFile() }
                        pages.sync {}
                        run.deliver(parseFile(path, options: run.options, buffers: run.buffers))
                        return
                    }
                    if giving {
                        doneWith(size..<size)  // bytes after the last window (none but blank lines)
                        pages.sync {}
                        let hashes = hasher.value?.finish()
                        do {
                            try run.target.endFile(hash: hashes?.hash, legacyHash: hashes?.legacy, mainKind: read.kind, totals: read.totals)
                        } catch { throw StoreFailure(error: error) }
                    }
                    return
                } catch let unsettled as WindowSettlement.Unsettled {
                    // Read again from the start in what a later window needs; the pieces given go back.
                    try writer.finish()
                    settled = unsettled.settled
                    if giving {
                        run.target.dropFile()
                        _ = try begin()
                    }
                } catch let failure as StoreFailure {
                    throw failure  // the store's import gave itself up: nothing to take back
                } catch {
                    try writer.finish()
                    if giving { run.target.dropFile() }
                    throw error
                }
            }
        } catch let failure as StoreFailure {
            run.storeFailed(failure.error)
        } catch let error as ColanError {
            run.state.value.failures.append(error.inFile(path))
        } catch {
            run.state.value.failures.append(ColanError(.importing, "\(error)", file: path))
        }
    }

    /// Reads, parses, sorts and hashes the file at `path`.
    private static func parseFile(_ path: String, options: ImportOptions, buffers: ReadBuffers) -> Result<IncomingFile, ColanError> {
        parseFile(FileOpener.open(path), options: options, buffers: buffers)
    }

    /// Reads, parses, sorts and hashes one file opened already.
    private static func parseFile(_ opened: OpenedFile, options: ImportOptions, buffers: ReadBuffers) -> Result<IncomingFile, ColanError> {
        let path = opened.path
        do {
            return .success(try FileIO.withReleasableContents(of: opened, buffers: buffers) { file, releasePages in
              try RawResponses.withExpanded(file) { bytes in
                // A big file is hashed on a thread of its own while it is parsed (a big CSV's
                // parse runs on every core, but hashing it is one sequential pass).
                let content = UncheckedSendable(bytes)  // valid until the hash is waited for, below
                let hashing = bytes.count >= options.parallelCSVBytes ? BackgroundValue { contentHash(content.value) } : nil
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

/// Runs the pieces of a file read in windows, one after another, on a thread of their own,
/// while the caller parses the next window: at most one piece waits besides the one running
/// (`submit` blocks until then; the store's writing of a full segment takes longer than a
/// window's parse), so the rows held are about three windows'. The first error a
/// piece throws stops the rest and is thrown by the next `submit` or by `finish`.
private final class PieceWriter: @unchecked Sendable {
    private let queue = DispatchQueue(label: "colan.import.pieces")
    private let room = DispatchSemaphore(value: 2)
    private let lock = PThreadMutex()
    private var failure: Error?

    /// Queues `work` once the piece before the running one has started; throws an earlier piece's error.
    func submit(_ work: @escaping @Sendable () throws -> Void) throws {
        if let failure = lock.withLock({ failure }) { throw failure }
        room.wait()
        queue.async {
            defer { self.room.signal() }
            guard self.lock.withLock({ self.failure == nil }) else { return }
            do { try work() } catch { self.lock.withLock { self.failure = error } }
        }
    }

    /// Waits for the queued pieces; throws the first error one threw.
    func finish() throws {
        queue.sync {}
        if let failure = lock.withLock({ failure }) { throw failure }
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
