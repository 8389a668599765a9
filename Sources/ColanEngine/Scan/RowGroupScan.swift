import ColanSupport
@_spi(Benchmarks) import ColanTime
import ColanColumns
import ColanFormat

/// One row group of one segment, scanned a vector (`vectorSize` rows) at a time into a
/// worker's accumulators. The strategies each have their file:
/// - `RowGroupScan+Runs.swift`: by runs, when one run-length encoded grouping column alone
///   decides each row's group (no time, filter, hidden row or side total);
/// - `RowGroupScan+Groups.swift`: otherwise each row's group id, from its time bucket,
///   grouping dimensions, filters and the rows a coarser cuboid answers for;
/// - `RowGroupScan+Accumulate.swift`: the ids' metrics summed into dense arrays (by runs of
///   one group or row by row, `GroupByKernel`) or a hash map (too many groups), then side
///   totals (row averages, sources, tracked slices) and gauges.
struct RowGroupScan {
    let task: ScanTask
    let plan: QueryPlan
    let segment: SegmentPlan
    let reader: SegmentReader
    let scratch: ScanScratch
    let buckets: BucketSet
    /// The group-id stride of a time bucket (the product of the grouping dimensions' sizes).
    let product: UInt64
    /// The group id of rows that count toward nothing (filtered out, outside the range, hidden).
    let discard: UInt64
    /// Rows in the row group.
    let rows: Int
    /// "row group G", for errors.
    let location: String

    var timeCursor: IntChunkCursor?
    var dimCursors: [CodeCursor]
    var filterCursors: [CodeCursor]
    /// Summed columns; nil for one the segment lacks (reports of one kind may differ): zeros.
    var metricCursors: [IntChunkCursor?]
    var gaugeCursors: [IntChunkCursor?]
    /// Tracked slice dimensions' codes, per tracked slice the segment has.
    var sliceCursors: [CodeCursor?]
    /// Row averages' and source ids' chunks, read whole, only for the queries that ask for them.
    let averaged: [ColumnVector?]
    let sources: ColumnVector?
    /// Rows a coarser cuboid answers for (false), when some are.
    let hidden: AlignedBuffer<Bool>?
    /// Which summed columns this segment holds, as bits, when some segment lacks one.
    let presence: UInt64?
    let sliceIds: AlignedBuffer<Int64>?
    let table: BucketTable
    /// The first and last instant `table` maps.
    let first: Int64, last: Int64
    /// Whether the row group is scanned by runs.
    let byRuns: Bool

    /// Opens the row group's cursors and decides the strategy.
    init(_ task: ScanTask, plan: QueryPlan, buckets: BucketSet, product: UInt64, groups: Int, dense: Bool,
         coverage: inout CoverageCache, scratch: ScanScratch) throws {
        self.task = task
        self.plan = plan
        self.buckets = buckets
        self.product = product
        self.scratch = scratch
        let s = plan.segments[task.plan]
        segment = s
        reader = s.segment.reader
        let g = task.rowGroup
        rows = reader.footer.rowGroups[g].rowCount
        discard = UInt64(groups)
        location = "row group \(g)"
        let reader = self.reader
        func index(_ column: String) throws -> Int { try QueryExecutor.index(column, reader) }
        // Times are decoded only when something needs them.
        let needTimes = plan.query.interval != .total || plan.range != nil || !plan.gauges.isEmpty || !s.coarser.isEmpty
            || (s.exactViewers && plan.query.interval == .total)
        let timeIndex = needTimes ? reader.schema.index(of: "time") : nil
        timeCursor = try timeIndex.map { try reader.integerCursor(column: $0, rowGroup: g) }
        dimCursors = try plan.query.by.map { try reader.codeCursor(column: try index(QueryExecutor.stored($0, s)), rowGroup: g) }
        filterCursors = try task.filters.map { try reader.codeCursor(column: try index($0.column), rowGroup: g) }
        metricCursors = try plan.inputs.map { c in try reader.schema.index(of: c).map { try reader.integerCursor(column: $0, rowGroup: g) } }
        gaugeCursors = try (timeIndex == nil ? [] : plan.gauges).map { c in
            try reader.schema.index(of: c).map { try reader.integerCursor(column: $0, rowGroup: g) }
        }
        averaged = try plan.averages.map { c in try reader.schema.index(of: c).map { try reader.read(column: $0, rowGroup: g) } }
        sources = try plan.trackSources ? reader.schema.index(of: "_source").map { try reader.read(column: $0, rowGroup: g) } : nil
        // Rows a coarser cuboid answers for (rare: only where segments overlap), decided for the whole chunk.
        var hidden: AlignedBuffer<Bool>?
        if !s.coarser.isEmpty, let t = timeIndex, rows > 0 {
            let times = AlignedBuffer<Int64>(count: rows, zeroed: false)
            _ = try reader.readIntegers(column: t, rowGroup: g, into: times)
            let keep = AlignedBuffer<Bool>(count: rows, zeroed: false)
            keep.pointer.initialize(repeating: true, count: rows)
            if try coverage.hide(task: task, plan: plan, times: times, keep: keep) { hidden = keep }
        }
        self.hidden = hidden
        table = buckets.table(for: s)
        first = table.origin
        last = table.origin + Int64(table.ids.count) * BucketTable.slot - 1
        presence = plan.lacking.isEmpty ? nil
            : plan.inputs.enumerated().reduce(0) { bits, input in
                reader.schema.index(of: input.element) == nil || input.offset >= 64 ? bits : bits | (1 << UInt64(input.offset))
            }
        sliceCursors = try task.slices.enumerated().map { j, table in
            try table.map { _ in try reader.codeCursor(column: try index(plan.trackedSlices[j]), rowGroup: g) }
        }
        sliceIds = task.slices.contains { $0 != nil } ? AlignedBuffer(count: vectorSize, zeroed: false) : nil
        byRuns = timeCursor == nil && filterCursors.isEmpty && hidden == nil && gaugeCursors.isEmpty && averaged.isEmpty
            && !plan.trackSources && sliceIds == nil && presence == nil
            && dense && dimCursors.count <= 1 && dimCursors.allSatisfy(\.hasRuns)
    }

    /// Scans every vector of the row group. Returns the rows scanned.
    mutating func run(into acc: inout Accumulators, gauges: inout [UInt64: [Int64: [Int64]]], side: inout SideTotals) throws -> Int {
        guard rows > 0 else { return 0 }
        // Pointers to the metric vectors, valid while `scratch` lives (it outlives the scan).
        let pointers = scratch.metrics.prefix(plan.inputs.count).map { UnsafePointer($0.pointer) }
        for v in stride(from: 0, to: rows, by: vectorSize) {
            let m = min(vectorSize, rows - v)
            if byRuns {
                try scanRuns(m, pointers: pointers, into: &acc)
                continue
            }
            let masked = try groupIds(first: v, count: m)
            if masked { GroupByKernel.discard(scratch.keep.pointer, count: m, slot: discard, ids: scratch.ids.pointer) }
            nextMetrics(m)
            try addSideTotals(first: v, count: m, into: &side)
            accumulate(m, pointers: pointers, into: &acc)
            if !gaugeCursors.isEmpty { addGauges(m, into: &gauges) }
        }
        withExtendedLifetime(scratch) {}
        return rows
    }

    /// Decodes the next `m` values of every summed column (zeros for a column the segment lacks).
    mutating func nextMetrics(_ m: Int) {
        for c in metricCursors.indices {
            if metricCursors[c] == nil { scratch.metrics[c].pointer.initialize(repeating: 0, count: m) } else {
                metricCursors[c]!.next(m, into: scratch.metrics[c].pointer)
            }
        }
    }

    /// `error` located in this row group of this segment.
    func located(_ error: ColanError) -> ColanError {
        var error = error
        error.file = reader.path
        error.location = location
        return error
    }
}
