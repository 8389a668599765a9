import ColanSupport
import ColanColumns
import ColanFormat

/// What a compaction did.
public struct CompactionOutcome: Sendable {
    /// Segments merged away.
    public var segmentsMerged = 0
    /// Segments written in their place.
    public var segmentsWritten = 0
}

extension Store {
    /// Rows a compacted segment aims for: large enough that a year of one
    /// cuboid is a few files, small enough that merging holds it in memory.
    public static let compactedSegmentRows = 4_000_000

    /// Merges the small segments of each cuboid into large ones (written in
    /// scan order, `Table.inScanOrder`: time first), so a query over a time range reads few
    /// segments and skips row groups by their time statistics. Answers do
    /// not change: rows are only moved, never combined.
    public func compact(waiting: () -> Void = {}) throws -> CompactionOutcome {
        let lock = try lock(waiting: waiting)
        defer { withExtendedLifetime(lock) {} }
        return try compactLocked(onlyIfCheap: false)
    }

    /// Small segments a cuboid may hold before an import compacts some of them.
    static let autoCompactionSegments = 16
    /// The newest small segments an automatic compaction leaves alone: the days a lookback
    /// re-import replaces live there, and rewriting a merged segment for every daily
    /// re-import would cost each import that segment's rows.
    static let autoCompactionKeepsNewest = 8

    /// The batch an import's compaction merges: the oldest run of at least 4 consecutive (in
    /// time) segments of one size tier (tiers a factor of 4 apart, from 16,384 rows), up to
    /// `target` rows. Merging like sizes keeps every row's rewrites few (a row of a store fed a
    /// day at a time is rewritten about four times before its segment is large), where merging
    /// into one growing segment rewrote it every few imports.
    static func autoCompactionBatch(_ candidates: [SegmentEntry], target: Int) -> [SegmentEntry] {
        func tier(_ rows: Int) -> Int {
            var tier = 0, limit = 16_384
            while rows >= limit {
                tier += 1
                limit *= 4
            }
            return tier
        }
        let tiers = candidates.map { tier($0.rows) }
        var start = 0
        while start < candidates.count {
            var end = start + 1
            while end < candidates.count && tiers[end] == tiers[start] { end += 1 }
            if end - start >= 4 {
                var rows = 0
                return Array(candidates[start..<end].prefix { s in
                    defer { rows += s.rows }
                    return rows + s.rows <= target
                })
            }
            start = end
        }
        return []
    }

    /// Compaction for a caller holding the lock. `onlyIfCheap` (after an
    /// import): only cuboids with at least `autoCompactionSegments` small segments, and of
    /// those one batch (`autoCompactionBatch`), leaving the newest `autoCompactionKeepsNewest`:
    /// a store fed a day at a time keeps a bounded number of segments, and an import pays for
    /// at most one batch (docs/STORE.md, "Compaction").
    func compactLocked(onlyIfCheap: Bool) throws -> CompactionOutcome {
        var outcome = CompactionOutcome()
        var next = manifest
        var written: [SegmentEntry] = []
        var removed: Set<String> = []
        let target = Self.compactedSegmentRows
        for cuboid in Set(next.segments.map(\.cuboid)).sorted() {
            var small = next.segments.filter { $0.cuboid == cuboid && $0.rows < target / 2 }
                .sorted { ($0.minTime ?? .min, $0.name) < ($1.minTime ?? .min, $1.name) }
            if onlyIfCheap {
                guard small.count >= Self.autoCompactionSegments else { continue }
                small = Self.autoCompactionBatch(Array(small.dropLast(Self.autoCompactionKeepsNewest)), target: target)
            }
            guard small.count >= 2 else { continue }
            // Consecutive (in time) batches of at most `target` rows.
            var batches: [[SegmentEntry]] = [[]]
            var rows = 0
            for s in small {
                if rows + s.rows > target, !(batches.last ?? []).isEmpty { batches.append([]); rows = 0 }
                batches[batches.count - 1].append(s)
                rows += s.rows
            }
            for batch in batches where batch.count >= 2 {
                let tables = try batch.map { try SegmentReader(path: segmentPath($0)).readTable() }
                var metadata: [String: String] = [:]
                for key in ["reportKind", "interval", "timezone", "dimensions"] { metadata[key] = tables[0].metadata[key] }
                var refs: [Table.RowRef] = []
                for (t, table) in tables.enumerated() { for r in 0..<table.rowCount { refs.append(.init(table: t, row: r)) } }
                let merged = try Table.gather(tables, rows: refs, metadata: metadata)
                let (entry, _) = try writeSegment(merged, cuboid: cuboid, kind: batch[0].kind, next: &next)
                written.append(entry)
                for s in batch { removed.insert(s.name) }
                outcome.segmentsMerged += batch.count
                outcome.segmentsWritten += 1
            }
        }
        guard !written.isEmpty else { return outcome }
        try FileIO.syncDirectory(path + "/segments")
        next.segments = next.segments.filter { !removed.contains($0.name) } + written
        try commitOrRollBack(next, written: written)
        for name in removed { try? FileIO.remove(path + "/segments/" + name) }
        return outcome
    }
}
