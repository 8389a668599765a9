import ColanFormat

// A scan kernel's file: `add` reads through pointers the scan passes. Invariants: `ids` holds
// `count` group ids (a vector of the scan); a chunk's values are read at rows `firstRow ..<
// firstRow + count`, inside the row group they were decoded from; every id below `discard` indexes
// the dense arrays, which hold `groups + 1` entries.

/// Per-group totals outside the summed accumulators, kept only for queries that need them:
/// the sum and count of each row-averaged column's values, which summed columns a group's
/// reports hold, and spans (lowest and highest value) of the source id and of dimensions whose
/// single value per group makes its distinct count exact.
struct SideTotals {
    /// Group -> (sum, count) per averaged column, flattened.
    var averages: [UInt64: [Double]] = [:]
    /// Group -> the summed columns (bit i: input i) at least one of its rows' segments holds.
    var presence: [UInt64: UInt64] = [:]
    /// The `_source` ids of each group's rows.
    var sources: SpanTracker
    /// Per tracked slice dimension (`QueryPlan.trackedSlices`), the global ids of its values in each group's rows.
    var slices: [SpanTracker]

    /// Side totals; with `denseGroups`, spans are kept in arrays for that many groups.
    init(denseGroups: Int? = nil, slices: Int = 0) {
        sources = SpanTracker(denseGroups: denseGroups)
        self.slices = (0..<slices).map { _ in SpanTracker(denseGroups: denseGroups) }
    }

    /// Adds `count` rows starting at row `firstRow` of the chunks, by their group ids.
    mutating func add(ids: UnsafePointer<UInt64>, count: Int, discard: UInt64, firstRow: Int, averaged: [ColumnVector?],
                      sources: ColumnVector?, presence: UInt64?) {
        if let sources, case .int64(let v) = sources.values {
            self.sources.add(ids: ids, count: count, discard: discard, values: UnsafePointer(v.pointer) + firstRow)
        }
        if let presence {
            for i in 0..<count where ids[i] != discard { self.presence[ids[i], default: 0] |= presence }
        }
        guard !averaged.isEmpty else { return }
        let zeros = [Double](repeating: 0, count: averaged.count * 2)
        for i in 0..<count where ids[i] != discard {
            let row = firstRow + i
            for (c, column) in averaged.enumerated() {
                guard let column, column.isValid(row) else { continue }
                let value: Double
                switch column.values {
                case .int64(let v): value = Double(v.pointer[row])
                case .float64(let v): value = v.pointer[row]
                case .string: continue
                }
                guard value.isFinite else { continue }
                // Updated in place in the map (no copy of the group's sums per row).
                averages[ids[i], default: zeros][2 * c] += value
                averages[ids[i], default: zeros][2 * c + 1] += 1
            }
        }
    }

    /// Moves dense spans into their maps (after a worker's scan).
    mutating func finish() {
        sources.finish()
        for j in slices.indices { slices[j].finish() }
    }

    /// Adds another worker's totals (finished).
    mutating func merge(_ other: SideTotals) {
        for (g, sums) in other.averages {
            if var mine = averages[g] {
                for i in mine.indices { mine[i] += sums[i] }
                averages[g] = mine
            } else {
                averages[g] = sums
            }
        }
        for (g, bits) in other.presence { presence[g, default: 0] |= bits }
        sources.merge(other.sources)
        for j in slices.indices where j < other.slices.count { slices[j].merge(other.slices[j]) }
    }
}

/// Per group, the lowest and highest of an integer its rows carry (a source id, a dimension
/// value's global id): one value means every row of the group has the same one. Kept in arrays
/// (two values a group) when the groups are few enough, so a row costs a compare, not a hash.
struct SpanTracker {
    /// Group -> lowest and highest value, once finished.
    private(set) var spans: [UInt64: (lo: Int64, hi: Int64)] = [:]
    /// Two values per group (lowest, highest) while scanning, when dense.
    private var dense: [Int64] = []

    init(denseGroups: Int?) {
        if let groups = denseGroups {
            dense = [Int64](repeating: 0, count: 2 * (groups + 1))
            for g in 0...groups { dense[2 * g] = .max; dense[2 * g + 1] = .min }
        }
    }

    /// Adds `count` rows' values by their group ids (rows whose id is `discard` are left out).
    mutating func add(ids: UnsafePointer<UInt64>, count: Int, discard: UInt64, values: UnsafePointer<Int64>) {
        if dense.isEmpty {
            for i in 0..<count where ids[i] != discard {
                let span = spans[ids[i]] ?? (values[i], values[i])
                spans[ids[i]] = (min(span.lo, values[i]), max(span.hi, values[i]))
            }
            return
        }
        dense.withUnsafeMutableBufferPointer { d in
            for i in 0..<count where ids[i] != discard {
                let g = 2 &* Int(truncatingIfNeeded: ids[i])
                d[g] = min(d[g], values[i])
                d[g + 1] = max(d[g + 1], values[i])
            }
        }
    }

    /// Moves the dense spans into `spans`.
    mutating func finish() {
        guard !dense.isEmpty else { return }
        for g in 0..<(dense.count / 2) where dense[2 * g] <= dense[2 * g + 1] {
            let span = (lo: dense[2 * g], hi: dense[2 * g + 1])
            let mine = spans[UInt64(g)] ?? span
            spans[UInt64(g)] = (min(mine.lo, span.lo), max(mine.hi, span.hi))
        }
        dense = []
    }

    /// Adds another worker's (finished) spans.
    mutating func merge(_ other: SpanTracker) {
        for (g, span) in other.spans {
            let mine = spans[g] ?? span
            spans[g] = (min(mine.lo, span.lo), max(mine.hi, span.hi))
        }
    }

    /// Whether group `g`'s rows all carry one value (true for a group with none tracked).
    func isSingle(_ g: UInt64) -> Bool { spans[g].map { $0.lo == $0.hi } ?? true }
}
