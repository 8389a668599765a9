/// Answers rollups: plan (cuboids, segments, metrics) -> scan (decode only the
/// needed columns, dense group ids, both cores) -> finalize (derived metrics
/// recomputed from the sums of each output row) -> sorted rows.
public enum AggregateEngine {
    /// Answers `query` from `store`: the rollup, then the comparison, shares, order and limit asked for.
    public static func run(_ query: AggregateQuery, store: Store) throws -> AggregateResult {
        var result = try rollup(query, store: store)
        if let comparison = query.compare { try ResultShaping.compare(&result, with: comparison, query: query, store: store) }
        if query.share { ResultShaping.addShares(&result) }
        if !query.sort.isEmpty || query.limit != nil { try ResultShaping.sortAndLimit(&result, by: query.sort, limit: query.limit) }
        return result
    }

    /// The rollup itself: rows in time, then dimension order.
    static func rollup(_ query: AggregateQuery, store: Store) throws -> AggregateResult {
        let watch = Stopwatch()
        var plan = try QueryPlanner.plan(query, store: store)
        let planned = watch.seconds
        let output = try QueryExecutor.run(&plan)
        let scanned = watch.seconds
        var explain = plan.explain
        explain.append("row groups: \(output.rowGroupsRead) read, \(output.rowGroupsSkipped) skipped by statistics; rows scanned: \(output.rowsScanned)")
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
        if vendorCounted > 0 {
            explain.append("unique viewers: the vendor's exact count of the requested period and slice in \(vendorCounted) rows")
        }
        if plan.definitions.contains(where: { $0.inputs.contains("uniqueViewers") }) {
            explain.append(inexactGroups == 0 ? "unique viewers: exact in every row"
                           : "unique viewers: an upper bound (marked <=) in \(inexactGroups) of \(keyed.count) rows: they do not add across dimensions or report intervals")
        }
        explain.append("time: plan \(formatMilliseconds(planned)) ms, scan \(formatMilliseconds(scanned - planned)) ms, "
                       + "finalize \(formatMilliseconds(watch.seconds - scanned)) ms")
        let columns = (query.interval == .total ? [] : ["time"]) + query.by + plan.definitions.map(\.name)
        let kinds: [ColumnKind] = (query.interval == .total ? [] : [.time]) + query.by.map { _ in .dimension }
            + plan.definitions.map { $0.usesViewers ? .viewers : $0.additive ? .additive : .number }
        return AggregateResult(columns: columns, rows: keyed.map(\.row), explain: explain, kinds: kinds, notes: plan.notes)
    }

    /// Exact unique viewers per output row from uniqueViewersAnalytics reports
    /// of the query's slices and buckets, keyed by the row's time label and
    /// dimension values; empty when the store has none that fit.
    static func uniqueViewersReports(_ query: AggregateQuery, plan: QueryPlan, store: Store) throws -> [[ResultValue]: Int64] {
        guard query.report == "viewershipAnalytics", plan.inputs.contains("uniqueViewers"),
              store.segments.contains(where: { $0.kind == "uniqueViewersAnalytics" }) else { return [:] }
        var sub = query
        sub.report = "uniqueViewersAnalytics"
        sub.metrics = ["uniqueViewers"]
        guard let result = try? rollup(sub, store: store) else { return [:] }
        var exact: [[ResultValue]: Int64] = [:]
        for row in result.rows {
            guard case .integer(let v) = row.last else { continue }
            exact[Array(row.dropLast())] = v
        }
        return exact
    }

    /// The vendor's exact counts of a query's candidate responses, parsed when an output row asks.
    struct ExactCountIndex {
        private let sources: [SourceEntry]
        /// The candidates: indices into `sources`.
        private let candidates: [Int]
        private let query: AggregateQuery
        /// Each parsed count, by its index in `sources`: .some(nil) when its scope does not parse.
        private var parsed: [ExactViewers??] = []
        /// Source id -> index, built when first needed.
        private var byId: [Int64: Int]?
        /// Requested dates (first and last day) -> indices, built when first needed.
        private var byDates: [ClosedRange<Int64>: [Int]]?

        init(_ sources: [SourceEntry], _ candidates: [Int], query: AggregateQuery) {
            self.sources = sources
            self.candidates = candidates
            self.query = query
        }

        /// Whether a count's zone is the query's (UTC by any of its names).
        func sameZone(_ zone: String) -> Bool { zone == query.zone || (QueryPlanner.isUTC(zone) && QueryPlanner.isUTC(query.zone)) }

        private mutating func count(at i: Int) -> ExactViewers? {
            if parsed.isEmpty { parsed = [ExactViewers??](repeating: nil, count: sources.count) }
            if let known = parsed[i] { return known }
            let count = ExactViewers(totals: sources[i].totals)
            parsed[i] = .some(count)
            return count
        }

        /// The count of the response with this source id, if it is of the query's own kind.
        mutating func count(ofSource id: Int64) -> ExactViewers? {
            if byId == nil {
                var map: [Int64: Int] = [:]
                for i in candidates where sources[i].kind == query.report { map[Int64(sources[i].id)] = i }
                byId = map
            }
            return byId?[id].flatMap { count(at: $0) }
        }

        /// A count whose dates are `days` in the query's zone and whose slice is `slice`.
        mutating func count(days: ClosedRange<Int64>, slice: [String: String]) -> ExactViewers? {
            if byDates == nil {
                // Only the dates of each scope are read here; a count is parsed when its dates match.
                var map: [ClosedRange<Int64>: [Int]] = [:]
                for i in candidates {
                    guard let scope = sources[i].totals[ExactViewers.scopeKey], let days = ExactViewers.days(ofScope: scope) else { continue }
                    map[days, default: []].append(i)
                }
                byDates = map
            }
            for i in byDates?[days] ?? [] {
                if let count = count(at: i), sameZone(count.zone), count.fixed == slice { return count }
            }
            return nil
        }
    }

    /// "did you mean X? " for the known name closest to `name`, or "".
    static func suggestion(_ name: String, _ known: [String]) -> String {
        func distance(_ a: String, _ b: String) -> Int {
            let a = Array(a.lowercased()), b = Array(b.lowercased())
            guard !a.isEmpty else { return b.count }
            guard !b.isEmpty else { return a.count }
            var row = Array(0...b.count)
            for i in 1...a.count {
                var previous = row[0]
                row[0] = i
                for j in 1...b.count {
                    let old = row[j]
                    row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                    previous = old
                }
            }
            return row[b.count]
        }
        // Never the very name typed: it is unknown where it was looked for.
        guard let best = known.filter({ $0 != name }).min(by: { distance(name, $0) < distance(name, $1) }),
              distance(name, best) <= max(3, name.count / 2) else { return "" }
        return "did you mean '\(best)'? "
    }
}

func formatMilliseconds(_ s: Double) -> String {
    let tenths = Int((s * 10_000).rounded())
    return "\(tenths / 10).\(tenths % 10)"
}
