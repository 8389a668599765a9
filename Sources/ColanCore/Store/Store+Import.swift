/// A file parsed for import, with its content hash.
///
/// A class, immutable: the parse workers make one per file and the commit
/// passes them along by reference (copying a struct of this many strings and
/// arrays retained each of them, objects the other core made, for every file
/// of a folder of small responses).
public final class ParsedFile: Sendable {
    /// The file's path.
    public let path: String
    /// Its 128-bit content hash, in hex.
    public let hash: String
    /// Its pre-XXH3 content hash, when asked for (`ImportOptions.legacyContentHashes`).
    public let legacyHash: String?
    /// Its size in bytes.
    public let bytes: Int
    /// Its reports (none for an empty download).
    public let reports: [ImportedReport]
    /// The reports as the store takes them (cuboid, segment metadata, time
    /// range), prepared here because parsed files are created on the parse
    /// workers, in parallel, while the store's commit runs on one thread.
    let prepared: [Incoming]
    /// What the manifest records of the file: its main report's kind and totals.
    let summary: (kind: String, totals: [String: String])

    /// Creates a parsed file. `reportsInScanOrder`: every report's rows are in
    /// scan order already (`Table.sortIntoScanOrder`), so a report written as a
    /// segment of its own is not checked again.
    public init(path: String, hash: String, legacyHash: String? = nil, bytes: Int, reports: [ImportedReport],
                reportsInScanOrder: Bool = false) {
        self.path = path
        self.hash = hash
        self.legacyHash = legacyHash
        self.bytes = bytes
        self.reports = reports
        prepared = reports.map { report in
            let dims = report.specificDimensions
            var table = report.table
            table.metadata = report.storeMetadata(dimensions: dims)
            var incoming = Incoming(cuboid: RowKeys.cuboid(kind: report.kind, interval: report.interval, zone: report.zone, dimensions: dims),
                                    kind: report.kind, dims: dims, table: table, file: path, fixed: report.fixed)
            incoming.inScanOrder = reportsInScanOrder
            return incoming
        }
        let main = reports.last { !$0.totals.isEmpty && !JSONReportReader.channelListKeys.contains($0.kind) } ?? reports.first
        summary = (main?.kind ?? "empty", main?.totals ?? [:])
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

    /// Imports parsed files in one commit, under the writer lock:
    /// - a file whose content hash is already recorded changes nothing;
    /// - a row whose report key (cuboid, dimension values, time bucket) is
    ///   already stored replaces the stored row (a later file of the same
    ///   import replaces an earlier one the same way); rows of different
    ///   cuboids are never merged;
    /// - new segments are written, then the manifest is replaced atomically.
    /// Compacts small segments afterwards when that is cheap.
    public func importFiles(_ files: [ParsedFile], waiting: () -> Void = {}) throws -> ImportOutcome {
        let lock = try lock(waiting: waiting)
        defer { withExtendedLifetime(lock) {} }
        var outcome = ImportOutcome()
        var next = manifest
        var seen = Set<String>(minimumCapacity: next.sources.count + files.count)
        for source in next.sources { seen.insert(source.hash) }
        next.sources.reserveCapacity(next.sources.count + files.count)
        // Every new report, in file order, with its time range.
        var incoming: [Incoming] = []
        incoming.reserveCapacity(files.count)
        for f in files.indices {
            let hash = files[f].hash
            guard !(files[f].legacyHash.map(seen.contains) ?? false), seen.insert(hash).inserted else {
                outcome.alreadyImported.append(files[f].path)
                continue
            }
            let id = next.nextSource
            next.nextSource += 1
            var rows = 0
            for k in files[f].prepared.indices {
                // The `_source` column is added per segment when the batch is written.
                incoming.append(files[f].prepared[k])
                incoming[incoming.count - 1].source = Int64(id)
                rows += files[f].prepared[k].table.rowCount
            }
            next.sources.append(SourceEntry(id: id, hash: hash, bytes: files[f].bytes, rows: rows, kind: files[f].summary.kind,
                                            path: files[f].path, totals: files[f].summary.totals))
        }
        guard next.sources.count > manifest.sources.count else { return outcome }
        // Within the import, a later report replaces an earlier one's rows with the same key.
        // Keys are computed only where two reports of one cuboid and the same filter values overlap
        // in time: reports of different channels (say) or days cannot share a key.
        // (By index: iterating the reports themselves copies each, a retain per string and array in it.)
        struct Group: Hashable { let cuboid: String, filters: String }
        var groups: [Group: [Int]] = [:]
        for i in incoming.indices { groups[Group(cuboid: incoming[i].cuboid, filters: incoming[i].filters), default: []].append(i) }
        for members in groups.values {
            let overlapping = Self.overlapping(members.map { (incoming[$0].lo, incoming[$0].hi) }).map { members[$0] }
            guard overlapping.count > 1 else { continue }
            var later = Set<RowKey>()
            for i in overlapping.reversed() {
                let keys = RowKeys.keys(incoming[i].table, dimensions: incoming[i].dims)
                let keep = keys.map { !later.contains($0) }
                if keep.contains(false) {
                    let dropped = keep.filter { !$0 }.count
                    outcome.rowsReplaced += dropped
                    if dropped == keep.count, let file = incoming[i].file { outcome.shadowedFiles.append(file) }
                    incoming[i].table = try Table.gather([incoming[i].table], rows: keep.indices.filter { keep[$0] }.map { Table.RowRef(table: 0, row: $0) },
                                                         metadata: incoming[i].table.metadata)
                    // Fewer rows can change which dimensions scan order sorts by.
                    incoming[i].inScanOrder = false
                }
                later.formUnion(keys)
            }
        }
        // Stored rows with a key the import brings again are replaced (only segments of the same cuboid overlapping in time).
        var removed: Set<String> = []
        var rewritten: [SegmentEntry] = []
        for entry in next.segments {
            let meeting = incoming.filter { $0.cuboid == entry.cuboid && $0.overlaps(lo: entry.minTime, hi: entry.maxTime) }
            guard !meeting.isEmpty else { continue }
            var keys = Set<RowKey>()
            for item in meeting { keys.formUnion(RowKeys.keys(item.table, dimensions: item.dims)) }
            let stored = try SegmentReader(path: segmentPath(entry)).readTable()
            let storedKeys = RowKeys.keys(stored, dimensions: RowKeys.dimensions(ofCuboid: entry.cuboid))
            let keep = storedKeys.map { !keys.contains($0) }
            let dropped = keep.filter { !$0 }.count
            guard dropped > 0 else { continue }
            outcome.rowsReplaced += dropped
            removed.insert(entry.name)
            if dropped < keep.count {
                let remaining = try Table.gather([stored], rows: keep.indices.filter { keep[$0] }.map { Table.RowRef(table: 0, row: $0) },
                                                 metadata: stored.metadata)
                let (newEntry, bytes) = try writeSegment(remaining, cuboid: entry.cuboid, kind: entry.kind, next: &next)
                rewritten.append(newEntry)
                outcome.bytesWritten += bytes
            }
        }
        // New rows: consecutive reports of one cuboid share segments of up to compactedSegmentRows rows.
        var added: [SegmentEntry] = []
        // The batch as positions in `incoming`: copying a report retains each string and array in it.
        var batch: [Int] = []
        var batchRows = 0
        func flush() throws {
            guard let first = batch.first.map({ incoming[$0] }) else { return }
            // Cuboid-level metadata only: totals live in the manifest, filters in the rows.
            var metadata = first.table.metadata.filter { ["reportKind", "interval", "timezone", "dimensions"].contains($0.key) }
            for (key, value) in first.table.metadata where key.hasPrefix("fixed.") && batch.allSatisfy({ incoming[$0].table.metadata[key] == value }) {
                metadata[key] = value
            }
            var table = batch.count == 1 ? first.table : try Table.concatenate(batch.map { incoming[$0].table }, metadata: metadata)
            table.metadata = metadata
            // Each row's source file (its manifest id): `colan verify` checks each file's totals by it.
            var sources: [Int64] = []
            sources.reserveCapacity(table.rowCount)
            for i in batch { sources.append(contentsOf: repeatElement(incoming[i].source, count: incoming[i].table.rowCount)) }
            table.schema.columns.append(ColumnSchema("_source", .int64, .attribute))
            table.columns.append(ColumnData(.int64(sources)))
            let (entry, bytes) = try writeSegment(table, cuboid: first.cuboid, kind: first.kind, next: &next,
                                                  inScanOrder: batch.count == 1 && first.inScanOrder)
            added.append(entry)
            outcome.bytesWritten += bytes
            outcome.rowsAdded += table.rowCount
            batch = []
            batchRows = 0
        }
        for i in incoming.indices where incoming[i].table.rowCount > 0 {
            let rows = incoming[i].table.rowCount
            if let start = batch.first, incoming[start].cuboid != incoming[i].cuboid || batchRows + rows > Self.compactedSegmentRows {
                try flush()
            }
            batch.append(i)
            batchRows += rows
        }
        try flush()
        try FileIO.syncDirectory(path + "/segments")
        next.segments = next.segments.filter { !removed.contains($0.name) } + rewritten + added
        try commitOrRollBack(next, written: rewritten + added)
        for name in removed { try? FileIO.remove(path + "/segments/" + name) }
        outcome.segmentsCompacted = (try? compactLocked(onlyIfCheap: true).segmentsMerged) ?? 0
        return outcome
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

/// One report of an import, on its way into a segment.
struct Incoming: Sendable {
    var cuboid: String
    var kind: String
    var dims: [String]
    var table: Table
    let file: String?
    /// The manifest id of the file the rows come from (the `_source` column).
    var source: Int64 = 0
    /// Whether the table's rows are known to be in scan order (sorted when parsed, not changed since).
    var inScanOrder = false
    /// The fixed dimension values (filters) the report was downloaded with, as one string.
    let filters: String
    let lo: Int64?
    let hi: Int64?

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
