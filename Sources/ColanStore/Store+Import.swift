#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import ColanSupport
import ColanColumns
import ColanFormat

extension Store {
    /// Whether the manifest lists files by the content hash colan recorded
    /// before XXH3: an import into this store should compute that hash too
    /// (`ImportOptions.legacyContentHashes`) to recognise them.
    public var recordsLegacyContentHashes: Bool { manifest.sources.contains { isLegacyContentHash($0.hash) } }

    /// Starts an import: takes the writer lock (calling `waiting` if another
    /// writer holds it) and returns the import, to be given files in order.
    public func beginImport(waiting: () -> Void = {}) throws -> StoreImport {
        try beginImport(waiting: waiting, segmentRows: Self.importSegmentRows)
    }

    /// Rows per segment an import writes: `compactedSegmentRows`; in debug (test) builds,
    /// COLAN_SEGMENT_ROWS from the environment (the crash tests make an import of a few
    /// thousand rows write segments while it still parses). A release binary reads no test knob.
    static let importSegmentRows: Int = {
        #if DEBUG
        if let raw = getenv("COLAN_SEGMENT_ROWS"), let text = String(validatingCString: raw), let rows = Int(text), rows > 0 {
            return rows
        }
        #endif
        return compactedSegmentRows
    }()

    /// `beginImport` with segments of up to `segmentRows` rows (tests use small ones).
    func beginImport(waiting: () -> Void = {}, segmentRows: Int) throws -> StoreImport {
        try StoreImport(store: self, lock: lock(waiting: waiting), segmentRows: segmentRows)
    }
}

/// One import into a store, under its writer lock from start to end. Files
/// are given in order (`add`), then committed at once (`finish`), or the
/// import is given up (`abandon`) and the store stays as it was:
/// - a file whose content hash is already recorded changes nothing;
/// - a row whose report key (cuboid, dimension values, time bucket) is
///   already stored replaces the stored row (a later file of the same
///   import replaces an earlier one the same way); rows of different
///   cuboids are never merged;
/// - new segments are written, then the manifest is replaced atomically;
///   small segments are compacted afterwards when that is cheap.
///
/// Streaming: while no report could replace another's rows (its time range
/// meets no earlier report of this import with the same cuboid and filters,
/// and no stored segment of its cuboid), reports are written as segments as
/// soon as a segment's worth has arrived, and their rows are let go: an
/// import of new days holds one segment of rows, not all of them. Segment
/// files written before the commit are unlisted, so an interrupted or
/// abandoned import leaves nothing behind (the next writer removes them).
/// From the first report that could replace rows on, reports are held, a
/// segment's worth of rows at most: then (and at `finish`) a later held report
/// takes the rows with its keys out of earlier ones in memory, and what is
/// left is written as segments whose keys replace earlier rows at `finish`,
/// each earlier segment (committed, or written by this import before them)
/// rewritten once without the rows a later one brings again. Memory holds a
/// segment's worth of rows, however many files replace stored ones.
///
/// A big file may come in pieces instead (`beginFile`, `addPiece` for each
/// window of its rows, `endFile`): one source in the manifest, whose pieces
/// never replace each other's rows (rows of one file with the same key are
/// all kept, as when the file comes whole), and which can be taken back whole
/// (`dropFile`) until it ends.
public final class StoreImport {
    let store: Store
    private var lock: StoreLock?
    var next: Manifest
    let committedSources: Int
    /// Content hashes recorded or added.
    private var seen: Set<String>
    /// The sizes of the files recorded or added (`mayHold`).
    private var sizes: Set<Int>
    var outcome = ImportOutcome()
    /// The stored segments' time ranges, by cuboid.
    private let storedRanges: [String: [(Int64?, Int64?)]]
    /// The time ranges of this import's reports so far, by cuboid and filters.
    private var ranges: [ReportGroup: TimeRanges] = [:]
    /// Whether reports are still written as they come (no possible replacement met yet).
    private var streaming = true
    /// Reports joined into the next segment (streaming, then the held ones).
    private var batch: SegmentBatch
    /// Rows a segment holds at most (unless one report has more).
    let segmentRows: Int
    /// Reports held (after streaming stopped) until a segment's worth of rows, a file given in
    /// pieces or `finish` has them written (`writeHeld`).
    var held: [IncomingReport] = []
    /// The rows of `held`.
    var heldRows = 0
    /// Segment files this import wrote, not yet committed, and their sizes.
    var written: [SegmentEntry] = []
    var writtenBytes: [String: Int] = [:]
    private var done = false
    /// The file coming in pieces, between `beginFile` and `endFile` or `dropFile`.
    private var piecewise: PiecewiseFile?
    /// Segments whose rows may replace earlier ones, in the order they were written: each file
    /// given in pieces that may replace rows, and each set of held reports written. `finish` takes
    /// the rows with their keys out of earlier segments (`applyReplacement`).
    var replacingRuns: [[SegmentEntry]] = []
    /// Rows replaced before `finish` (held reports by later ones), by source.
    var droppedRows = DroppedRows()

    /// A file given in pieces, and what the import was before it began (to take it back).
    private struct PiecewiseFile {
        let id: Int
        let path: String
        /// Known from `beginFile`, or given to `endFile`.
        var hash: String?
        var legacyHash: String?
        let bytes: Int
        var rows = 0
        var pieces = 0
        /// Whether a piece may replace earlier rows (then the file's segments replace them at `finish`).
        var replaces = false
        /// Its pieces' time ranges: kept apart from `ranges` until it ends, so its pieces never
        /// look like they could replace each other.
        var ranges: [ReportGroup: TimeRanges] = [:]
        let before: (next: Manifest, outcome: ImportOutcome, written: Int, streaming: Bool)
    }

    init(store: Store, lock: StoreLock, segmentRows: Int) {
        self.store = store
        self.lock = lock
        self.segmentRows = segmentRows
        batch = SegmentBatch(segmentRows: segmentRows)
        next = store.manifest
        committedSources = next.sources.count
        seen = Set(minimumCapacity: next.sources.count + 64)
        for source in next.sources { seen.insert(source.hash) }
        sizes = Set(next.sources.map(\.bytes))
        var stored: [String: [(Int64?, Int64?)]] = [:]
        for entry in next.segments { stored[entry.cuboid, default: []].append((entry.minTime, entry.maxTime)) }
        storedRanges = stored
    }

    /// Makes room for `files` more files' hashes, sizes and sources: an import told how many
    /// files it was given grows none of them as the files arrive (the set of 20,000 responses'
    /// hashes was rehashed nine times on its way, each time hashing every hash again).
    public func expect(files: Int) {
        precondition(!done, "expect after finish or abandon")
        seen.reserveCapacity(seen.count + files)
        sizes.reserveCapacity(sizes.count + files)
        next.sources.reserveCapacity(next.sources.count + files)
    }

    /// Adds the next file (in the order its rows should win: a later file's row
    /// replaces an earlier one's with the same key). On a write error the
    /// import is abandoned and the error thrown.
    public func add(_ file: IncomingFile) throws {
        precondition(!done, "add after finish or abandon")
        outcome.bytesRead += file.bytes
        guard !(file.legacyHash.map(seen.contains) ?? false), seen.insert(file.hash).inserted else {
            outcome.alreadyImported.append(file.path)
            return
        }
        let id = next.nextSource
        next.nextSource += 1
        var rows = 0
        do {
            for k in file.reports.indices {
                var item = file.reports[k]
                // The `_source` column is added per segment when a batch is written.
                item.source = Int64(id)
                rows += item.table.rowCount
                try take(item)
            }
            // Between files: a segment's worth of held rows is written (memory stays bounded).
            if heldRows >= segmentRows { try writeHeld() }
        } catch {
            abandon()
            throw error
        }
        next.sources.append(SourceEntry(id: id, hash: file.hash, bytes: file.bytes, rows: rows, kind: file.summary.kind,
                                        path: file.path, totals: file.summary.totals))
        sizes.insert(file.bytes)
        outcome.filesImported += 1
        outcome.reportsImported += file.reports.count
    }

    /// Whether the file was imported before (into the store, or by this import).
    public func holds(_ file: IncomingFile) -> Bool {
        seen.contains(file.hash) || (file.legacyHash.map(seen.contains) ?? false)
    }

    /// Adds a run of files as `add(_ file:)` of each in turn would: a source each, their rows one
    /// report (rows it may replace are replaced as a file's are). Returns false, changing nothing,
    /// when it cannot take the run whole: a file of it was imported before (or comes twice in it),
    /// or its rows are more than a segment's; its files are then given one by one. On a write
    /// error the import is abandoned and the error thrown.
    public func add(_ run: IncomingRun) throws -> Bool {
        precondition(!done && piecewise == nil, "add(run:) after finish or abandon, or inside beginFile/endFile")
        guard run.report.table.rowCount <= segmentRows else { return false }
        // Each hash recorded as it is checked (one lookup a file); taken back at the first seen before.
        for (k, file) in run.files.enumerated() where (file.legacyHash.map(seen.contains) ?? false) || !seen.insert(file.hash).inserted {
            for earlier in run.files[..<k] { seen.remove(earlier.hash) }
            return false
        }
        let first = next.nextSource
        next.nextSource += run.files.count
        var item = run.report
        item.sourceRows = run.rows.enumerated().map { (Int64(first + $0.offset), $0.element) }
        do {
            try take(item)
            if heldRows >= segmentRows { try writeHeld() }
        } catch {
            abandon()
            throw error
        }
        for (k, file) in run.files.enumerated() {
            next.sources.append(SourceEntry(id: first + k, hash: file.hash, bytes: file.bytes, rows: run.rows[k], kind: file.summary.kind,
                                            path: file.path, totals: file.summary.totals))
            sizes.insert(file.bytes)
            outcome.bytesRead += file.bytes
        }
        outcome.filesImported += run.files.count
        outcome.reportsImported += run.files.count
        outcome.filesJoined += run.files.count
        return true
    }

    /// Whether a file of `bytes` bytes may have been imported before (into the store, or by
    /// this import): one of that size was. A file of another size cannot be, so its content hash
    /// is not needed before its pieces are given (`beginFile` without one).
    public func mayHold(bytes: Int) -> Bool { sizes.contains(bytes) }

    /// Starts a file that comes in pieces (`addPiece`), such as a big CSV read in windows: the
    /// reports before it (held ones too) are written first, so its pieces are written as they come
    /// and can be taken back alone (`dropFile`).
    /// Returns false, changing nothing, when a file with its content was imported before. The
    /// content hash may come at `endFile` instead when `mayHold(bytes:)` is false.
    public func beginFile(path: String, hash: String?, legacyHash: String?, bytes: Int) throws -> Bool {
        precondition(!done && piecewise == nil, "beginFile after finish or abandon, or inside another file")
        precondition(hash != nil || !mayHold(bytes: bytes), "a file that may have been imported needs its hash first")
        if let hash, (legacyHash.map(seen.contains) ?? false) || seen.contains(hash) {
            outcome.bytesRead += bytes
            outcome.alreadyImported.append(path)
            return false
        }
        do {
            try writeBatch()
            try writeHeld()
        } catch {
            abandon()
            throw error
        }
        let before = (next, outcome, written.count, streaming)
        if let hash { seen.insert(hash) }
        outcome.bytesRead += bytes
        piecewise = PiecewiseFile(id: next.nextSource, path: path, hash: hash, legacyHash: legacyHash, bytes: bytes, before: before)
        next.nextSource += 1
        return true
    }

    /// Adds the next piece of the file `beginFile` started: rows of the same report (kind,
    /// interval, zone, dimensions and filters) as its other pieces. On a write error the import
    /// is abandoned and the error thrown.
    public func addPiece(_ piece: IncomingReport) throws {
        precondition(!done && piecewise != nil, "addPiece outside beginFile/endFile")
        var item = piece
        item.source = Int64(piecewise!.id)
        item.isPiece = true
        piecewise!.rows += item.table.rowCount
        piecewise!.pieces += 1
        do { try take(item) } catch {
            abandon()
            throw error
        }
    }

    /// Ends the file `beginFile` started: the manifest will record it with `mainKind` and `totals`,
    /// and `hash` (and `legacyHash`) when `beginFile` had none. Returns false when that hash shows
    /// the file was imported before (its pieces are taken back). On a write error the import is
    /// abandoned and the error thrown.
    @discardableResult
    public func endFile(hash: String? = nil, legacyHash: String? = nil, mainKind: String, totals: [String: String]) throws -> Bool {
        precondition(!done && piecewise != nil, "endFile outside beginFile/endFile")
        if piecewise!.hash == nil {
            guard let hash else { preconditionFailure("endFile without the hash beginFile did not have") }
            guard !(legacyHash.map(seen.contains) ?? false), seen.insert(hash).inserted else {
                // Not expected (equal content has equal size), but never recorded twice.
                let path = piecewise!.path, bytes = piecewise!.bytes
                dropFile()
                outcome.bytesRead += bytes
                outcome.alreadyImported.append(path)
                return false
            }
            piecewise!.hash = hash
            piecewise!.legacyHash = legacyHash
        }
        if piecewise!.replaces {
            // Its segments hold its rows alone: later files start a segment of their own.
            do { try writeBatch() } catch {
                abandon()
                throw error
            }
            replacingRuns.append(Array(written[piecewise!.before.written...]))
        }
        let file = piecewise!
        piecewise = nil
        for (group, fileRanges) in file.ranges { ranges[group, default: TimeRanges()].add(fileRanges) }
        next.sources.append(SourceEntry(id: file.id, hash: file.hash!, bytes: file.bytes, rows: file.rows, kind: mainKind,
                                        path: file.path, totals: totals))
        sizes.insert(file.bytes)
        outcome.filesImported += 1
        outcome.reportsImported += file.pieces > 0 ? 1 : 0
        return true
    }

    /// Takes back the file `beginFile` started: the segments its pieces went into are removed,
    /// and the import is as it was before `beginFile`.
    public func dropFile() {
        precondition(!done && piecewise != nil, "dropFile outside beginFile/endFile")
        let before = piecewise!.before
        if let hash = piecewise!.hash { seen.remove(hash) }
        piecewise = nil
        for entry in written[before.written...] {
            try? FileIO.remove(store.segmentPath(entry))
            writtenBytes[entry.name] = nil
        }
        written.removeSubrange(before.written...)
        batch = SegmentBatch(segmentRows: segmentRows)
        (next, outcome, streaming) = (before.next, before.outcome, before.streaming)
    }

    /// Writes what is left, replaces replaced rows, commits the manifest and
    /// releases the lock. On an error the import is abandoned and the error thrown.
    public func finish() throws -> ImportOutcome {
        precondition(!done, "finish after finish or abandon")
        precondition(piecewise == nil, "finish inside beginFile/endFile")
        // The manifest's source lines (a line a file: 20,000 for a folder of responses) change no more:
        // made on another thread while the last segments are sorted and written (on one core, mostly).
        let manifest = next
        let sourceLines = BackgroundValue { manifest.sourceLines() }
        do {
            try writeBatch()
            try writeHeld()
            guard next.sources.count > committedSources else {
                abandon()
                return outcome
            }
            var removed: Set<String> = []
            var rewritten: [SegmentEntry] = []
            if !replacingRuns.isEmpty {
                // The parse workers' arenas hold the pages of the rows let go (a file's windows too).
                returnFreedMemory()
                try applyReplacement(removed: &removed, rewritten: &rewritten)
            }
            outcome.rowsReplaced += droppedRows.written.values.reduce(0, +)
            var dropped = droppedRows.written
            for (source, count) in droppedRows.held { dropped[source, default: 0] += count }
            for source in next.sources[committedSources...] where source.rows > 0 && dropped[Int64(source.id)] == source.rows {
                outcome.shadowedFiles.append(source.path)
            }
            try FileIO.syncDirectory(store.path + "/segments")
            next.segments = next.segments.filter { !removed.contains($0.name) } + rewritten + written
            try store.commitOrRollBack(next, written: rewritten + written, sourceLines: sourceLines.result())
            written = []
            for name in removed { try? FileIO.remove(store.path + "/segments/" + name) }
            outcome.segmentsCompacted = (try? store.compactLocked(onlyIfCheap: true).segmentsMerged) ?? 0
        } catch {
            abandon()
            throw error
        }
        done = true
        lock = nil
        return outcome
    }

    /// Gives the import up: removes the segment files it wrote, releases the lock.
    public func abandon() {
        for entry in written { try? FileIO.remove(store.segmentPath(entry)) }
        written = []
        batch = SegmentBatch(segmentRows: segmentRows)
        held = []
        heldRows = 0
        done = true
        lock = nil
    }

    /// One report: into the current batch while streaming, else held.
    private func take(_ item: IncomingReport) throws {
        let rows = item.table.rowCount
        // A report without rows has no keys: it neither replaces nor is replaced.
        guard rows > 0 else { return }
        let group = ReportGroup(cuboid: item.cuboid, filters: item.filters)
        if item.isPiece {
            // A piece is written even when it may replace earlier rows: `finish` replaces them then
            // from its segments (nothing is held before it: `beginFile` wrote the held reports).
            // Held reports' ranges are not kept, so after them any piece may replace.
            if !streaming || mayReplace(item, group: group) { piecewise!.replaces = true }
            piecewise!.ranges[group, default: TimeRanges()].add(lo: item.lo, hi: item.hi)
            try addToBatch(item)
            return
        }
        if streaming, mayReplace(item, group: group) {
            streaming = false
            try writeBatch()
        }
        guard streaming else {
            held.append(item)
            heldRows += rows
            return
        }
        ranges[group, default: TimeRanges()].add(lo: item.lo, hi: item.hi)
        try addToBatch(item)
    }

    /// Consecutive reports of one cuboid share segments of up to `segmentRows` rows.
    func addToBatch(_ item: IncomingReport) throws {
        if !batch.isEmpty, batch.cuboid != item.cuboid || batch.rowCount + item.table.rowCount > segmentRows {
            try writeBatch()
        }
        batch.append(item)
    }

    /// Whether the report's rows could share a key with an earlier report of
    /// this import or a stored row: its time range meets theirs (a piece's own
    /// file's earlier pieces are not in `ranges`).
    private func mayReplace(_ item: IncomingReport, group: ReportGroup) -> Bool {
        if let earlier = ranges[group], earlier.meet(lo: item.lo, hi: item.hi) { return true }
        return storedRanges[item.cuboid]?.contains { item.overlaps(lo: $0.0, hi: $0.1) } ?? false
    }

    /// Writes the batch as one segment (each row with its source file's manifest
    /// id: `colan verify` checks each file's totals by it).
    func writeBatch() throws {
        guard !batch.isEmpty else { return }
        let cuboid = batch.cuboid, kind = batch.kind
        let (table, inScanOrder) = try batch.take()
        let (entry, bytes) = try store.writeSegment(table, cuboid: cuboid, kind: kind, next: &next, inScanOrder: inScanOrder)
        written.append(entry)
        writtenBytes[entry.name] = bytes
        outcome.bytesWritten += bytes
        outcome.rowsAdded += table.rowCount
        batch.recycle(table)
    }
}

/// Reports that can share row keys: one cuboid, the same filter values.
struct ReportGroup: Hashable {
    let cuboid: String
    let filters: String
}

/// The time ranges of one group's reports, for the streaming check: "meets
/// none" is answered from the latest end alone when reports come in time
/// order (daily files), by a scan otherwise.
struct TimeRanges {
    private var ranges: [(Int64, Int64)] = []
    private var latestEnd = Int64.min
    /// A report without times meets every other.
    private var unbounded = false

    /// Adds every range of `other`.
    mutating func add(_ other: TimeRanges) {
        if other.unbounded { unbounded = true }
        for (lo, hi) in other.ranges { add(lo: lo, hi: hi) }
    }

    mutating func add(lo: Int64?, hi: Int64?) {
        guard let lo, let hi else { unbounded = true; return }
        ranges.append((lo, hi))
        latestEnd = max(latestEnd, hi)
    }

    func meet(lo: Int64?, hi: Int64?) -> Bool {
        guard !unbounded, let lo, let hi else { return unbounded || !ranges.isEmpty }
        if lo > latestEnd { return false }
        return ranges.contains { lo <= $0.1 && $0.0 <= hi }
    }
}
