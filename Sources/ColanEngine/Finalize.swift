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
        // How each metric is finished, decided once: a definition copied per group (its strings and
        // closure retained) cost more than finishing it. The steps hold no reference; the closures sit apart.
        let steps: [FinishStep] = plan.definitions.enumerated().map { i, d in
            if let gauge = d.gauge, let gi = gaugeIndex[i] { return .gauge(index: gi, statistic: gauge.statistic, distinct: d.distinctGauge) }
            if let column = d.rowAverage, let c = plan.averages.firstIndex(of: column) { return .rowAverage(c) }
            return .finish(first: operands[i].first ?? 0, second: operands[i].count > 1 ? operands[i][1] : nil)
        }
        let finishes = plan.definitions.map(\.finish)
        // Rows sort by bucket, then each dimension's UTF-8 rank: the group key with each value's id
        // replaced by its rank (the same mixed radix, so it fits as the key does).
        var rows: [[ResultValue]] = []
        rows.reserveCapacity(output.keys.count)
        var sortKeys: [UInt64] = []
        sortKeys.reserveCapacity(output.keys.count)
        let rowWidth = (query.interval == .total ? 0 : 1) + query.by.count + steps.count
        var inexactGroups = 0
        // Each group's values are `width` in a row of the flat array (no slice: one retained per group).
        let values = output.values
        for (g, key) in output.keys.enumerated() {
            let at = g * width
            let bucket = Int(key / product)
            var rest = key % product
            var sortKey = UInt64(bucket) * product
            var row: [ResultValue] = []
            row.reserveCapacity(rowWidth)
            if query.interval != .total { row.append(.text(output.buckets.labels[bucket])) }
            for d in query.by.indices {
                let stride = output.strides[d]
                let id = Int(rest / stride)
                rest %= stride
                sortKey += UInt64(ranks[d][id]) * stride
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
                    for (dim, chosen) in query.filters where chosen.count == 1 { pinned[dim] = chosen[0] }
                    let first = query.interval == .total ? 0 : 1
                    for (d, dim) in query.by.enumerated() { if case .text(let v) = row[first + d] { pinned[dim] = v } }
                    viewers = exactCounts.count(days: span, slice: pinned)?.viewers
                }
                if viewers != nil { exact = true; vendorCounted += 1 }
            }
            if !exact { inexactGroups += 1 }
            let days = output.buckets.days[bucket]
            for i in steps.indices {
                switch steps[i] {
                case .gauge(let gi, let statistic, let distinct):
                    let perInstant = (output.gauges[key] ?? [:]).sorted { $0.key < $1.key }.map { $0.value[gi] }
                    let value = MetricDefinitions.gauge(perInstant, statistic)
                    if distinct, !exact, case .decimal(let v) = value { row.append(.bound(v, upper: true)) } else { row.append(value) }
                case .rowAverage(let c):
                    let sums = output.side.averages[key]
                    if let sums, sums[2 * c + 1] > 0 { row.append(.decimal(sums[2 * c] / sums[2 * c + 1])) } else { row.append(.none) }
                case .finish(let first, let second):
                    // A metric none of the row's reports hold is empty, not 0.
                    if !plan.lacking.isEmpty, let bits = output.side.presence[key],
                       operands[i].contains(where: { $0 < 64 && bits & (1 << UInt64($0)) == 0 }) {
                        row.append(.none)
                        continue
                    }
                    func operand(_ k: Int) -> Int64 {
                        if let viewers, k == viewerInput { return viewers }
                        return values[at + k]
                    }
                    row.append(finishes[i](operand(first), second.map(operand) ?? 0, days, exact))
                }
            }
            rows.append(row)
            sortKeys.append(sortKey)
        }
        // Sorted through a permutation of the rows (the keys are unique: one row a group).
        let order = rows.indices.sorted { sortKeys[$0] < sortKeys[$1] }
        var explain: [String] = []
        if vendorCounted > 0 {
            explain.append("unique viewers: the vendor's exact count of the requested period and slice in \(vendorCounted) rows")
        }
        if plan.definitions.contains(where: { $0.inputs.contains("uniqueViewers") }) {
            explain.append(inexactGroups == 0 ? "unique viewers: exact in every row"
                           : "unique viewers: an upper bound (marked <=) in \(inexactGroups) of \(rows.count) rows: they do not add across dimensions or report intervals")
        }
        return (order.map { rows[$0] }, explain)
    }
}

/// How one metric of an answer row is finished from its group's sums (`MetricDefinitions.Definition`).
private enum FinishStep {
    /// The per-instant sums of gauge input `index`, reduced by `statistic` (a bound when `distinct` and not exact).
    case gauge(index: Int, statistic: MetricDefinitions.GaugeStatistic, distinct: Bool)
    /// The mean of row-average column `c` over the group's rows.
    case rowAverage(Int)
    /// The definition's own finish, from its first and second inputs (their places among the group's values).
    case finish(first: Int, second: Int?)
}
