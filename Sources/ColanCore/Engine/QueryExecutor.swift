import Dispatch

/// Global dictionary of one grouped dimension: every value seen, by dense id.
struct GlobalDictionary {
    var values: [String] = []
    var index: [String: UInt64] = [:]
    mutating func id(_ value: String) -> UInt64 {
        if let id = index[value] { return id }
        let id = UInt64(values.count)
        index[value] = id
        values.append(value)
        return id
    }
}

/// One row group to scan, with its per-chunk tables.
struct ScanTask {
    var plan: Int
    var rowGroup: Int
    /// Per --by dimension: local code (plus the null code) -> global id * stride.
    var translations: [[UInt64]]
    /// Per filter: the stored column and local code (plus the null code) -> allowed.
    var filters: [(column: String, allowed: [Bool])]
    /// Per tracked slice dimension (`QueryPlan.trackedSlices`) the segment tracks: local code (plus
    /// the null code) -> the value's global id; nil where the segment does not track it.
    var slices: [[Int64]?] = []
}

/// Where each value of a group's accumulators sits: `inputs` summed inputs, then a mark
/// (non-zero) when the group has rows, a count of its rows whose unique viewers are not exact,
/// and its first and last row time. `GroupByKernel` writes the two marks at `inputs` and
/// `inputs + 1` (its metrics' count).
struct AccumulatorLayout {
    /// Summed inputs, at 0..<inputs.
    let inputs: Int
    /// Non-zero when the group has rows.
    var hasRows: Int { inputs }
    /// Rows whose unique viewers are not exact.
    var inexactRows: Int { inputs + 1 }
    /// The group's first and last row time (tracked where a total's viewers may be exact).
    var minTime: Int { inputs + 2 }
    var maxTime: Int { inputs + 3 }
    /// Values per group.
    var width: Int { inputs + 4 }
    /// The values added up when partial accumulators merge (all but the time span).
    var summed: Range<Int> { 0..<minTime }
}

/// Per-worker accumulators: `width` Int64 values per group, group-major, laid out as
/// `AccumulatorLayout` says.
/// With few groups the dense accumulators are kept in four copies (see
/// GroupByKernel.accumulateRows); the time span lives in the first copy only.
struct Accumulators {
    /// Where each of a group's values sits.
    let layout: AccumulatorLayout
    let width: Int
    var dense: [Int64]
    var slots: [UInt64: Int] = [:]
    var sparse: [Int64] = []
    let denseGroups: Int?
    /// Copies of the dense accumulators, and their distance in values.
    let copies: Int
    let copyStride: Int

    /// Groups up to this many get four accumulator copies (they stay in L1/L2 cache).
    static let copiedGroupLimit = 4096

    init(groups: Int, inputs: Int, dense: Bool) {
        layout = AccumulatorLayout(inputs: inputs)
        width = layout.width
        denseGroups = dense ? groups : nil
        copies = dense && groups <= Self.copiedGroupLimit ? 4 : 1
        copyStride = (groups + 1) * width
        self.dense = dense ? [Int64](repeating: 0, count: copies * copyStride) : []
        if dense { for g in 0...groups { self.dense[g * width + layout.minTime] = .max; self.dense[g * width + layout.maxTime] = .min } }
    }

    /// Adds copies 1...3 into copy 0.
    mutating func foldCopies() {
        guard copies > 1 else { return }
        for c in 1..<copies {
            for g in 0..<(copyStride / width) {
                for i in layout.summed { dense[g * width + i] &+= dense[c * copyStride + g * width + i] }
            }
        }
    }
}

/// Runs the scan of a plan on all cores and merges the partial aggregates.
enum QueryExecutor {
    /// Above this many groups the accumulators are a hash map instead of an array.
    static let denseLimit = 1 << 20
    static let nullLabel = "(null)"

    /// The merged aggregates: group keys, and `width` values per group
    /// (summed inputs, rows, rows with inexact unique viewers, min and max time).
    struct Output {
        var keys: [UInt64]
        var values: [Int64]
        var width: Int
        var dictionaries: [GlobalDictionary]
        var strides: [UInt64]
        var buckets: BucketSet
        var gauges: [UInt64: [Int64: [Int64]]]
        /// Row averages and source spans per group (only when the plan asks for them).
        var side: SideTotals
        var rowsScanned: Int
        var rowGroupsRead: Int
        var rowGroupsSkipped: Int
    }

    static func run(_ plan: inout QueryPlan) throws -> Output {
        let query = plan.query
        var dictionaries = [GlobalDictionary](repeating: GlobalDictionary(), count: query.by.count)
        var sliceDictionaries = [GlobalDictionary](repeating: GlobalDictionary(), count: plan.trackedSlices.count)
        var tasks: [ScanTask] = []
        var skipped = 0
        var lo = Int64.max, hi = Int64.min
        // Prepass: statistics skip row groups; dictionaries give the per-chunk tables.
        for (p, s) in plan.segments.enumerated() {
            let reader = s.segment.reader
            let timeIndex = reader.schema.index(of: "time")
            for g in reader.footer.rowGroups.indices {
                let group = reader.footer.rowGroups[g]
                var chunkLo = Int64.min, chunkHi = Int64.max
                if let t = timeIndex, case .int(let a, let b) = group.chunks[t].statistics { chunkLo = a; chunkHi = b }
                if let range = plan.range, chunkHi < range.lowerBound || chunkLo >= range.upperBound { skipped += 1; continue }
                var task = ScanTask(plan: p, rowGroup: g, translations: [], filters: [])
                var empty = false
                for (dim, values) in query.filters.sorted(by: { $0.key < $1.key }) {
                    let column = stored(dim, s)
                    let local = try reader.readDictionary(column: try index(column, reader), rowGroup: g)
                    let allowed = (local.map { translate(dim, $0, plan) } + [nullLabel]).map { values.contains($0) }
                    if !allowed.contains(true) { empty = true; break }
                    task.filters.append((column, allowed))
                }
                if empty { skipped += 1; continue }
                for (d, dim) in query.by.enumerated() {
                    let local = try reader.readDictionary(column: try index(stored(dim, s), reader), rowGroup: g)
                    task.translations.append((local.map { translate(dim, $0, plan) } + [nullLabel]).map { dictionaries[d].id($0) })
                }
                for (j, dim) in plan.trackedSlices.enumerated() {
                    guard s.sliceDims.contains(dim) else { task.slices.append(nil); continue }
                    let local = try reader.readDictionary(column: try index(dim, reader), rowGroup: g)
                    task.slices.append((local + [nullLabel]).map { Int64(sliceDictionaries[j].id($0)) })
                }
                if timeIndex != nil {
                    lo = min(lo, max(chunkLo, plan.range?.lowerBound ?? .min))
                    hi = max(hi, min(chunkHi, (plan.range?.upperBound ?? .max) - 1))
                }
                tasks.append(task)
            }
        }
        if lo > hi { lo = 0; hi = 0 }
        let buckets = BucketSet(plan: plan, lo: lo, hi: hi)
        // Strides: time bucket is the most significant part of a group id.
        var strides = [UInt64](repeating: 1, count: query.by.count)
        var product: UInt64 = 1
        for d in (0..<query.by.count).reversed() {
            strides[d] = product
            product = product.multipliedReportingOverflow(by: UInt64(max(dictionaries[d].values.count, 1))).partialValue
        }
        for t in tasks.indices { for d in 0..<query.by.count { tasks[t].translations[d] = tasks[t].translations[d].map { $0 * strides[d] } } }
        let (groupCount, overflow) = product.multipliedReportingOverflow(by: UInt64(max(buckets.count, 1)))
        guard !overflow, groupCount < UInt64(Int.max / 16) else {
            throw ColanError(.query, "too many groups: \(query.by.joined(separator: " x ")) by \(query.interval)",
                             hint: "narrow the query with --from/--to, --where or fewer --by dimensions")
        }
        let groups = Int(groupCount)
        let dense = groups <= denseLimit
        // Scan on every core; each worker takes every other row group.
        let workers = min(max(tasks.count, 1), 2)
        let partials = Partials(count: workers)
        let plan = plan, scanTasks = tasks, groupProduct = product
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var acc = Accumulators(groups: groups, inputs: plan.inputs.count, dense: dense)
            var gauges: [UInt64: [Int64: [Int64]]] = [:]
            var side = SideTotals(denseGroups: dense && (plan.trackSources || !plan.trackedSlices.isEmpty) ? groups : nil,
                                  slices: plan.trackedSlices.count)
            var coverage = CoverageCache()
            var rows = 0
            let scratch = ScanScratch(inputs: plan.inputs.count, gauges: plan.gauges.count)
            do {
                for t in stride(from: worker, to: scanTasks.count, by: workers) {
                    rows += try scan(scanTasks[t], plan: plan, buckets: buckets, product: groupProduct, groups: groups,
                                     into: &acc, gauges: &gauges, side: &side, coverage: &coverage, scratch: scratch)
                }
                partials.set(worker, .success((acc, gauges, side, rows)))
            } catch {
                partials.set(worker, .failure(error))
            }
        }
        // Merge the workers' partial aggregates.
        var gauges: [UInt64: [Int64: [Int64]]] = [:]
        var side = SideTotals(slices: plan.trackedSlices.count)
        var rowsScanned = 0
        var accumulators: [Accumulators] = []
        for r in partials.results {
            switch r {
            case .failure(let e): throw e
            case .none: continue
            case .success(let (partial, g, partialSide, rows)):
                var partialSide = partialSide
                partialSide.finish()
                rowsScanned += rows
                side.merge(partialSide)
                var acc = partial
                acc.foldCopies()
                accumulators.append(acc)
                for (key, instants) in g {
                    for (instant, values) in instants {
                        var current = gauges[key, default: [:]][instant] ?? [Int64](repeating: 0, count: values.count)
                        for i in values.indices { current[i] &+= values[i] }
                        gauges[key, default: [:]][instant] = current
                    }
                }
            }
        }
        let layout = AccumulatorLayout(inputs: plan.inputs.count)
        let width = layout.width
        var keys: [UInt64] = []
        var values: [Int64] = []
        func combine(_ into: inout [Int64], _ at: Int, _ from: [Int64], _ offset: Int) {
            for i in layout.summed { into[at + i] &+= from[offset + i] }
            into[at + layout.minTime] = min(into[at + layout.minTime], from[offset + layout.minTime])
            into[at + layout.maxTime] = max(into[at + layout.maxTime], from[offset + layout.maxTime])
        }
        if dense, var total = accumulators.first?.dense {
            for other in accumulators.dropFirst() {
                for g in 0..<groups { combine(&total, g * width, other.dense, g * width) }
            }
            for g in 0..<groups where total[g * width + layout.hasRows] > 0 {
                keys.append(UInt64(g))
                values.append(contentsOf: total[(g * width)..<((g + 1) * width)])
            }
        } else {
            var position: [UInt64: Int] = [:]
            for acc in accumulators {
                for (key, slot) in acc.slots where key != UInt64(groups) {
                    if let at = position[key] { combine(&values, at * width, acc.sparse, slot * width) } else {
                        position[key] = keys.count
                        keys.append(key)
                        values.append(contentsOf: acc.sparse[(slot * width)..<((slot + 1) * width)])
                    }
                }
            }
        }
        return Output(keys: keys, values: values, width: width, dictionaries: dictionaries, strides: strides, buckets: buckets,
                      gauges: gauges, side: side, rowsScanned: rowsScanned, rowGroupsRead: tasks.count, rowGroupsSkipped: skipped)
    }

    static func stored(_ dim: String, _ s: SegmentPlan) -> String { QueryPlanner.stored(dim, in: s.dimensions) }

    static func translate(_ dim: String, _ value: String, _ plan: QueryPlan) -> String { QueryPlanner.shown(dim, value, plan) }

    static func index(_ column: String, _ reader: SegmentReader) throws -> Int {
        guard let i = reader.schema.index(of: column) else {
            throw ColanError(.query, "segment has no '\(column)' column", file: reader.path)
        }
        return i
    }

    /// Scans one row group into the accumulators, a vector at a time; returns its row count.
    static func scan(_ task: ScanTask, plan: QueryPlan, buckets: BucketSet, product: UInt64, groups: Int,
                     into acc: inout Accumulators, gauges: inout [UInt64: [Int64: [Int64]]], side: inout SideTotals,
                     coverage: inout CoverageCache, scratch: ScanScratch) throws -> Int {
        let s = plan.segments[task.plan]
        let reader = s.segment.reader
        let g = task.rowGroup
        let n = reader.footer.rowGroups[g].rowCount
        guard n > 0 else { return 0 }
        // Times are decoded only when something needs them.
        let needTimes = plan.query.interval != .total || plan.range != nil || !plan.gauges.isEmpty || !s.coarser.isEmpty
            || (s.exactViewers && plan.query.interval == .total)
        let timeIndex = needTimes ? reader.schema.index(of: "time") : nil
        var timeCursor = try timeIndex.map { try reader.integerCursor(column: $0, rowGroup: g) }
        var dimCursors = try plan.query.by.map { try reader.codeCursor(column: try index(stored($0, s), reader), rowGroup: g) }
        var filterCursors = try task.filters.map { try reader.codeCursor(column: try index($0.column, reader), rowGroup: g) }
        // A segment without one of the columns (reports of one kind may differ) counts nothing toward it: nil reads as zeros.
        var metricCursors = try plan.inputs.map { c in try reader.schema.index(of: c).map { try reader.integerCursor(column: $0, rowGroup: g) } }
        var gaugeCursors = try (timeIndex == nil ? [] : plan.gauges).map { c in
            try reader.schema.index(of: c).map { try reader.integerCursor(column: $0, rowGroup: g) }
        }
        /// Decodes the next `m` values of every summed column (zeros for a column the segment lacks).
        func nextMetrics(_ m: Int) {
            for c in metricCursors.indices {
                if metricCursors[c] == nil { scratch.metrics[c].pointer.initialize(repeating: 0, count: m) } else {
                    metricCursors[c]!.next(m, into: scratch.metrics[c].pointer)
                }
            }
        }
        // Row averages and source ids: whole chunks, read only for the queries that ask for them.
        let averaged = try plan.averages.map { c in try reader.schema.index(of: c).map { try reader.read(column: $0, rowGroup: g) } }
        let sources = try plan.trackSources ? reader.schema.index(of: "_source").map { try reader.read(column: $0, rowGroup: g) } : nil
        // Rows a coarser cuboid answers for (rare: only where segments overlap), decided for the whole chunk.
        var hidden: AlignedBuffer<Bool>?
        if !s.coarser.isEmpty, let t = timeIndex {
            let times = AlignedBuffer<Int64>(count: n, zeroed: false)
            _ = try reader.readIntegers(column: t, rowGroup: g, into: times)
            let keep = AlignedBuffer<Bool>(count: n, zeroed: false)
            keep.pointer.initialize(repeating: true, count: n)
            if try coverage.hide(task: task, plan: plan, times: times, keep: keep) { hidden = keep }
        }
        let table = buckets.table(for: s)
        let first = table.origin, last = table.origin + Int64(table.ids.count) * BucketTable.slot - 1
        let ids = scratch.ids, keep = scratch.keep, times = scratch.times
        let inputs = plan.inputs.count
        let discard = UInt64(groups)
        let pointers = scratch.metrics.prefix(inputs).map { UnsafePointer($0.pointer) }
        let location = "row group \(g)"
        // Runs: with no time, filter or hidden row, a single run-length encoded grouping column gives each
        // run of rows its group directly (rows in scan order run by their leading dimensions).
        // Which summed columns this segment holds, as bits, when some segment lacks one (their groups show it empty).
        let presence: UInt64? = plan.lacking.isEmpty ? nil
            : plan.inputs.enumerated().reduce(0) { bits, input in reader.schema.index(of: input.element) == nil || input.offset >= 64 ? bits : bits | (1 << UInt64(input.offset)) }
        // Tracked slice dimensions: their codes, read a vector at a time.
        var sliceCursors = try task.slices.enumerated().map { j, table in
            try table.map { _ in try reader.codeCursor(column: try index(plan.trackedSlices[j], reader), rowGroup: g) }
        }
        let sliceIds: AlignedBuffer<Int64>? = task.slices.contains { $0 != nil } ? AlignedBuffer(count: vectorSize, zeroed: false) : nil
        let byRuns = timeCursor == nil && filterCursors.isEmpty && hidden == nil && gaugeCursors.isEmpty && averaged.isEmpty && !plan.trackSources
            && sliceIds == nil
            && presence == nil
            && acc.denseGroups != nil && dimCursors.count <= 1 && dimCursors.allSatisfy(\.hasRuns)
        for v in stride(from: 0, to: n, by: vectorSize) {
            let m = min(vectorSize, n - v)
            if byRuns {
                nextMetrics(m)
                var runs = 1
                if dimCursors.isEmpty {
                    scratch.runGroups.pointer[0] = 0
                    scratch.runLengths.pointer[0] = Int32(m)
                } else {
                    do {
                        runs = try dimCursors[0].nextRuns(m, codes: scratch.codes.pointer, lengths: scratch.runLengths.pointer,
                                                          scratch: scratch.wide.pointer)
                    } catch var error as ColanError {
                        error.file = reader.path
                        error.location = location
                        throw error
                    }
                    task.translations[0].withUnsafeBufferPointer { t in
                        for r in 0..<runs { scratch.runGroups.pointer[r] = t[Int(scratch.codes.pointer[r])] }
                    }
                }
                acc.dense.withUnsafeMutableBufferPointer { sums in
                    GroupByKernel.accumulateRunList(pointers, groups: scratch.runGroups.pointer, lengths: scratch.runLengths.pointer,
                                                    runs: runs, sums: sums.baseAddress!, width: acc.width, inexact: !s.exactViewers)
                }
                continue
            }
            var masked = false
            if var cursor = timeCursor {
                cursor.next(m, into: times.pointer)
                timeCursor = cursor
                if let range = plan.range {
                    for i in 0..<m {
                        let inside = range.contains(times.pointer[i])
                        keep.pointer[i] = inside
                        masked = masked || !inside
                    }
                }
                if masked {
                    // Rows outside the table's range are masked; clamp them into it before the lookup.
                    for i in 0..<m where !keep.pointer[i] { times.pointer[i] = min(max(times.pointer[i], first), last) }
                }
                table.ids.withUnsafeBufferPointer { b in
                    GroupByKernel.bucketIds(times.pointer, origin: table.origin, buckets: b.baseAddress!,
                                            stride: product, count: m, into: ids.pointer)
                }
                if table.remap != nil {
                    for i in 0..<m { ids.pointer[i] = buckets.remap(table, ids.pointer[i] / product) * product }
                }
            } else {
                ids.pointer.initialize(repeating: 0, count: m)
            }
            if !masked { keep.pointer.initialize(repeating: true, count: m) }
            do {
                for d in dimCursors.indices {
                    try dimCursors[d].next(m, into: scratch.codes.pointer, scratch: scratch.wide.pointer)
                    task.translations[d].withUnsafeBufferPointer { t in
                        GroupByKernel.addDimension(scratch.codes.pointer, t.baseAddress!, count: m, into: ids.pointer)
                    }
                }
                for f in filterCursors.indices {
                    try filterCursors[f].next(m, into: scratch.codes.pointer, scratch: scratch.wide.pointer)
                    let allowed = task.filters[f].allowed
                    for i in 0..<m where !allowed[Int(scratch.codes.pointer[i])] { keep.pointer[i] = false; masked = true }
                }
            } catch var error as ColanError {
                error.file = reader.path
                error.location = location
                throw error
            }
            if let hidden {
                for i in 0..<m where !hidden.pointer[v + i] { keep.pointer[i] = false; masked = true }
            }
            if masked { GroupByKernel.discard(keep.pointer, count: m, slot: discard, ids: ids.pointer) }
            nextMetrics(m)
            if !averaged.isEmpty || sources != nil || presence != nil {
                side.add(ids: ids.pointer, count: m, discard: discard, firstRow: v, averaged: averaged, sources: sources, presence: presence)
            }
            if let sliceIds {
                for j in sliceCursors.indices {
                    guard sliceCursors[j] != nil, let table = task.slices[j] else { continue }
                    try sliceCursors[j]!.next(m, into: scratch.codes.pointer, scratch: scratch.wide.pointer)
                    for i in 0..<m { sliceIds.pointer[i] = table[Int(scratch.codes.pointer[i])] }
                    side.slices[j].add(ids: ids.pointer, count: m, discard: discard, values: sliceIds.pointer)
                }
            }
            if acc.denseGroups != nil {
                acc.dense.withUnsafeMutableBufferPointer { sums in
                    // Rows in scan order often come in runs of one group (an average run of 16 rows pays for the check).
                    if GroupByKernel.runCount(ids.pointer, count: m) &* 16 <= m {
                        GroupByKernel.accumulateRuns(pointers, ids: ids.pointer, count: m, sums: sums.baseAddress!, width: acc.width,
                                                     inexact: !s.exactViewers)
                    } else {
                        GroupByKernel.accumulateRows(pointers, ids: ids.pointer, count: m, sums: sums.baseAddress!, width: acc.width,
                                                     copies: acc.copies, copyStride: acc.copyStride, inexact: !s.exactViewers)
                    }
                    if s.exactViewers && plan.query.interval == .total && timeCursor != nil {
                        trackTimeSpans(ids: ids, times: times, n: m, sums: sums.baseAddress!, width: acc.width, inputs: inputs)
                    }
                }
            } else {
                accumulateSparse(&acc, ids: ids, times: timeCursor == nil ? nil : times, n: m, scratch: scratch,
                                 inputs: inputs, exact: s.exactViewers, discard: discard)
            }
            if !gaugeCursors.isEmpty {
                for c in gaugeCursors.indices {
                    if gaugeCursors[c] == nil { scratch.gauges[c].pointer.initialize(repeating: 0, count: m) } else {
                        gaugeCursors[c]!.next(m, into: scratch.gauges[c].pointer)
                    }
                }
                for i in 0..<m where ids.pointer[i] != discard {
                    var current = gauges[ids.pointer[i], default: [:]][times.pointer[i]] ?? [Int64](repeating: 0, count: gaugeCursors.count)
                    for c in gaugeCursors.indices { current[c] &+= scratch.gauges[c].pointer[i] }
                    gauges[ids.pointer[i], default: [:]][times.pointer[i]] = current
                }
            }
        }
        withExtendedLifetime(pointers) {}
        return n
    }

    /// The hash-map path for queries with too many groups for arrays.
    private static func accumulateSparse(_ acc: inout Accumulators, ids: AlignedBuffer<UInt64>, times: AlignedBuffer<Int64>?, n: Int,
                                         scratch: ScanScratch, inputs: Int, exact: Bool, discard: UInt64) {
        let layout = AccumulatorLayout(inputs: inputs)
        for i in 0..<n where ids.pointer[i] != discard {
            let key = ids.pointer[i]
            let slot: Int
            if let existing = acc.slots[key] { slot = existing } else {
                slot = acc.sparse.count / acc.width
                acc.slots[key] = slot
                acc.sparse += [Int64](repeating: 0, count: acc.width)
                acc.sparse[slot * acc.width + layout.minTime] = .max
                acc.sparse[slot * acc.width + layout.maxTime] = .min
            }
            let base = slot * acc.width
            for m in 0..<inputs { acc.sparse[base + m] &+= scratch.metrics[m].pointer[i] }
            acc.sparse[base + layout.hasRows] += 1
            if !exact { acc.sparse[base + layout.inexactRows] += 1 }
            if let times {
                acc.sparse[base + layout.minTime] = min(acc.sparse[base + layout.minTime], times.pointer[i])
                acc.sparse[base + layout.maxTime] = max(acc.sparse[base + layout.maxTime], times.pointer[i])
            }
        }
    }

    /// A total's unique viewers are exact only over one report interval: tracks each group's first and last time.
    private static func trackTimeSpans(ids: AlignedBuffer<UInt64>, times: AlignedBuffer<Int64>, n: Int,
                                       sums: UnsafeMutablePointer<Int64>, width: Int, inputs: Int) {
        let layout = AccumulatorLayout(inputs: inputs)
        for i in 0..<n {
            let b = Int(ids.pointer[i]) * width
            sums[b + layout.minTime] = min(sums[b + layout.minTime], times.pointer[i])
            sums[b + layout.maxTime] = max(sums[b + layout.maxTime], times.pointer[i])
        }
    }

}

/// One vector of each column a worker decodes, reused for every vector it scans
/// (a few dozen KiB: they stay in L1/L2 cache).
final class ScanScratch {
    let ids: AlignedBuffer<UInt64>
    let keep: AlignedBuffer<Bool>
    let times, wide: AlignedBuffer<Int64>
    let codes: AlignedBuffer<UInt32>
    let runGroups: AlignedBuffer<UInt64>
    let runLengths: AlignedBuffer<Int32>
    let metrics: [AlignedBuffer<Int64>]
    let gauges: [AlignedBuffer<Int64>]

    init(inputs: Int, gauges: Int) {
        let rows = vectorSize
        ids = AlignedBuffer(count: rows, zeroed: false)
        keep = AlignedBuffer(count: rows, zeroed: false)
        times = AlignedBuffer(count: rows, zeroed: false)
        wide = AlignedBuffer(count: rows, zeroed: false)
        codes = AlignedBuffer(count: rows, zeroed: false)
        runGroups = AlignedBuffer(count: rows, zeroed: false)
        runLengths = AlignedBuffer(count: rows, zeroed: false)
        metrics = (0..<inputs).map { _ in AlignedBuffer(count: rows, zeroed: false) }
        self.gauges = (0..<gauges).map { _ in AlignedBuffer(count: rows, zeroed: false) }
    }
}

/// Partial results of the workers.
final class Partials: @unchecked Sendable {
    private(set) var results: [Result<(Accumulators, [UInt64: [Int64: [Int64]]], SideTotals, Int), Error>?]
    private let lock = PThreadMutex()
    init(count: Int) { results = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<(Accumulators, [UInt64: [Int64: [Int64]]], SideTotals, Int), Error>) { lock.withLock { results[i] = r } }
}
