import ColanSupport
import ColanColumns
import ColanFormat

// How an import replaces rows: held reports against each other in memory (`writeHeld`), then,
// at the commit, the segments of each replacing run (a file given in pieces, a set of held
// reports written) against earlier segments (`applyReplacement`), each earlier segment rewritten
// once without the rows replaced (`rewrite`).

/// Rows an import's replacement took out before they were committed, by source file (they leave
/// `rowsAdded`; a file that loses all its rows is reported as shadowed).
struct DroppedRows {
    /// From segments this import wrote.
    var written: [Int64: Int] = [:]
    /// From held reports, by later held reports, before they were written.
    var held: [Int64: Int] = [:]
}

extension StoreImport {
    /// Writes `entry` again with the rows `keep` marks (none: it goes): a segment this import
    /// wrote is replaced in `written` at once (its file removed; its dropped rows leave
    /// `rowsAdded`), a committed one is listed in `removed` and its replacement in `rewritten`.
    func rewrite(_ entry: SegmentEntry, _ stored: consuming Table, keeping keep: [Bool], removed: inout Set<String>,
                 rewritten: inout [SegmentEntry]) throws {
        let count = keep.filter { !$0 }.count
        guard count > 0 else { return }
        let streamed = written.firstIndex { $0.name == entry.name }
        if streamed != nil, let s = stored.schema.index(of: "_source"), case .int64(let ids) = stored.columns[s].values {
            for r in keep.indices where !keep[r] { droppedRows.written[ids[r], default: 0] += 1 }
        }
        // The rows kept, in a new segment (none when every row is replaced).
        var replacement: SegmentEntry?
        if count < keep.count {
            var remaining = consume stored
            remaining.keepRows(keep)
            let (newEntry, bytes) = try store.writeSegment(remaining, cuboid: entry.cuboid, kind: entry.kind, next: &next)
            replacement = newEntry
            outcome.bytesWritten += bytes
            if streamed != nil { writtenBytes[newEntry.name] = bytes }
        }
        if let k = streamed {
            outcome.rowsAdded -= count
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

    /// Writes the held reports as a replacing run and lets them go: first a later one takes the
    /// rows with its keys out of an earlier one (in memory: they are a segment's worth at most),
    /// then they are written; their rows replace earlier segments' at `finish`.
    func writeHeld() throws {
        guard !held.isEmpty else { return }
        try writeBatch()
        try replaceAmongHeld()
        let first = written.count
        for i in held.indices where held[i].table.rowCount > 0 { try addToBatch(held[i]) }
        try writeBatch()
        held = []
        heldRows = 0
        if written.count > first { replacingRuns.append(Array(written[first...])) }
        // The parse workers' arenas hold the pages of the rows just let go.
        returnFreedMemory()
    }

    /// A later held report replaces an earlier one's rows with the same key.
    private func replaceAmongHeld() throws {
        // Keys are computed only where two reports of one cuboid and the same filter values overlap
        // in time: reports of different channels (say) or days cannot share a key.
        // (By index: iterating the reports themselves copies each, a retain per string and array in it.)
        var groups: [ReportGroup: [Int]] = [:]
        for i in held.indices { groups[ReportGroup(cuboid: held[i].cuboid, filters: held[i].filters), default: []].append(i) }
        for members in groups.values {
            let overlapping = Store.overlapping(members.map { (held[$0].lo, held[$0].hi) }).map { members[$0] }
            guard overlapping.count > 1 else { continue }
            var later = Set<RowKey>()
            for i in overlapping.reversed() {
                let keys = RowKeys.keys(held[i].table, dimensions: held[i].dims)
                let keep = keys.map { !later.contains($0) }
                if keep.contains(false) {
                    let dropped = keep.filter { !$0 }.count
                    outcome.rowsReplaced += dropped
                    if let runs = held[i].sourceRows {
                        // A run of files: each file's rows are contiguous, and stay so.
                        var start = 0
                        held[i].sourceRows = runs.compactMap { run in
                            defer { start += run.rows }
                            let kept = keep[start..<(start + run.rows)].count { $0 }
                            droppedRows.held[run.source, default: 0] += run.rows - kept
                            return kept > 0 ? (run.source, kept) : nil
                        }
                    } else {
                        droppedRows.held[held[i].source, default: 0] += dropped
                    }
                    held[i].table = try Table.gather([held[i].table], rows: keep.indices.filter { keep[$0] }.map { Table.RowRef(table: 0, row: $0) },
                                                     metadata: held[i].table.metadata)
                    // Fewer rows can change which dimensions scan order sorts by.
                    held[i].inScanOrder = false
                }
                later.formUnion(keys)
            }
        }
    }

    /// Takes the rows the replacing runs bring again out of earlier segments: committed ones of
    /// their cuboid meeting them in time, and those this import wrote before the run. Each such
    /// segment is compared with every later run's segments meeting it and rewritten once; keys are
    /// read from the time and dimension columns one segment at a time, and a segment is read whole
    /// only when it loses rows, so the rows replaced are never all in memory.
    func applyReplacement(removed: inout Set<String>, rewritten: inout [SegmentEntry]) throws {
        // Where each run starts in `written`: a written segment is replaced by the runs after it.
        let order = Dictionary(uniqueKeysWithValues: written.enumerated().map { ($1.name, $0) })
        let runs = replacingRuns.compactMap { run in run.first.flatMap { order[$0.name] }.map { (start: $0, segments: run) } }
        // Targets in order (committed, then written), each with the later runs' segments that meet it:
        // a segment of a run is read as a piece before it is rewritten as a target itself.
        let targets = next.segments.map { ($0, Int.min) } + written.map { ($0, order[$0.name]!) }
        for (target, position) in targets {
            let pieces = runs.filter { $0.start > position }.flatMap(\.segments)
                .filter { $0.cuboid == target.cuboid && Self.meet($0, target) }
            guard !pieces.isEmpty else { continue }
            let keep = try rowsKept(of: target, replacedBy: pieces)
            guard keep.contains(false) else { continue }
            // Read whole only now, and handed over: its rows are compacted where they are.
            try rewrite(target, SegmentReader(path: store.segmentPath(target)).readTable(), keeping: keep, removed: &removed,
                        rewritten: &rewritten)
        }
        replacingRuns = []
    }

    /// Which rows of `target` no row of `pieces` replaces: keys from what they are made of only (the
    /// time and the dimensions), the pieces' one at a time (all are let go before the target is read whole).
    private func rowsKept(of target: SegmentEntry, replacedBy pieces: [SegmentEntry]) throws -> [Bool] {
        let dimensions = RowKeys.dimensions(ofCuboid: target.cuboid)
        let keyColumns = Set(dimensions + ["time"])
        let storedKeys = RowKeys.keys(try SegmentReader(path: store.segmentPath(target)).readTable(only: keyColumns), dimensions: dimensions)
        var keep = [Bool](repeating: true, count: storedKeys.count)
        for piece in pieces {
            let keys = RowKeySet(RowKeys.keys(try SegmentReader(path: store.segmentPath(piece)).readTable(only: keyColumns), dimensions: dimensions))
            for r in keep.indices where keep[r] && keys.contains(storedKeys[r]) { keep[r] = false }
        }
        return keep
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
