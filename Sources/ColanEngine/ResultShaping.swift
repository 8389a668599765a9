import ColanSupport
@_spi(Benchmarks) import ColanTime
import ColanStore

/// What `colan agg` does to a rollup's rows after they are finalized (docs/METRICS.md,
/// "Rankings and comparisons"): the earlier period's values and the change against them, each
/// additive metric's share of its bucket, and the order and number of rows in each bucket. These
/// work on the answer's rows (one per group), never on stored rows.
package enum ResultShaping {
    /// The numeric value of a result value for ordering and arithmetic (a bound by its value).
    package static func number(_ value: ResultValue) -> Double? {
        switch value {
        case .integer(let v): Double(v)
        case .decimal(let v): v
        case .bound(let v, _): v
        case .text, .none: nil
        }
    }

    /// The rows of `result` as runs of one time bucket (the whole answer when it has no time column).
    static func buckets(_ result: AggregateResult) -> [Range<Int>] {
        guard result.kinds.first == .time else { return result.rows.isEmpty ? [] : [0..<result.rows.count] }
        var runs: [Range<Int>] = []
        var start = 0
        for r in result.rows.indices where r > 0 && result.rows[r][0] != result.rows[r - 1][0] {
            runs.append(start..<r)
            start = r
        }
        if !result.rows.isEmpty { runs.append(start..<result.rows.count) }
        return runs
    }

    /// Orders each bucket's rows by the keys (a missing value last in either direction; ties keep
    /// the dimensions' order), then keeps the first `limit` of each bucket.
    static func sortAndLimit(_ result: inout AggregateResult, by keys: [AggregateQuery.SortKey], limit: Int?) throws {
        let columns = try keys.map { key -> (Int, Bool) in
            guard let c = result.columns.firstIndex(of: key.column), result.kinds[c] != .time else {
                let known = result.columns.enumerated().filter { result.kinds[$0.offset] != .time }.map(\.element)
                throw ColanError(.usage, "--sort \(key.column): the answer has no such column",
                                 hint: AggregateEngine.suggestion(key.column, known) + "columns: " + known.joined(separator: ", "))
            }
            return (c, key.descending)
        }
        if let limit, limit < 1 { throw ColanError(.usage, "--limit must be at least 1") }
        var rows: [[ResultValue]] = []
        rows.reserveCapacity(result.rows.count)
        for run in buckets(result) {
            var bucket = Array(result.rows[run])
            if !columns.isEmpty {
                // A stable sort: indices break ties.
                let order = bucket.indices.sorted { a, b in
                    for (c, descending) in columns {
                        if let ordered = compare(bucket[a][c], bucket[b][c], descending: descending) { return ordered }
                    }
                    return a < b
                }
                bucket = order.map { bucket[$0] }
            }
            rows += limit.map { Array(bucket.prefix($0)) } ?? bucket
        }
        result.rows = rows
    }

    /// Whether `a` goes before `b`, or nil when they tie.
    private static func compare(_ a: ResultValue, _ b: ResultValue, descending: Bool) -> Bool? {
        if case .text(let x) = a, case .text(let y) = b {
            guard x != y else { return nil }
            return x.utf8.lexicographicallyPrecedes(y.utf8) != descending
        }
        switch (number(a), number(b)) {
        case (nil, nil): return nil
        case (nil, _): return false
        case (_, nil): return true
        case (let x?, let y?):
            guard x != y else { return nil }
            return (x < y) != descending
        }
    }

    /// Adds, after each additive metric, its share of its bucket's total in percent (`NAMEShare`).
    static func addShares(_ result: inout AggregateResult) {
        let additive = result.kinds.indices.filter { result.kinds[$0] == .additive }
        guard !additive.isEmpty else { return }
        var shares = [[ResultValue]](repeating: [], count: result.rows.count)
        for run in buckets(result) {
            for c in additive {
                let total = run.reduce(0.0) { $0 + (number(result.rows[$1][c]) ?? 0) }
                for r in run {
                    shares[r].append(total == 0 ? .none : number(result.rows[r][c]).map { .decimal($0 / total * 100) } ?? .none)
                }
            }
        }
        var added: [Int: [Added]] = [:]
        for (k, c) in additive.enumerated() { added[c] = [Added(name: result.columns[c] + "Share", kind: .number, values: shares.map { $0[k] })] }
        insert(&result, after: added)
    }

    /// Columns added after a column of an answer: their names, kinds and one value per row.
    struct Added {
        var name: String
        var kind: ColumnKind
        var values: [ResultValue]
    }

    /// Puts each column's added columns right after it.
    static func insert(_ result: inout AggregateResult, after added: [Int: [Added]]) {
        var columns: [String] = [], kinds: [ColumnKind] = []
        var rows = result.rows.map { _ in [ResultValue]() }
        for c in result.columns.indices {
            columns.append(result.columns[c])
            kinds.append(result.kinds[c])
            for r in rows.indices { rows[r].append(result.rows[r][c]) }
            for a in added[c] ?? [] {
                columns.append(a.name)
                kinds.append(a.kind)
                for r in rows.indices { rows[r].append(a.values[r]) }
            }
        }
        result.columns = columns
        result.kinds = kinds
        result.rows = rows
    }

    /// Adds, after each metric, its value in the earlier period (`NAMEPrevious`) and the change
    /// against it in percent (`NAMEChange`): the same query over the earlier dates, each row matched
    /// to the row of the same dimension values in its bucket's earlier counterpart. A bound's change
    /// is empty: two bounds bound no ratio.
    static func compare(_ result: inout AggregateResult, with comparison: AggregateQuery.Comparison, query: AggregateQuery,
                        store: Store) throws {
        var earlier = query
        earlier.compare = nil
        earlier.sort = []
        earlier.limit = nil
        earlier.share = false
        if query.interval == .total {
            guard let from = try query.from.map(day), let to = try query.to.map(day) else {
                throw ColanError(.usage, "--compare with a total needs --from and --to (the period to compare)",
                                 hint: "or compare buckets: --interval day|week|month")
            }
            let (a, b) = comparison == .previous ? (from - (to - from + 1), from - 1) : (yearEarlier(from), yearEarlier(to))
            (earlier.from, earlier.to) = (label(a), label(b))
        } else if query.from != nil || query.to != nil {
            // The earlier buckets of every bucket asked for: the range moved back by one step (previous), or by a year.
            let lower = try query.from.map(day), upper = try query.to.map(day)
            switch comparison {
            case .previous:
                earlier.from = lower.map { label(query.interval == .week ? $0 - 7 : query.interval == .month ? monthEarlier($0) : $0 - 1) }
            case .year:
                earlier.from = lower.map { label(query.interval == .week ? $0 - 364 : yearEarlier($0)) }
                earlier.to = upper.map { label(query.interval == .week ? $0 - 364 : yearEarlier($0)) }
            }
        }
        let before = try AggregateEngine.rollup(earlier, store: store)
        let dims = result.kinds.indices.filter { result.kinds[$0] == .dimension }
        let timed = result.kinds.first == .time
        func text(_ v: ResultValue) -> String { if case .text(let s) = v { s } else { "" } }
        func key(_ row: [ResultValue], bucket: String) -> [String] { [bucket] + dims.map { text(row[$0]) } }
        var index: [[String]: Int] = [:]
        for (r, row) in before.rows.enumerated() { index[key(row, bucket: timed ? text(row[0]) : "")] = r }
        let metrics = result.kinds.indices.filter { [.additive, .viewers, .number].contains(result.kinds[$0]) }
        var added: [Int: [Added]] = [:]
        for c in metrics {
            guard let b = before.columns.firstIndex(of: result.columns[c]) else { continue }
            let previous = result.rows.map { row -> ResultValue in
                let bucket = timed ? earlierLabel(text(row[0]), query.interval, comparison) : ""
                return index[key(row, bucket: bucket)].map { before.rows[$0][b] } ?? .none
            }
            added[c] = [Added(name: result.columns[c] + "Previous", kind: result.kinds[c] == .viewers ? .viewers : .number, values: previous),
                        Added(name: result.columns[c] + "Change", kind: .number,
                              values: result.rows.indices.map { change(result.rows[$0][c], from: previous[$0]) })]
        }
        insert(&result, after: added)
        result.explain.append("compare: \(comparison.rawValue) period" + (earlier.from == nil && earlier.to == nil ? "" : " \(earlier.from ?? "start")..\(earlier.to ?? "end")"))
        result.notes += before.notes.filter { !result.notes.contains($0) }
    }

    /// The change from `previous` to `current` in percent; empty for a bound, a missing or a zero value.
    static func change(_ current: ResultValue, from previous: ResultValue) -> ResultValue {
        if case .bound = current { return .none }
        if case .bound = previous { return .none }
        guard let now = number(current), let then = number(previous), then != 0 else { return .none }
        return .decimal((now - then) / then * 100)
    }

    /// The label of the bucket a bucket labelled `label` is compared with.
    static func earlierLabel(_ label: String, _ interval: BucketInterval, _ comparison: AggregateQuery.Comparison) -> String {
        guard let parsed = TimeResolver.parse(label) else { return label }
        let seconds = parsed.seconds
        let d = BucketTable.floorDiv(seconds, 86400), time = seconds - d * 86400
        let earlier: Int64
        switch (interval, comparison) {
        case (.hour, .previous): earlier = seconds - 3600
        case (.day, .previous): earlier = seconds - 86400
        case (.week, .previous): earlier = seconds - 7 * 86400
        case (.month, .previous):
            let (y, m, _) = CivilTime.date(days: Int(d))
            earlier = Int64(CivilTime.days(year: m == 1 ? y - 1 : y, month: m == 1 ? 12 : m - 1, day: 1)) * 86400
        case (.week, .year): earlier = seconds - 364 * 86400
        case (_, .year): earlier = yearEarlier(d) * 86400 + time
        case (.total, _): earlier = seconds
        }
        return CivilTime.format(earlier)
    }

    /// The local day number of a YYYY-MM-DD date.
    package static func day(_ text: String) throws -> Int64 {
        guard let label = TimeResolver.parse(text), !label.hasTimeOfDay else {
            throw ColanError(.usage, "'\(text)' is not a date; expected YYYY-MM-DD")
        }
        return label.seconds / 86400
    }

    /// A day number as YYYY-MM-DD.
    package static func label(_ day: Int64) -> String { String(CivilTime.format(day * 86400).prefix(10)) }

    /// The same day of the month a month earlier (clamped to that month's length).
    static func monthEarlier(_ day: Int64) -> Int64 {
        let (y, m, d) = CivilTime.date(days: Int(day))
        let (py, pm) = m == 1 ? (y - 1, 12) : (y, m - 1)
        return Int64(CivilTime.days(year: py, month: pm, day: min(d, TimeResolver.daysIn(year: py, month: pm))))
    }

    /// The same date a year earlier (29 February becomes the 28th).
    static func yearEarlier(_ day: Int64) -> Int64 {
        let (y, m, d) = CivilTime.date(days: Int(day))
        return Int64(CivilTime.days(year: y - 1, month: m, day: min(d, TimeResolver.daysIn(year: y - 1, month: m))))
    }
}
