import Dispatch
import ColanSupport
import ColanColumns
import ColanFormat

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
        let readsDictionaries = !query.filters.isEmpty || !query.by.isEmpty || !plan.trackedSlices.isEmpty
        // Prepass: statistics skip row groups; dictionaries give the per-chunk tables.
        for (p, s) in plan.segments.enumerated() {
            let reader = s.segment.reader
            let timeIndex = reader.schema.index(of: "time")
            for g in reader.footer.rowGroups.indices {
                let group = reader.footer.rowGroups[g]
                var chunkLo = Int64.min, chunkHi = Int64.max
                if let t = timeIndex, case .int(let a, let b) = group.chunks[t].statistics { chunkLo = a; chunkHi = b }
                if let range = plan.range, chunkHi < range.lowerBound || chunkLo >= range.upperBound { skipped += 1; continue }
                // A dictionary read maps the pages around it too (the kernel maps a fault's whole
                // neighbourhood of page cache, most of a row group): give them back, whether the
                // row group is scanned (it maps what it reads again) or its filter skips it.
                defer { if readsDictionaries { reader.releasePages(ofRowGroup: g) } }
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
                    // Read once: its pages go back, so memory stays bounded on any store size.
                    plan.segments[scanTasks[t].plan].segment.reader.releasePages(ofRowGroup: scanTasks[t].rowGroup)
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

    /// Scans one row group into a worker's accumulators (`RowGroupScan`). Returns the rows scanned.
    static func scan(_ task: ScanTask, plan: QueryPlan, buckets: BucketSet, product: UInt64, groups: Int,
                     into acc: inout Accumulators, gauges: inout [UInt64: [Int64: [Int64]]], side: inout SideTotals,
                     coverage: inout CoverageCache, scratch: ScanScratch) throws -> Int {
        guard plan.segments[task.plan].segment.reader.footer.rowGroups[task.rowGroup].rowCount > 0 else { return 0 }
        var scan = try RowGroupScan(task, plan: plan, buckets: buckets, product: product, groups: groups,
                                    dense: acc.denseGroups != nil, coverage: &coverage, scratch: scratch)
        return try scan.run(into: &acc, gauges: &gauges, side: &side)
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
