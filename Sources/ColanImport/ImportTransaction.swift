#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import ColanSupport
import ColanTime
import ColanStore

/// One import, whole: files and folders in, one all-or-nothing commit to the store out. `colan
/// import` and `colan pull` call it, and so do the tests; a command only parses arguments, draws progress
/// and prints. It lists the files, opens (or creates) the store, takes the writer lock before
/// parsing, parses on both cores handing files to the store in order (segments are written while
/// later files are parsed), and commits, or gives the import up leaving the store as it was (a
/// store this import created is removed again).
public enum ImportTransaction {
    /// What to import and how.
    public struct Request: Sendable {
        /// The store folder (created by the first import).
        public var store: String
        /// Files and folders (folders read recursively).
        public var paths: [String]
        /// What the user says of the files (zone, filters, name pattern, interval).
        public var options = ImportOptions()
        /// Commit the files that parse even when some fail.
        public var keepGoing = false

        /// A request to import `paths` into `store`.
        public init(store: String, paths: [String]) {
            self.store = store
            self.paths = paths
        }
    }

    /// What an import did.
    public struct Result: Sendable {
        /// The files listed from the paths.
        public var files = 0
        /// The files that failed to parse, in file order.
        public var failures: [ColanError] = []
        /// The committed import, or nil when it was given up (a file failed without `keepGoing`).
        public var outcome: ImportOutcome?
        /// Seconds until the last file was parsed (the rest is the commit).
        public var parseSeconds = 0.0
    }

    /// Runs the import.
    /// - Parameters:
    ///   - waiting: called once if another import holds the store's writer lock (this one waits).
    ///   - progress: called with the files parsed so far and the files listed, from the parsing threads.
    /// - Throws: a `ColanError` when the store cannot be written (the import is given up, the store unchanged).
    public static func run(_ request: Request, waiting: () -> Void = {},
                           progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) throws -> Result {
        let kept = Leftovers()
        defer { kept.letGo() }
        return try run(request, waiting: waiting, progress: progress, keeping: kept)
    }

    /// What an import leaves behind once done: the store's import (a manifest, hashes and sizes of
    /// every file), the store and the files listed. Letting them go took 20-30 ms on one core after
    /// an import of 20,000 responses had committed; they go on another thread instead.
    private final class Leftovers: @unchecked Sendable {
        var objects: [AnyObject] = []
        var files: [String] = []

        /// Has another thread let the leftovers go: it empties this holder, which has their last
        /// references (the import's own are gone by then; the caller touches them no more). Not a
        /// copy handed over: the caller's copy could outlive the other thread's, and the caller
        /// then let them go after all, as it did when that thread finished first.
        func letGo() {
            DispatchQueue.global(qos: .utility).async { [self] in (objects, files) = ([], []) }
        }
    }

    private static func run(_ request: Request, waiting: () -> Void, progress: (@Sendable (_ done: Int, _ total: Int) -> Void)?,
                            keeping kept: Leftovers) throws -> Result {
        let watch = Stopwatch()
        var options = request.options
        _ = try ZoneOffsets.named(options.zone)
        var files: [String] = []
        let listing = FolderListing()
        for p in request.paths { files += try FileIO.filesUnder(p, listing: listing) }
        options.listing = listing
        var result = Result(files: files.count)
        // A store written before content hashes were XXH3 lists files by the older hash. Opened
        // once: the import re-reads its manifest under the writer lock anyway.
        let existing = FileIO.exists(request.store + "/manifest") ? try Store(path: request.store) : nil
        options.legacyContentHashes = existing?.recordsLegacyContentHashes ?? false
        #if DEBUG
        // A test knob of debug builds (the crash tests kill an import of one file read in windows):
        // every CSV file read in windows of this many bytes. A release binary reads no test knob.
        if let raw = getenv("COLAN_CSV_WINDOW_BYTES"), let text = String(validatingCString: raw), let bytes = Int(text), bytes > 0 {
            options.windowedCSVBytes = 1
            options.csvWindowBytes = bytes
        }
        #endif
        // The writer lock is taken before parsing: segments are written while later files are parsed.
        let target = try existing ?? Store(path: request.store, create: true)
        let session = try target.beginImport(waiting: waiting)
        kept.objects = [session, target, listing]
        kept.files = files
        let total = files.count
        let run = ImportJob.parse(files, options: options, into: session, keepGoing: request.keepGoing,
                                  progress: progress.map { report in { @Sendable done in report(done, total) } })
        result.parseSeconds = watch.seconds
        result.failures = run.failures
        // Gives the import up; a store this import created is not left behind empty.
        func giveUp() {
            session.abandon()
            if existing == nil { target.removeIfEmpty() }
        }
        if let error = run.storeError {
            giveUp()
            throw error
        }
        if !run.failures.isEmpty && !request.keepGoing {
            giveUp()
            return result
        }
        do {
            result.outcome = try session.finish()
        } catch {
            giveUp()
            throw error
        }
        // keepGoing with every file failed: nothing was committed.
        if result.outcome?.filesImported == 0 && existing == nil { target.removeIfEmpty() }
        return result
    }
}
