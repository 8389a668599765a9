/// A file parsed for import, with its content hash.
public struct ParsedFile: Sendable {
    /// The file's path.
    public var path: String
    /// Its 128-bit content hash, in hex.
    public var hash: String
    /// Its size in bytes.
    public var bytes: Int
    /// Its reports (none for an empty download).
    public var reports: [ImportedReport]

    /// Creates a parsed file.
    public init(path: String, hash: String, bytes: Int, reports: [ImportedReport]) {
        self.path = path
        self.hash = hash
        self.bytes = bytes
        self.reports = reports
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
}

extension Store {
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
        var seen = Set(next.sources.map(\.hash))
        // (cuboid, kind, table, keys) of every new report, in file order.
        var incoming: [(cuboid: String, kind: String, dims: [String], table: Table, keys: [RowKey])] = []
        for file in files {
            guard !seen.contains(file.hash) else {
                outcome.alreadyImported.append(file.path)
                continue
            }
            seen.insert(file.hash)
            let id = next.nextSource
            next.nextSource += 1
            var rows = 0
            for report in file.reports {
                let dims = report.specificDimensions
                let cuboid = RowKeys.cuboid(kind: report.kind, interval: report.interval, zone: report.zone, dimensions: dims)
                var table = report.table
                table.metadata = report.segmentMetadata
                table.metadata.removeValue(forKey: "sourceFile")
                table.schema.columns.append(ColumnSchema("_source", .int64, .attribute))
                table.columns.append(ColumnData(.int64([Int64](repeating: Int64(id), count: table.rowCount))))
                incoming.append((cuboid, report.kind, dims, table, RowKeys.keys(table, dimensions: dims)))
                rows += table.rowCount
            }
            let main = file.reports.last { !$0.totals.isEmpty && !JSONReportReader.channelListKeys.contains($0.kind) } ?? file.reports.first
            next.sources.append(SourceEntry(id: id, hash: file.hash, bytes: file.bytes, rows: rows, kind: main?.kind ?? "empty",
                                            path: file.path, totals: main?.totals.filter { !$0.key.hasPrefix("dateRange.") } ?? [:]))
        }
        guard next.sources.count > manifest.sources.count else { return outcome }
        // Within the import, a later report replaces an earlier one's rows with the same key.
        var later: [String: Set<RowKey>] = [:]
        for i in incoming.indices.reversed() {
            let item = incoming[i]
            let replacedKeys = later[item.cuboid, default: []]
            if !replacedKeys.isEmpty {
                let keep = item.keys.map { !replacedKeys.contains($0) }
                if keep.contains(false) {
                    outcome.rowsReplaced += keep.filter { !$0 }.count
                    incoming[i].table = try Table.gather([item.table], rows: keep.indices.filter { keep[$0] }.map { Table.RowRef(table: 0, row: $0) },
                                                         metadata: item.table.metadata)
                }
            }
            later[item.cuboid, default: []].formUnion(item.keys)
        }
        // Stored rows with a key the import brings again are replaced.
        var removed: Set<String> = []
        var rewritten: [SegmentEntry] = []
        for (cuboid, keys) in later {
            let times = incoming.filter { $0.cuboid == cuboid }.compactMap { item -> (Int64, Int64)? in
                guard let t = item.table.schema.index(of: "time"), case .int64(let v) = item.table.columns[t].values,
                      let lo = v.min(), let hi = v.max() else { return nil }
                return (lo, hi)
            }
            let lo = times.map(\.0).min(), hi = times.map(\.1).max()
            for entry in next.segments where entry.cuboid == cuboid {
                if let lo, let hi, let a = entry.minTime, let b = entry.maxTime, b < lo || a > hi { continue }
                let stored = try SegmentReader(path: segmentPath(entry)).readTable()
                let storedKeys = RowKeys.keys(stored, dimensions: RowKeys.dimensions(ofCuboid: cuboid))
                let keep = storedKeys.map { !keys.contains($0) }
                let dropped = keep.filter { !$0 }.count
                guard dropped > 0 else { continue }
                outcome.rowsReplaced += dropped
                removed.insert(entry.name)
                if dropped < keep.count {
                    let remaining = try Table.gather([stored], rows: keep.indices.filter { keep[$0] }.map { Table.RowRef(table: 0, row: $0) },
                                                     metadata: stored.metadata)
                    let (newEntry, bytes) = try writeSegment(remaining, cuboid: cuboid, kind: entry.kind, next: &next)
                    rewritten.append(newEntry)
                    outcome.bytesWritten += bytes
                }
            }
        }
        var added: [SegmentEntry] = []
        for item in incoming where item.table.rowCount > 0 {
            let (entry, bytes) = try writeSegment(item.table, cuboid: item.cuboid, kind: item.kind, next: &next)
            added.append(entry)
            outcome.bytesWritten += bytes
            outcome.rowsAdded += item.table.rowCount
        }
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
