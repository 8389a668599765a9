import ColanSupport
import ColanCatalog
import ColanStore

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
        let finalized = try finalize(plan: plan, output: output, store: store)
        explain += finalized.explain
        explain.append("time: plan \(formatMilliseconds(planned)) ms, scan \(formatMilliseconds(scanned - planned)) ms, "
                       + "finalize \(formatMilliseconds(watch.seconds - scanned)) ms")
        let columns = (query.interval == .total ? [] : ["time"]) + query.by + plan.definitions.map(\.name)
        let kinds: [ColumnKind] = (query.interval == .total ? [] : [.time]) + query.by.map { _ in .dimension }
            + plan.definitions.map { $0.usesViewers ? .viewers : $0.additive ? .additive : .number }
        return AggregateResult(columns: columns, rows: finalized.rows, explain: explain, kinds: kinds, notes: plan.notes)
    }

    /// Exact unique viewers per output row from uniqueViewersAnalytics reports
    /// of the query's slices and buckets, keyed by the row's time label and
    /// dimension values; empty when the store has none that fit.
    static func uniqueViewersReports(_ query: AggregateQuery, plan: QueryPlan, store: Store) throws -> [[ResultValue]: Int64] {
        guard let other = ReportKind(rawValue: query.report)?.exactViewersAlsoFrom, plan.inputs.contains("uniqueViewers"),
              store.segments.contains(where: { $0.kind == other.rawValue }) else { return [:] }
        var sub = query
        sub.report = other.rawValue
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
