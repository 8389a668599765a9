/// Plans and runs a rollup: picks the cuboid (the coarsest report rows that
/// still hold every grouped and filtered dimension), skips row groups by their
/// statistics, decodes only the needed columns, and sums them through the
/// group-by kernel; then recomputes derived metrics per output row.
public enum AggregateEngine {
    /// Answers `query` from `store`.
    public static func run(_ query: AggregateQuery, store: Store) throws -> AggregateResult {
        let watch = Stopwatch()
        var explain: [String] = []
        let kinds = Array(Set(store.segments.map(\.kind))).sorted()
        guard kinds.contains(query.report) else {
            let known = Array(Set(kinds + Catalog.amagiReportKinds)).sorted()
            throw ColanError(.query, "no '\(query.report)' reports in the store",
                             hint: suggestion(query.report, known) + "known report kinds: " + known.joined(separator: ", ")
                                 + (kinds.isEmpty ? "; the store is empty" : "; in this store: " + kinds.joined(separator: ", ")))
        }
        let zone = try ZoneOffsets(named: query.zone)
        let range = try timeRange(query, zone: zone)
        let segments = try store.open(kind: query.report, range: range)
        let outside = store.segmentsOutside(kind: query.report, range: range)
        // Dimensions: every one named must exist somewhere.
        let needed = Set(query.by).union(query.filters.keys)
        let storeDims = Set(segments.flatMap { dimensions(of: $0) })
        for dim in query.by + query.filters.keys.sorted() where !storeDims.contains(dim) {
            let known = Array(storeDims.union(Catalog.dimensionNames)).sorted()
            throw ColanError(.query, "unknown dimension '\(dim)' for \(query.report)",
                             hint: suggestion(dim, known) + "known dimensions: " + known.joined(separator: ", "))
        }
        // The cuboid: the fewest specific dimensions that still include every needed one.
        let candidates = segments.filter { needed.isSubset(of: dimensions(of: $0)) }
        guard let chosen = candidates.map({ dimensions(of: $0) }).min(by: { a, b in
            a.count != b.count ? a.count < b.count : a.sorted().joined(separator: ",") < b.sorted().joined(separator: ",")
        }) else {
            let cuboids = Set(segments.map { "{" + dimensions(of: $0).sorted().joined(separator: ",") + "}" }).sorted()
            throw ColanError(.query, "no \(query.report) report breaks down by \(needed.sorted().joined(separator: ", "))",
                             hint: "the store holds the cuboids " + cuboids.joined(separator: " "))
        }
        let selected = candidates.filter { dimensions(of: $0) == chosen }
        explain.append("cuboid: \(query.report) {\(chosen.sorted().joined(separator: ","))}: the coarsest holding "
                       + (needed.isEmpty ? "no dimension (totals)" : needed.sorted().joined(separator: ",")))
        explain.append("segments: \(selected.count) read, \(segments.count - selected.count) of other cuboids skipped, "
                       + "\(outside) outside the time range skipped")
        // Metrics.
        let allColumns = selected.flatMap(\.schema.columns)
        let defaults = MetricDefinitions.defaults(for: query.report, columns: allColumns)
        var definitions: [MetricDefinitions.Definition] = []
        if query.metrics.isEmpty { definitions = defaults } else {
            let numeric = Set(allColumns.filter { [.int64, .float64].contains($0.type) && $0.role != .time }.map(\.name))
            for name in query.metrics {
                if let d = defaults.first(where: { $0.name == name }) ?? MetricDefinitions.viewership.first(where: { $0.name == name }) {
                    definitions.append(d)
                } else if numeric.contains(name) {
                    definitions.append(MetricDefinitions.plain(name))
                } else {
                    let known = Array(Set(defaults.map(\.name)).union(numeric)).sorted()
                    throw ColanError(.query, "unknown metric '\(name)' for \(query.report)",
                                     hint: suggestion(name, known) + "known metrics: " + known.joined(separator: ", "))
                }
            }
        }
        var inputs: [String] = []
        for d in definitions { for i in d.inputs where !inputs.contains(i) { inputs.append(i) } }
        for input in inputs {
            for s in selected {
                guard let c = s.schema.columns.first(where: { $0.name == input }) else {
                    throw ColanError(.query, "the report has no '\(input)' column", file: s.path)
                }
                guard c.type == .int64 else {
                    throw ColanError(.query, "'\(input)' is \(c.type), only integer columns are summed so far", file: s.path)
                }
            }
        }
        var scan = ScanState(by: query.by, metricCount: inputs.count)
        var skipped = 0, readGroups = 0
        for segment in selected {
            guard let timeIndex = segment.schema.index(of: "time") ?? (range == nil ? -1 : nil) else {
                throw ColanError(.query, "--from/--to need a time column", file: segment.path)
            }
            for (g, group) in segment.footer.rowGroups.enumerated() {
                if let range, timeIndex >= 0, case .int(let lo, let hi) = group.chunks[timeIndex].statistics,
                   hi < range.lowerBound || lo >= range.upperBound {
                    skipped += 1
                    continue
                }
                readGroups += 1
                try scan.add(segment: segment, rowGroup: g, inputs: inputs, filters: query.filters,
                             range: range, timeIndex: timeIndex)
            }
        }
        explain.append("row groups: \(readGroups) read, \(skipped) skipped by time statistics; rows scanned: \(scan.rowsScanned)")
        // Days in the range, for daily averages.
        let days: Int
        if let from = query.from, let to = query.to, let a = TimeResolver.parse(from), let b = TimeResolver.parse(to) {
            days = Int((b.seconds - a.seconds) / 86400) + 1
        } else if let lo = scan.minTime, let hi = scan.maxTime {
            days = Int(localDay(hi, zone) - localDay(lo, zone)) + 1
        } else {
            days = 1
        }
        let singleBucket = scan.minTime == scan.maxTime
        let viewersExact = chosen == Set(query.by) && singleBucket
        explain.append("days: \(days); aggregatedViewers " + (viewersExact ? "exact" : "an upper bound (marked <=): unique viewers do not add across "
                       + (singleBucket ? "dimensions" : "time buckets")))
        var rows: [[ResultValue]] = []
        for (index, key) in scan.groupKeys.enumerated() {
            var row = key.map { ResultValue.text($0) }
            let sums = Array(scan.sums[(index * inputs.count)..<((index + 1) * inputs.count)])
            for d in definitions {
                row.append(d.finish(d.inputs.map { sums[inputs.firstIndex(of: $0) ?? 0] }, days, viewersExact))
            }
            rows.append(row)
        }
        rows.sort { a, b in
            for (x, y) in zip(a.prefix(query.by.count), b.prefix(query.by.count)) {
                if case .text(let s) = x, case .text(let t) = y, s != t { return s < t }
            }
            return false
        }
        explain.append("time: \(formatMilliseconds(watch.seconds)) ms")
        return AggregateResult(columns: query.by + definitions.map(\.name), rows: rows, explain: explain)
    }

    static func dimensions(of segment: SegmentReader) -> Set<String> {
        Set((segment.footer.metadata["dimensions"] ?? "").split(separator: ",").map(String.init))
    }

    static func localDay(_ t: Int64, _ zone: ZoneOffsets) -> Int64 {
        let local = t + zone.offset(atUTC: t)
        return local >= 0 ? local / 86400 : (local - 86399) / 86400
    }

    /// UTC instants [start of --from, start of the day after --to) in the zone.
    static func timeRange(_ q: AggregateQuery, zone: ZoneOffsets) throws -> Range<Int64>? {
        guard q.from != nil || q.to != nil else { return nil }
        func start(_ text: String, plusDays: Int64) throws -> Int64 {
            guard let label = TimeResolver.parse(text), !label.hasTimeOfDay else {
                throw ColanError(.usage, "'\(text)' is not a date; expected YYYY-MM-DD")
            }
            let local = label.seconds + plusDays * 86400
            // The first instant of the local day (midnight, or later if midnight is skipped).
            for shift in stride(from: Int64(0), through: 7200, by: 1800) {
                if let t = zone.instants(forLocal: local + shift).first { return t }
            }
            return local - zone.offset(atUTC: local)
        }
        let lo = try q.from.map { try start($0, plusDays: 0) } ?? Int64.min
        let hi = try q.to.map { try start($0, plusDays: 1) } ?? Int64.max
        guard lo < hi else { throw ColanError(.usage, "--from \(q.from ?? "") is after --to \(q.to ?? "")") }
        return lo..<hi
    }

    /// "did you mean X? " for the known name closest to `name`, or "".
    static func suggestion(_ name: String, _ known: [String]) -> String {
        func distance(_ a: String, _ b: String) -> Int {
            let a = Array(a.lowercased()), b = Array(b.lowercased())
            var row = Array(0...b.count)
            for i in 1...max(a.count, 1) where !a.isEmpty {
                var previous = row[0]
                row[0] = i
                for j in 1...max(b.count, 1) where !b.isEmpty {
                    let old = row[j]
                    row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                    previous = old
                }
            }
            return row[b.count]
        }
        guard let best = known.min(by: { distance(name, $0) < distance(name, $1) }),
              distance(name, best) <= max(3, name.count / 2) else { return "" }
        return "did you mean '\(best)'? "
    }
}

func formatMilliseconds(_ s: Double) -> String {
    let tenths = Int((s * 10_000).rounded())
    return "\(tenths / 10).\(tenths % 10)"
}
