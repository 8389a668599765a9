import ColanColumns
import ColanStore

/// The rollup's last step: each group of the scan's output becomes an answer row (its bucket's
/// label, its dimension values, and every metric finished from its sums: derived metrics
/// recomputed, unique viewers exact or a bound, the vendor's exact counts where they answer),
/// rows sorted by time then dimension values.
extension AggregateEngine {
    /// The finished rows, and the lines `--explain` adds about unique viewers.
    static func finalize(plan: QueryPlan, output: QueryExecutor.Output, store: Store) throws -> (rows: [[ResultValue]], explain: [String]) {
        let query = plan.query
        let inputs = plan.inputs
        let width = output.width
        let layout = AccumulatorLayout(inputs: inputs.count)
        // Finalize each group: its bucket, dimension values and metrics.
        var product: UInt64 = 1
        for d in query.by.indices { product *= UInt64(max(output.dictionaries[d].values.count, 1)) }
        // Each dimension's values ranked in UTF-8 byte order, so rows sort by integers.
        let ranks = output.dictionaries.map { utf8Ranks($0.values) }
        // Where each definition's inputs sit among a group's values.
        let operands = plan.definitions.map { d in d.inputs.map { inputs.firstIndex(of: $0) ?? 0 } }
        let gaugeIndex = plan.definitions.map { d in d.gauge.flatMap { g in plan.gauges.firstIndex(of: g.column) } }
        let exactViewers = try uniqueViewersReports(query, plan: plan, store: store)
        let viewerInput = inputs.firstIndex(of: "uniqueViewers")
        let needsViewers = viewerInput != nil || plan.gauges.contains("uniqueViewers")
        let wholeStore = query.interval == .total && plan.dateRange == nil
        var exactCounts = ExactCountIndex(store.manifest.sources, plan.exactSources, query: query)
        var vendorCounted = 0
        var keyed: [(sortKey: [Int], row: [ResultValue])] = []
        keyed.reserveCapacity(output.keys.count)
        var inexactGroups = 0
        for (g, key) in output.keys.enumerated() {
            let values = output.values[(g * width)..<((g + 1) * width)]
            let at = values.startIndex
            let bucket = Int(key / product)
            var rest = key % product
            var sortKey = [bucket]
            var row: [ResultValue] = []
            if query.interval != .total { row.append(.text(output.buckets.labels[bucket])) }
            for d in query.by.indices {
                let stride = output.strides[d]
                let id = Int(rest / stride)
                rest %= stride
                sortKey.append(Int(ranks[d][id]))
                row.append(.text(output.dictionaries[d].values[id]))
            }
            let inexactRows = values[at + layout.inexactRows]
            var exact = inexactRows == 0 && (query.interval != .total || values[at + layout.minTime] == values[at + layout.maxTime])
                && output.side.slices.allSatisfy { $0.isSingle(key) }
            // A uniqueViewersAnalytics report of this bucket and slice gives the exact count.
            var viewers: Int64?
            if !exact, !exactViewers.isEmpty {
                if let v = exactViewers[row] { viewers = v; exact = true }
            }
            // A count the vendor reported answers the row when the row is exactly its period and slice:
            // either the row's rows are all of one response (and all of it), or its slice and period equal the count's.
            if !exact, needsViewers, !plan.exactSources.isEmpty {
                let span = output.buckets.spans[bucket]
                if plan.trackSources, let sources = output.side.sources.spans[key], sources.lo == sources.hi,
                   let count = exactCounts.count(ofSource: sources.lo),
                   plan.needed.allSatisfy({ count.fixed[$0] != nil }), wholeStore || (count.days == span && exactCounts.sameZone(count.zone)) {
                    viewers = count.viewers
                } else {
                    var pinned: [String: String] = [:]
                    for (dim, values) in query.filters where values.count == 1 { pinned[dim] = values[0] }
                    let first = query.interval == .total ? 0 : 1
                    for (d, dim) in query.by.enumerated() { if case .text(let v) = row[first + d] { pinned[dim] = v } }
                    viewers = exactCounts.count(days: span, slice: pinned)?.viewers
                }
                if viewers != nil { exact = true; vendorCounted += 1 }
            }
            if !exact { inexactGroups += 1 }
            let days = output.buckets.days[bucket]
            for (i, d) in plan.definitions.enumerated() {
                if let gauge = d.gauge, let gi = gaugeIndex[i] {
                    let perInstant = (output.gauges[key] ?? [:]).sorted { $0.key < $1.key }.map { $0.value[gi] }
                    let value = MetricDefinitions.gauge(perInstant, gauge.statistic)
                    if d.distinctGauge, !exact, case .decimal(let v) = value { row.append(.bound(v, upper: true)) } else { row.append(value) }
                } else if let column = d.rowAverage, let c = plan.averages.firstIndex(of: column) {
                    let sums = output.side.averages[key]
                    if let sums, sums[2 * c + 1] > 0 { row.append(.decimal(sums[2 * c] / sums[2 * c + 1])) } else { row.append(.none) }
                } else {
                    let o = operands[i]
                    // A metric none of the row's reports hold is empty, not 0.
                    if !plan.lacking.isEmpty, let bits = output.side.presence[key],
                       o.contains(where: { $0 < 64 && bits & (1 << UInt64($0)) == 0 }) {
                        row.append(.none)
                        continue
                    }
                    func operand(_ k: Int) -> Int64 {
                        if let viewers, o[k] == viewerInput { return viewers }
                        return values[at + o[k]]
                    }
                    row.append(d.finish(operand(0), o.count > 1 ? operand(1) : 0, days, exact))
                }
            }
            keyed.append((sortKey, row))
        }
        keyed.sort { $0.sortKey.lexicographicallyPrecedes($1.sortKey) }
        var explain: [String] = []
        if vendorCounted > 0 {
            explain.append("unique viewers: the vendor's exact count of the requested period and slice in \(vendorCounted) rows")
        }
        if plan.definitions.contains(where: { $0.inputs.contains("uniqueViewers") }) {
            explain.append(inexactGroups == 0 ? "unique viewers: exact in every row"
                           : "unique viewers: an upper bound (marked <=) in \(inexactGroups) of \(keyed.count) rows: they do not add across dimensions or report intervals")
        }
        return (keyed.map(\.row), explain)
    }
}
