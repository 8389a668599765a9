#if canImport(Glibc)
import Glibc
#endif
import ColanSupport
import ColanColumns
import ColanFormat

/// One source file as the store takes it: its content hash and size, and its reports.
/// Import makes them (`IncomingFile(path:hash:legacyHash:bytes:reports:)` from parsed reports)
/// on the parse workers; the store names no parser.
///
/// A class, immutable: the parse workers make one per file and the commit
/// passes them along by reference (copying a struct of this many strings and
/// arrays retained each of them, objects the other core made, for every file
/// of a folder of small responses).
public final class IncomingFile: Sendable {
    /// The file's path.
    public let path: String
    /// Its 128-bit content hash, in hex.
    public let hash: String
    /// Its pre-XXH3 content hash, when asked for (`ImportOptions.legacyContentHashes`).
    public let legacyHash: String?
    /// Its size in bytes.
    public let bytes: Int
    /// Its reports, as segments take them (none for an empty download).
    public let reports: [IncomingReport]
    /// What the manifest records of the file: its main report's kind and totals.
    let summary: (kind: String, totals: [String: String])

    /// A file of `reports`; `mainKind` and `totals` are what the manifest records of it
    /// (its main report's kind, "empty" for none, and the totals the vendor sent with it).
    public init(path: String, hash: String, legacyHash: String? = nil, bytes: Int, reports: [IncomingReport],
                mainKind: String, totals: [String: String]) {
        self.path = path
        self.hash = hash
        self.legacyHash = legacyHash
        self.bytes = bytes
        self.reports = reports
        summary = (mainKind, totals)
    }
}

/// What an import changed.
public struct ImportOutcome: Sendable {
    /// Files whose bytes were imported before: nothing changed for them.
    public var alreadyImported: [String] = []
    /// Rows added.
    public var rowsAdded = 0
    /// Earlier rows replaced by rows with the same report key.
    public var rowsReplaced = 0
    /// Bytes of segment files written.
    public var bytesWritten = 0
    /// Segments merged by the automatic compaction, if it ran.
    public var segmentsCompacted = 0
    /// Bytes of the files given to the import (already imported or not).
    public var bytesRead = 0
    /// Files imported (new content).
    public var filesImported = 0
    /// Their reports.
    public var reportsImported = 0
    /// Files of this import whose rows were wholly replaced by a later file of
    /// the same import: usually reports downloaded with different filters
    /// that were not given (--set, --name, FILE.url), worth a warning.
    public var shadowedFiles: [String] = []
}

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
/// From the first report that could replace rows on, reports are held until
/// `finish`, which compares keys as `Store` always has, treating the
/// segments this import already wrote like stored ones.
///
/// A big file may come in pieces instead (`beginFile`, `addPiece` for each
/// window of its rows, `endFile`): one source in the manifest, whose pieces
/// never replace each other's rows (rows of one file with the same key are
/// all kept, as when the file comes whole), and which can be taken back whole
/// (`dropFile`) until it ends.
public final class StoreImport {
    private let store: Store
    private var lock: StoreLock?
    private var next: Manifest
    private let committedSources: Int
    /// Content hashes recorded or added.
    private var seen: Set<String>
    /// The sizes of the files recorded or added (`mayHold`).
    private var sizes: Set<Int>
    private var outcome = ImportOutcome()
    /// The stored segments' time ranges, by cuboid.
    private let storedRanges: [String: [(Int64?, Int64?)]]
    /// The time ranges of this import's reports so far, by cuboid and filters.
    private var ranges: [ReportGroup: TimeRanges] = [:]
    /// Whether reports are still written as they come (no possible replacement met yet).
    private var streaming = true
    /// Reports joined into the next segment (streaming, then the held ones).
    private var batch: SegmentBatch
    /// Rows a segment holds at most (unless one report has more).
    private let segmentRows: Int
    /// Reports held for `finish` (after streaming stopped).
    private var held: [IncomingReport] = []
    /// Segment files this import wrote, not yet committed, and their sizes.
    private var written: [SegmentEntry] = []
    private var writtenBytes: [String: Int] = [:]
    private var done = false
    /// The file coming in pieces, between `beginFile` and `endFile` or `dropFile`.
    private var piecewise: PiecewiseFile?
    /// Files given in pieces whose rows may replace earlier ones, written as they came rather
    /// than held (a big file's rows never wait in memory): their source ids and segments, in
    /// order; `finish` takes the rows they replace out of earlier segments, before the held reports.
    private var replacingFiles: [(source: Int64, segments: [SegmentEntry])] = []

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
        let before: (next: Manifest, outcome: ImportOutcome, written: Int, held: Int, streaming: Bool)
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

    /// Whether a file of `bytes` bytes may have been imported before (into the store, or by
    /// this import): one of that size was. A file of another size cannot be, so its content hash
    /// is not needed before its pieces are given (`beginFile` without one).
    public func mayHold(bytes: Int) -> Bool { sizes.contains(bytes) }

    /// Starts a file that comes in pieces (`addPiece`), such as a big CSV read in windows: the
    /// reports before it are written first, so its pieces can be taken back alone (`dropFile`).
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
        do { try writeBatch() } catch {
            abandon()
            throw error
        }
        let before = (next, outcome, written.count, held.count, streaming)
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
            replacingFiles.append((Int64(piecewise!.id), Array(written[piecewise!.before.written...])))
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
    /// its held pieces dropped, and the import is as it was before `beginFile`.
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
        held.removeSubrange(before.held...)
        batch = SegmentBatch(segmentRows: segmentRows)
        (next, outcome, streaming) = (before.next, before.outcome, before.streaming)
    }

    /// Writes what is left, replaces replaced rows, commits the manifest and
    /// releases the lock. On an error the import is abandoned and the error thrown.
    public func finish() throws -> ImportOutcome {
        precondition(!done, "finish after finish or abandon")
        precondition(piecewise == nil, "finish inside beginFile/endFile")
        do {
            try writeBatch()
            guard next.sources.count > committedSources else {
                abandon()
                return outcome
            }
            var removed: Set<String> = []
            var rewritten: [SegmentEntry] = []
            var dropped = DroppedRows()
            if !replacingFiles.isEmpty { try applyReplacingFiles(removed: &removed, rewritten: &rewritten, dropped: &dropped) }
            if !held.isEmpty { try commitHeld(removed: &removed, rewritten: &rewritten, dropped: &dropped) }
            outcome.rowsReplaced += dropped.streamed.values.reduce(0, +)
            for (source, count) in dropped.heldPieces { dropped.streamed[source, default: 0] += count }
            for source in next.sources[committedSources...] where source.rows > 0 && dropped.streamed[Int64(source.id)] == source.rows {
                outcome.shadowedFiles.append(source.path)
            }
            try FileIO.syncDirectory(store.path + "/segments")
            // A rewritten segment rewritten again is in `removed` too.
            next.segments = next.segments.filter { !removed.contains($0.name) } + rewritten.filter { !removed.contains($0.name) } + written
            try store.commitOrRollBack(next, written: rewritten + written)
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
        done = true
        lock = nil
    }

    /// One report: into the current batch while streaming, else held.
    private func take(_ item: IncomingReport) throws {
        let rows = item.table.rowCount
        // A report without rows has no keys: it neither replaces nor is replaced.
        guard rows > 0 else { return }
        let group = ReportGroup(cuboid: item.cuboid, filters: item.filters)
        if item.isPiece && streaming {
            // A piece is written even when it may replace earlier rows: `finish` replaces them then
            // from its segments (nothing is held before it, so it is the earliest of what replaces).
            if mayReplace(item, group: group) { piecewise!.replaces = true }
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
            return
        }
        ranges[group, default: TimeRanges()].add(lo: item.lo, hi: item.hi)
        try addToBatch(item)
    }

    /// Consecutive reports of one cuboid share segments of up to `segmentRows` rows.
    private func addToBatch(_ item: IncomingReport) throws {
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
    private func writeBatch() throws {
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

    /// Writes `entry` again with the rows `keep` marks (none: it goes): a segment this import
    /// wrote (`streamed`) is replaced in `written` at once (its file removed; its dropped rows leave
    /// `rowsAdded`), a committed or rewritten one is listed in `removed` and its replacement in
    /// `rewritten`.
    fileprivate func rewrite(_ entry: SegmentEntry, _ stored: Table, keeping keep: [Bool], streamed: Bool,
                             removed: inout Set<String>, rewritten: inout [SegmentEntry], dropped: inout DroppedRows) throws {
        let count = keep.filter { !$0 }.count
        guard count > 0 else { return }
        // The rows kept, in a new segment (none when every row is replaced).
        var replacement: SegmentEntry?
        if count < keep.count {
            let remaining = try Table.gather([stored], rows: keep.indices.filter { keep[$0] }.map { Table.RowRef(table: 0, row: $0) },
                                             metadata: stored.metadata)
            let (newEntry, bytes) = try store.writeSegment(remaining, cuboid: entry.cuboid, kind: entry.kind, next: &next)
            replacement = newEntry
            outcome.bytesWritten += bytes
            if streamed { writtenBytes[newEntry.name] = bytes }
        }
        if streamed, let k = written.firstIndex(where: { $0.name == entry.name }) {
            outcome.rowsAdded -= count
            if let s = stored.schema.index(of: "_source"), case .int64(let ids) = stored.columns[s].values {
                for r in keep.indices where !keep[r] { dropped.streamed[ids[r], default: 0] += 1 }
            }
            // Never listed: its file goes now, the kept rows' segment takes its place.
            try? FileIO.remove(store.segmentPath(entry))
            outcome.bytesWritten -= writtenBytes[entry.name] ?? 0
            if let replacement { written[k] = replacement } else { written.remove(at: k) }
        } else {
            outcome.rowsReplaced += count
            removed.insert(entry.name)
            if let replacement { rewritten.append(replacement) }
        }
    }

    /// The held reports: a later one replaces an earlier one's rows with the
    /// same key, then they replace stored rows (committed segments and those
    /// this import wrote while streaming), then they are written.
    private func commitHeld(removed: inout Set<String>, rewritten: inout [SegmentEntry], dropped: inout DroppedRows) throws {
        // Keys are computed only where two reports of one cuboid and the same filter values overlap
        // in time: reports of different channels (say) or days cannot share a key.
        // (By index: iterating the reports themselves copies each, a retain per string and array in it.)
        var groups: [ReportGroup: [Int]] = [:]
        for i in held.indices { groups[ReportGroup(cuboid: held[i].cuboid, filters: held[i].filters), default: []].append(i) }
        var droppedRows = dropped
        defer { dropped = droppedRows }
        for members in groups.values {
            let overlapping = Store.overlapping(members.map { (held[$0].lo, held[$0].hi) }).map { members[$0] }
            guard overlapping.count > 1 else { continue }
            // Keys of later reports, and of the later pieces of the file whose pieces come now:
            // pieces of one file never replace each other's rows.
            var later = Set<RowKey>()
            var sameFile = Set<RowKey>(), sameFileSource: Int64?
            for i in overlapping.reversed() {
                if sameFileSource != nil, !(held[i].isPiece && held[i].source == sameFileSource) {
                    later.formUnion(sameFile)
                    sameFile = []
                    sameFileSource = nil
                }
                let keys = RowKeys.keys(held[i].table, dimensions: held[i].dims)
                let keep = keys.map { !later.contains($0) }
                if keep.contains(false) {
                    let dropped = keep.filter { !$0 }.count
                    outcome.rowsReplaced += dropped
                    if held[i].isPiece {
                        droppedRows.heldPieces[held[i].source, default: 0] += dropped
                    } else if dropped == keep.count, let file = held[i].file {
                        outcome.shadowedFiles.append(file)
                    }
                    held[i].table = try Table.gather([held[i].table], rows: keep.indices.filter { keep[$0] }.map { Table.RowRef(table: 0, row: $0) },
                                                     metadata: held[i].table.metadata)
                    // Fewer rows can change which dimensions scan order sorts by.
                    held[i].inScanOrder = false
                }
                if held[i].isPiece {
                    sameFileSource = held[i].source
                    sameFile.formUnion(keys)
                } else {
                    later.formUnion(keys)
                }
            }
        }
        // Earlier rows with a key the held reports bring again are replaced (only segments of the same
        // cuboid overlapping in time): committed ones (as rewritten by a file given in pieces, if it was)
        // and those this import wrote.
        let streamed = Set(written.map(\.name))
        for entry in next.segments.filter({ !removed.contains($0.name) }) + rewritten.filter({ !removed.contains($0.name) }) + written {
            let meeting = held.filter { $0.cuboid == entry.cuboid && $0.overlaps(lo: entry.minTime, hi: entry.maxTime) }
            guard !meeting.isEmpty else { continue }
            // A held piece's keys replace no row of its own file (in segments this import wrote).
            var keys = Set<RowKey>()
            var pieceKeys: [Int64: Set<RowKey>] = [:]
            for item in meeting {
                let itemKeys = RowKeys.keys(item.table, dimensions: item.dims)
                if item.isPiece, streamed.contains(entry.name) {
                    pieceKeys[item.source, default: []].formUnion(itemKeys)
                } else {
                    keys.formUnion(itemKeys)
                }
            }
            let stored = try SegmentReader(path: store.segmentPath(entry)).readTable()
            let storedKeys = RowKeys.keys(stored, dimensions: RowKeys.dimensions(ofCuboid: entry.cuboid))
            var keep = storedKeys.map { !keys.contains($0) }
            if !pieceKeys.isEmpty, let s = stored.schema.index(of: "_source"), case .int64(let rowSources) = stored.columns[s].values {
                for r in keep.indices where keep[r] {
                    keep[r] = !pieceKeys.contains { $0.key != rowSources[r] && $0.value.contains(storedKeys[r]) }
                }
            }
            try rewrite(entry, stored, keeping: keep, streamed: streamed.contains(entry.name), removed: &removed, rewritten: &rewritten,
                        dropped: &droppedRows)
        }
        // New rows.
        for i in held.indices where held[i].table.rowCount > 0 { try addToBatch(held[i]) }
        try writeBatch()
        held = []
    }
}

/// Rows an import's replacement took out of segments it wrote, by source file (they leave
/// `rowsAdded`; a file that loses all its rows is reported as shadowed).
private struct DroppedRows {
    /// From segments written while streaming (and files given in pieces).
    var streamed: [Int64: Int] = [:]
    /// From held pieces of a file, replaced by later files' rows before they were written.
    var heldPieces: [Int64: Int] = [:]
}

extension StoreImport {
    /// Takes the rows each file given in pieces replaces out of earlier segments: committed ones
    /// of its cuboid meeting its segments in time (as rewritten by an earlier such file) and
    /// those this import wrote before it. Its keys are read back from its segments one at a time,
    /// so the rows replaced are never all in memory.
    fileprivate func applyReplacingFiles(removed: inout Set<String>, rewritten: inout [SegmentEntry], dropped: inout DroppedRows) throws {
        for file in replacingFiles {
            guard let first = file.segments.first, let firstIndex = written.firstIndex(where: { $0.name == first.name }) else { continue }
            let earlierWritten = Array(written[..<firstIndex])
            let targets = next.segments.filter { !removed.contains($0.name) } + rewritten.filter { !removed.contains($0.name) } + earlierWritten
            let streamedNames = Set(earlierWritten.map(\.name))
            for target in targets {
                let pieces = file.segments.filter { $0.cuboid == target.cuboid && Self.meet($0, target) }
                guard !pieces.isEmpty else { continue }
                // Keys from what they are made of only (the time and the dimensions), one piece at a
                // time; the whole target is read only when it loses rows.
                let dimensions = RowKeys.dimensions(ofCuboid: target.cuboid)
                let keyColumns = Set(dimensions + ["time"])
                let storedKeys = RowKeys.keys(try SegmentReader(path: store.segmentPath(target)).readTable(only: keyColumns),
                                              dimensions: dimensions)
                var keep = [Bool](repeating: true, count: storedKeys.count)
                for piece in pieces {
                    let keys = RowKeySet(RowKeys.keys(try SegmentReader(path: store.segmentPath(piece)).readTable(only: keyColumns),
                                                      dimensions: dimensions))
                    for r in keep.indices where keep[r] && keys.contains(storedKeys[r]) { keep[r] = false }
                }
                guard keep.contains(false) else { continue }
                let stored = try SegmentReader(path: store.segmentPath(target)).readTable()
                try rewrite(target, stored, keeping: keep, streamed: streamedNames.contains(target.name), removed: &removed,
                            rewritten: &rewritten, dropped: &dropped)
            }
        }
        replacingFiles = []
    }

    /// Whether two segments' time ranges meet (a segment without times meets every other).
    fileprivate static func meet(_ a: SegmentEntry, _ b: SegmentEntry) -> Bool {
        guard let aLo = a.minTime, let aHi = a.maxTime, let bLo = b.minTime, let bHi = b.maxTime else { return true }
        return aLo <= bHi && bLo <= aHi
    }
}

/// Reports that can share row keys: one cuboid, the same filter values.
private struct ReportGroup: Hashable {
    let cuboid: String
    let filters: String
}

/// The time ranges of one group's reports, for the streaming check: "meets
/// none" is answered from the latest end alone when reports come in time
/// order (daily files), by a scan otherwise.
private struct TimeRanges {
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

extension Store {
    /// Appends tables as new segments in one commit, without replacement or
    /// content-hash checks: for `colan gen`, whose rows are new by
    /// construction. Each table's metadata names its reportKind, interval,
    /// timezone and dimensions. Returns the bytes written.
    @discardableResult
    public func append(_ tables: [Table], zstd: ZstdPolicy = .cold) throws -> Int {
        let lock = try lock(waiting: {})
        defer { withExtendedLifetime(lock) {} }
        var next = manifest
        var written: [SegmentEntry] = []
        var bytes = 0
        for table in tables where table.rowCount > 0 {
            let m = table.metadata
            let kind = m["reportKind"] ?? "generic"
            let cuboid = RowKeys.cuboid(kind: kind, interval: m["interval"] ?? "NONE", zone: m["timezone"] ?? "UTC",
                                        dimensions: (m["dimensions"] ?? "").split(separator: ",").map(String.init))
            let (entry, size) = try writeSegment(table, cuboid: cuboid, kind: kind, next: &next, zstd: zstd)
            written.append(entry)
            bytes += size
        }
        try FileIO.syncDirectory(path + "/segments")
        next.segments += written
        try commitOrRollBack(next, written: written)
        return bytes
    }
}

extension Store {
    /// The positions of the time ranges that meet another one (a range
    /// without times meets everything): a sweep in start order, so disjoint
    /// daily reports cost a sort, not a comparison of every pair.
    static func overlapping(_ ranges: [(Int64?, Int64?)]) -> [Int] {
        if ranges.contains(where: { $0.0 == nil || $0.1 == nil }) { return ranges.count > 1 ? Array(ranges.indices) : [] }
        let order = ranges.indices.sorted { (ranges[$0].0 ?? 0) < (ranges[$1].0 ?? 0) }
        var marked = [Bool](repeating: false, count: ranges.count)
        // Unmarked earlier ranges that may still meet a later one, and the furthest end of the marked ones.
        var active: [Int] = []
        var markedEnd = Int64.min
        for i in order {
            let lo = ranges[i].0 ?? 0, hi = ranges[i].1 ?? 0
            active.removeAll { (ranges[$0].1 ?? 0) < lo }
            if !active.isEmpty || markedEnd >= lo {
                marked[i] = true
                markedEnd = max(markedEnd, hi)
                for j in active {
                    marked[j] = true
                    markedEnd = max(markedEnd, ranges[j].1 ?? 0)
                }
                active.removeAll()
            } else {
                active.append(i)
            }
        }
        return marked.indices.filter { marked[$0] }
    }
}

/// One report as the store takes it, on its way into a segment: its identity (the cuboid),
/// its rows (time first, in UTC) and the filters it was downloaded with.
public struct IncomingReport: Sendable {
    /// The cuboid, encoded (`Cuboid`).
    var cuboid: String
    var kind: String
    var dims: [String]
    var table: Table
    let file: String?
    /// The manifest id of the file the rows come from (the `_source` column).
    var source: Int64 = 0
    /// Whether the table's rows are known to be in scan order (sorted when parsed, not changed since).
    var inScanOrder = false
    /// Whether the report is one piece of a file given in pieces (`StoreImport.addPiece`).
    var isPiece = false
    /// The fixed dimension values (filters) the report was downloaded with, as one string.
    let filters: String
    let lo: Int64?
    let hi: Int64?

    /// A report of `kind` at `interval` in `zone`, broken down by `dimensions` (its dimension
    /// columns and `fixed` ones), from `file`. The table's metadata becomes what the segment
    /// keeps of the report (docs/FORMAT.md): kind, interval, zone, dimensions and filters.
    /// `inScanOrder`: the rows are in scan order already (`Table.sortIntoScanOrder`), so a
    /// segment of this report alone is not checked again, nor one `SegmentBatch` can prove sorted.
    public init(kind: String, interval: String, zone: String, dimensions: [String], fixed: [String: String],
                table: Table, file: String, inScanOrder: Bool = false) {
        var table = table
        var m: [String: String] = Dictionary(minimumCapacity: 4 + fixed.count)
        m["reportKind"] = kind
        m["interval"] = interval
        m["timezone"] = zone
        m["dimensions"] = dimensions.joined(separator: ",")
        for (k, v) in fixed { m["fixed." + k] = v }
        table.metadata = m
        self.init(cuboid: RowKeys.cuboid(kind: kind, interval: interval, zone: zone, dimensions: dimensions),
                  kind: kind, dims: dimensions, table: table, file: file, fixed: fixed)
        self.inScanOrder = inScanOrder
    }

    /// `fixed`: the report's filters (its table's `fixed.` metadata).
    init(cuboid: String, kind: String, dims: [String], table: Table, file: String, fixed: [String: String]) {
        self.cuboid = cuboid
        self.kind = kind
        self.dims = dims
        self.table = table
        self.file = file
        filters = fixed.isEmpty ? "" : fixed.sorted { $0.key < $1.key }.map { "fixed." + $0.key + "=" + $0.value }.joined(separator: "\u{1}")
        var lo: Int64?, hi: Int64?
        if let t = table.schema.index(of: "time"), case .int64(let v) = table.columns[t].values {
            lo = v.min()
            hi = v.max()
        }
        self.lo = lo
        self.hi = hi
    }

    /// Whether the two time ranges meet (a report without times meets everything).
    func overlaps(lo other: Int64?, hi otherHi: Int64?) -> Bool {
        guard let lo, let hi, let other, let otherHi else { return true }
        return lo <= otherHi && other <= hi
    }

}
