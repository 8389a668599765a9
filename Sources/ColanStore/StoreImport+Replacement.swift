import ColanSupport
import ColanColumns
import ColanFormat

// How an import replaces rows at its commit: held reports against each other and earlier
// segments (`commitHeld`), files given in pieces against earlier segments (`applyReplacingFiles`),
// and the rewriting of a segment without the rows replaced (`rewrite`).

/// Rows an import's replacement took out of segments it wrote, by source file (they leave
/// `rowsAdded`; a file that loses all its rows is reported as shadowed).
struct DroppedRows {
    /// From segments written while streaming (and files given in pieces).
    var streamed: [Int64: Int] = [:]
    /// From held pieces of a file, replaced by later files' rows before they were written.
    var heldPieces: [Int64: Int] = [:]
}

extension StoreImport {
    /// Writes `entry` again with the rows `keep` marks (none: it goes): a segment this import
    /// wrote (`streamed`) is replaced in `written` at once (its file removed; its dropped rows leave
    /// `rowsAdded`), a committed or rewritten one is listed in `removed` and its replacement in
    /// `rewritten`.
    func rewrite(_ entry: SegmentEntry, _ stored: Table, keeping keep: [Bool], streamed: Bool,
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
    func commitHeld(removed: inout Set<String>, rewritten: inout [SegmentEntry], dropped: inout DroppedRows) throws {
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
            var keyList: [RowKey] = []
            var pieceKeyLists: [Int64: [RowKey]] = [:]
            for item in meeting {
                let itemKeys = RowKeys.keys(item.table, dimensions: item.dims)
                if item.isPiece, streamed.contains(entry.name) {
                    pieceKeyLists[item.source, default: []] += itemKeys
                } else {
                    keyList += itemKeys
                }
            }
            let keys = RowKeySet(keyList), pieceKeys = pieceKeyLists.mapValues(RowKeySet.init)
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

extension StoreImport {
    /// Takes the rows each file given in pieces replaces out of earlier segments: committed ones
    /// of its cuboid meeting its segments in time (as rewritten by an earlier such file) and
    /// those this import wrote before it. Its keys are read back from its segments one at a time,
    /// so the rows replaced are never all in memory.
    func applyReplacingFiles(removed: inout Set<String>, rewritten: inout [SegmentEntry], dropped: inout DroppedRows) throws {
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
    private static func meet(_ a: SegmentEntry, _ b: SegmentEntry) -> Bool {
        guard let aLo = a.minTime, let aHi = a.maxTime, let bLo = b.minTime, let bHi = b.maxTime else { return true }
        return aLo <= bHi && bLo <= aHi
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
