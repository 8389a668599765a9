import ColanSupport
@_spi(Benchmarks) import ColanTime
import ColanColumns
import ColanCatalog
import ColanStore

/// One segment's part in a query.
struct SegmentPlan {
    let segment: OpenSegment
    /// The cuboid's specific dimensions.
    let dimensions: Set<String>
    /// The report interval's rank (`ReportInterval.rank`, comparable with `BucketInterval.rank`).
    let rank: Int
    let interval: String
    /// The zone its rows are bucketed in: the query's, or with --approximate-zone its own for daily rows.
    let zone: ZoneOffsets
    /// The zone the report was downloaded in.
    let reportZone: ZoneOffsets
    /// Whether its uniqueViewers are exact for the query's groups.
    var exactViewers: Bool
    /// Dimensions beyond the query's that its rows are exact only where they hold one value per
    /// group: tracked per group by the scan (`QueryPlan.trackedSlices`).
    var sliceDims: [String] = []
    /// Indices of coarser segments whose rows may answer for some of this one's (the per-row rule).
    var coarser: [Int] = []
    /// Row groups to read (the others are skipped by statistics).
    var rowGroups: [Int] = []
}

/// What a query reads and how: chosen segments, metric definitions, the
/// columns to sum, and the explanation `--explain` prints.
struct QueryPlan {
    var query: AggregateQuery
    var zone: ZoneOffsets
    /// Dimensions grouped or filtered by, as stored (channelName read through channelId).
    var needed: Set<String>
    var segments: [SegmentPlan] = []
    var definitions: [MetricDefinitions.Definition] = []
    /// Summed columns, in accumulator order.
    var inputs: [String] = []
    /// Gauge columns.
    var gauges: [String] = []
    /// Columns averaged over rows (ratios, floats).
    var averages: [String] = []
    /// What the answer must say alongside it (printed as notes, kept in `AggregateResult.notes`).
    var notes: [String] = []
    /// Responses (indices into the manifest's sources) whose vendor-reported exact distinct counts may
    /// answer some output rows (docs/METRICS.md).
    var exactSources: [Int] = []
    /// Summed columns some segments lack (their output rows show them empty where no row had them).
    var lacking: Set<String> = []
    /// Slice dimensions whose values the scan tracks per group: an output row whose rows hold one value
    /// of each is one slice, so its distinct count is exact.
    var trackedSlices: [String] = []
    /// Whether the scan tracks each output row's first and last source id (to find rows that are one response).
    var trackSources = false
    var range: Range<Int64>?
    var dateRange: ClosedRange<Int64>?
    /// channelId -> channelName, from the imported channel lists.
    var channelNames: [String: String] = [:]
    var explain: [String] = []
}

enum QueryPlanner {
    static func plan(_ query: AggregateQuery, store: Store) throws -> QueryPlan {
        let kinds = Array(Set(store.segments.map(\.kind))).sorted()
        guard kinds.contains(query.report) else {
            let known = Array(Set(kinds + Catalog.amagiReportKinds)).sorted()
            if ReportKind(rawValue: query.report)?.isQueryable == true {
                throw ColanError(.query, "no \(query.report) reports imported yet",
                                 hint: kinds.isEmpty ? "the store is empty" : "this store holds: " + kinds.joined(separator: ", "))
            }
            throw ColanError(.query, "no '\(query.report)' reports in the store",
                             hint: AggregateEngine.suggestion(query.report, known) + "known report kinds: " + known.joined(separator: ", ")
                                 + (kinds.isEmpty ? "; the store is empty" : "; in this store: " + kinds.joined(separator: ", ")))
        }
        let zone = try ZoneOffsets.named(query.zone)
        var plan = QueryPlan(query: query, zone: zone, needed: [])
        (plan.range, plan.dateRange) = try timeRange(query, zone: zone)
        let opened = try store.open(kind: query.report, range: plan.range)
        let outside = store.segmentsOutside(kind: query.report, range: plan.range)
        // channelName is read through channelId and the imported channel lists.
        for list in try Catalog.channelListKinds.flatMap({ try store.open(kind: $0) }) {
            let table = try list.reader.readTable()
            guard let i = table.schema.index(of: "channelId"), let n = table.schema.index(of: "channelName"),
                  case .dictionary(let ids, let idCodes) = table.columns[i].values,
                  case .dictionary(let names, let nameCodes) = table.columns[n].values else { continue }
            for r in 0..<table.rowCount where plan.channelNames[ids[Int(idCodes[r])]] == nil {
                plan.channelNames[ids[Int(idCodes[r])]] = names[Int(nameCodes[r])]
            }
        }
        func dimensions(_ s: OpenSegment) -> Set<String> {
            Set(RowKeys.dimensions(ofCuboid: s.entry.cuboid))
        }
        // Names are checked against every segment of the report, not only those in the time range:
        // a range without data is an empty answer, not an unknown dimension.
        let storeDims = Set(store.segments.filter { $0.kind == query.report }.flatMap { RowKeys.dimensions(ofCuboid: $0.cuboid) })
        for dim in query.by + query.filters.keys.sorted() {
            let ok = storeDims.contains(stored(dim, in: storeDims))
            guard ok else {
                if Catalog.dimensionNames.contains(dim) {
                    var error = ColanError(.query, "no \(query.report) report in the store breaks down by \(dim)",
                                           hint: "dimensions in this store's \(query.report) reports: " + storeDims.sorted().joined(separator: ", "))
                    error.reason = .noSuchBreakdown
                    throw error
                }
                let known = Array(storeDims.union(Catalog.dimensionNames)).sorted()
                throw ColanError(.query, "unknown dimension '\(dim)' for \(query.report)",
                                 hint: AggregateEngine.suggestion(dim, known) + "known dimensions: " + known.joined(separator: ", "))
            }
        }
        let wanted = Set(query.by).union(query.filters.keys)
        // Candidates: segments holding every grouped and filtered dimension, at an interval the buckets can hold.
        var tooCoarse: [String] = []
        var zoneProblem: String?
        var zoneSkipped = 0
        var candidates: [SegmentPlan] = []
        for s in opened {
            let dims = dimensions(s)
            guard wanted.allSatisfy({ dims.contains(stored($0, in: dims)) }) else { continue }
            guard let cuboid = Cuboid(encoded: s.entry.cuboid) else {
                throw ColanError(.store, "segment \(s.entry.name) has the cuboid '\(s.entry.cuboid)', not KIND|INTERVAL|ZONE|DIMENSIONS: the store is corrupt",
                                 file: s.reader.path)
            }
            let parts = [cuboid.kind, cuboid.interval, cuboid.zone]
            // An interval this colan does not know is refused, never guessed.
            guard let rank = ReportInterval(rawValue: cuboid.interval)?.rank else {
                throw ColanError(.store, "segment \(s.entry.name) has the interval '\(cuboid.interval)', which this colan does not know",
                                 file: s.reader.path, hint: "a newer colan wrote it?")
            }
            if rank > query.interval.rank {
                tooCoarse.append("\(parts[1]) \(s.entry.name)")
                continue
            }
            let segmentZone = try ZoneOffsets.named(parts[2])
            // Daily and coarser rows are days of their own zone: they cannot be re-bucketed into another zone's days.
            let zoneMatters = query.interval != .total || plan.range != nil
            if rank >= 2, zoneMatters, parts[2] != query.zone, !(isUTC(parts[2]) && isUTC(query.zone)) {
                if !query.approximateZone {
                    zoneSkipped += 1
                    zoneProblem = "\(parts[1].lowercased()) rows of \(query.report) are days of \(parts[2]), which cannot be re-bucketed into \(query.zone) days"
                    continue
                }
            }
            // Hourly rows re-bucketed into days of a zone whose offset is not a whole number of hours from
            // the report's: each day boundary would cut an hour in two.
            if rank == 1, zoneMatters, query.interval != .hour, let lo = s.entry.minTime, let hi = s.entry.maxTime,
               let cut = firstCutHour(zone, segmentZone, from: lo, to: hi + 3600) {
                guard query.approximateZone else {
                    throw ColanError(.query, "\(query.zone) is \(describeOffset(zone.offset(atUTC: cut))) on \(String(CivilTime.format(cut).prefix(10))), "
                                     + "not a whole number of hours from \(parts[2]) (\(describeOffset(segmentZone.offset(atUTC: cut)))): "
                                     + "its \(query.interval == .total ? "days" : query.interval.rawValue + "s") would cut the report's hours in two",
                                     hint: "--approximate-zone puts each hour in the \(query.zone) \(query.interval == .total ? "day" : query.interval.rawValue) where it starts; "
                                         + "--interval hour labels each hour by its \(query.zone) start")
                }
                if !plan.notes.contains(where: { $0.hasPrefix("approximate zone") }) {
                    plan.notes.append("approximate zone: \(query.zone) is not a whole number of hours from \(parts[2]); "
                                      + "each hour is counted in the \(query.zone) \(query.interval == .total ? "day" : query.interval.rawValue) where it starts")
                    plan.explain.append("approximate zone: hourly rows of \(parts[2]) put in the \(query.zone) bucket where each hour starts")
                }
            }
            let storedNeeded = Set(wanted.map { stored($0, in: dims) })
            let exact = exactGrain(dims, needed: storedNeeded, rank: rank, query: query)
            candidates.append(SegmentPlan(segment: s, dimensions: dims, rank: rank, interval: parts[1],
                                          zone: query.approximateZone && rank >= 2 ? segmentZone : zone, reportZone: segmentZone,
                                          exactViewers: exact))
        }
        // No segment in the time range at all: the answer is empty (explain says so), not an error.
        if candidates.isEmpty && !opened.isEmpty {
            if let zoneProblem {
                throw ColanError(.query, zoneProblem, hint: "hourly data is needed for \(query.zone) buckets; --approximate-zone puts each day in \(query.zone)'s day of the same date")
            }
            if !tooCoarse.isEmpty {
                throw ColanError(.query, "the \(query.report) reports that break down by \(wanted.sorted().joined(separator: ",")) are too coarse for \(query.interval) buckets",
                                 hint: "use a longer --interval, or import finer reports")
            }
            let cuboids = Set(opened.map { "{" + dimensions($0).sorted().joined(separator: ",") + "}" }).sorted()
            var error = ColanError(.query, "no \(query.report) report breaks down by \(wanted.sorted().joined(separator: ", "))",
                                   hint: "the store holds the cuboids " + cuboids.joined(separator: " "))
            error.reason = .noSuchBreakdown
            throw error
        }
        plan.needed = Set(wanted.map { stored($0, in: candidates.first?.dimensions ?? []) })
        // A dimension with one value in everything the query reads slices nothing: a store holding one channel's
        // report answers its total exactly with or without --where channelId (one distinct count per cell).
        let constant = constantDimensions(candidates, except: plan.needed)
        if !constant.isEmpty {
            for i in candidates.indices where !candidates[i].exactViewers {
                let s = candidates[i]
                let storedNeeded = Set(wanted.map { stored($0, in: s.dimensions) })
                candidates[i].exactViewers = exactGrain(s.dimensions, needed: storedNeeded.union(constant), rank: s.rank, query: query)
            }
            plan.explain.append("one value in every segment read (so slicing nothing): " + constant.sorted().joined(separator: ", "))
        }
        // The per-row rule: a row is answered by a coarser row of the same kind that still holds every
        // needed dimension, agrees on its dimensions and covers its time. Decided per segment where
        // the coarser segments do not overlap it in time, so most segments are plain scans.
        for i in candidates.indices {
            let s = candidates[i]
            candidates[i].coarser = candidates.indices.filter { j in
                let c = candidates[j]
                guard j != i, c.dimensions.isSubset(of: s.dimensions), c.rank >= s.rank,
                      c.dimensions.count < s.dimensions.count || c.rank > s.rank else { return false }
                guard let a = s.segment.entry.minTime, let b = s.segment.entry.maxTime,
                      let lo = c.segment.entry.minTime, let hi = c.segment.entry.maxTime else { return true }
                // The coarser row's bucket starts at its time and may extend up to a month past it.
                return lo <= b && hi + 31 * 86400 >= a
            }
        }
        plan.segments = candidates
        // A customer-wide report (all of a customer's channels) answers for per-channel ones only where they
        // name their customer too; otherwise both are read and the same viewing may be counted twice.
        if candidates.contains(where: { $0.dimensions.contains("customerId") && !$0.dimensions.contains("channelId") }),
           candidates.contains(where: { $0.dimensions.contains("channelId") && !$0.dimensions.contains("customerId") }) {
            plan.notes.append("customer-wide reports and per-channel reports that name no customer are both read, so a channel's "
                              + "viewing may count twice; import per-channel reports with their customer (a customerId in the URL or --set customerId=...)")
        }
        let cuboids = Set(candidates.map { "\($0.interval) {\($0.dimensions.sorted().joined(separator: ","))}" }).sorted()
        let hiding = candidates.filter { !$0.coarser.isEmpty }.count
        plan.explain.append("cuboids: \(cuboids.isEmpty ? "none (no data in the time range)" : cuboids.joined(separator: ", ")): every one holding "
                            + (wanted.isEmpty ? "no dimension (totals)" : wanted.sorted().joined(separator: ","))
                            + "; a row is used unless a coarser row of the same slice and time exists")
        plan.explain.append("segments: \(candidates.count) read (\(candidates.count - hiding) plain scans, \(hiding) checked row by row "
                            + "against coarser ones), \(opened.count - candidates.count) of other cuboids skipped, \(outside) outside the time range skipped"
                            + (tooCoarse.isEmpty ? "" : ", \(tooCoarse.count) too coarse for \(query.interval) buckets skipped")
                            + (zoneSkipped == 0 ? "" : ", \(zoneSkipped) of daily rows in another zone skipped (--approximate-zone would use them)"))
        // Metric names are checked against the kind's reports even when none lies in the time range
        // (an empty answer, as for dimensions), not only against the segments read.
        try planMetrics(&plan, columns: plan.segments.isEmpty ? try store.open(kind: query.report).flatMap(\.reader.schema.columns)
                                                                : plan.segments.flatMap(\.segment.reader.schema.columns))
        planExactCounts(&plan, store: store)
        planSliceTracking(&plan, wanted: wanted)
        return plan
    }

    /// The responses whose exact distinct counts (docs/METRICS.md, "Exact distinct counts from the
    /// vendor") may answer an output row of this query: of its kind (a viewership query also takes
    /// unique-viewers headlines), with a recorded scope. Their scopes are parsed only for the output
    /// rows that need them (a store of pulled daily responses holds thousands). Source spans are
    /// tracked only when a row could hold exactly one response of the query's own kind.
    static func planExactCounts(_ plan: inout QueryPlan, store: Store) {
        let query = plan.query
        guard plan.inputs.contains("uniqueViewers") || plan.gauges.contains("uniqueViewers"), query.interval != .hour else { return }
        let kinds = [query.report] + (ReportKind(rawValue: query.report)?.exactViewersAlsoFrom.map { [$0.rawValue] } ?? [])
        let sources = store.manifest.sources
        plan.exactSources = sources.indices.filter { kinds.contains(sources[$0].kind) && sources[$0].totals[ExactViewers.scopeKey] != nil }
        guard plan.exactSources.contains(where: { sources[$0].kind == query.report }),
              plan.segments.allSatisfy({ $0.segment.reader.schema.index(of: "_source") != nil }) else { return }
        if query.by.isEmpty && query.interval == .total {
            // One output row: it holds one response only if every segment read holds that one only.
            var ids = Set<Int64>()
            for s in plan.segments {
                let reader = s.segment.reader
                guard let c = reader.schema.index(of: "_source") else { return }
                for group in reader.footer.rowGroups {
                    guard case .int(let lo, let hi) = group.chunks[c].statistics, lo == hi else { return }
                    ids.insert(lo)
                }
            }
            guard ids.count == 1 else { return }
        }
        plan.trackSources = true
    }

    /// Output rows whose rows come from one slice at the report's grain are exact even where the
    /// store holds other slices (other channels' days): for segments at the bucket's interval whose
    /// only extra dimensions are one or two, those dimensions' values are tracked per group, and a
    /// group holding one value of each is exact. More than three tracked in all, or none needed
    /// (no viewer metric), tracks nothing: the answer is the bound, as before.
    static func planSliceTracking(_ plan: inout QueryPlan, wanted: Set<String>) {
        let query = plan.query
        guard plan.inputs.contains("uniqueViewers") || plan.gauges.contains("uniqueViewers") else { return }
        var tracked = Set<String>()
        var chosen: [(Int, [String])] = []
        for (i, s) in plan.segments.enumerated() where !s.exactViewers {
            guard query.interval == .total || s.rank == query.interval.rank else { continue }
            let needed = Set(wanted.map { stored($0, in: s.dimensions) })
            guard needed.isSubset(of: s.dimensions) else { continue }
            let described = s.dimensions.filter { Catalog.describingDimensions[$0].map(needed.contains) ?? false }
            let extra = Catalog.slicing(s.dimensions).subtracting(Catalog.slicing(needed.union(described)))
            guard (1...2).contains(extra.count) else { continue }
            chosen.append((i, extra.sorted()))
            tracked.formUnion(extra)
        }
        guard !chosen.isEmpty, tracked.count <= 3 else { return }
        for (i, dims) in chosen {
            plan.segments[i].sliceDims = dims
            plan.segments[i].exactViewers = true
        }
        plan.trackedSlices = tracked.sorted()
        plan.explain.append("unique viewers: exact where an output row holds one value of " + plan.trackedSlices.joined(separator: ", ")
                            + " (tracked per row)")
    }

    /// Whether a segment's rows are at the query's grain, so that its distinct counts are exact:
    /// its dimensions are the needed ones (names describing a needed one aside), and its interval is
    /// the bucket's (for a total, the executor also checks each group spans one report interval).
    static func exactGrain(_ dims: Set<String>, needed: Set<String>, rank: Int, query: AggregateQuery) -> Bool {
        guard needed.isSubset(of: dims) else { return false }
        let described = dims.filter { Catalog.describingDimensions[$0].map(needed.contains) ?? false }
        return Catalog.slicing(dims) == Catalog.slicing(needed.union(described)) && (query.interval == .total || rank == query.interval.rank)
    }

    /// Dimensions outside `needed` that every candidate segment holds, with one and the same value
    /// (no nulls) in every row group: read from the footers' statistics, nothing decoded.
    static func constantDimensions(_ candidates: [SegmentPlan], except needed: Set<String>) -> Set<String> {
        guard let first = candidates.first else { return [] }
        var out = Set<String>()
        for dim in first.dimensions.subtracting(needed) where candidates.allSatisfy({ $0.dimensions.contains(dim) }) {
            var value: String?
            var constant = true
            for s in candidates where constant {
                let reader = s.segment.reader
                guard let c = reader.schema.index(of: dim) else { constant = false; break }
                for group in reader.footer.rowGroups {
                    guard group.chunks[c].nullCount == 0, case .string(let lo, let hi) = group.chunks[c].statistics, lo == hi,
                          value == nil || value == lo else { constant = false; break }
                    value = lo
                }
            }
            if constant && value != nil { out.insert(dim) }
        }
        return out
    }

    /// The first instant in [from, to) at which `zone` and `reportZone` are not a whole number of hours
    /// apart (Asia/Kolkata's +5:30 against US/Pacific, or any zone's odd historical offset), if any.
    static func firstCutHour(_ zone: ZoneOffsets, _ reportZone: ZoneOffsets, from: Int64, to: Int64) -> Int64? {
        // The difference changes only where either zone's offset does.
        let changes = [from] + (zone.changes(from: from, to: to) + reportZone.changes(from: from, to: to)).map(\.instant).sorted()
        return changes.first { (zone.offset(atUTC: $0) - reportZone.offset(atUTC: $0)) % 3600 != 0 }
    }

    /// "UTC+05:30".
    static func describeOffset(_ seconds: Int64) -> String {
        let m = abs(seconds) / 60
        return "UTC" + (seconds < 0 ? "-" : "+") + (m / 60 < 10 ? "0" : "") + "\(m / 60):" + (m % 60 < 10 ? "0" : "") + "\(m % 60)"
    }

    /// The stored dimension a grouped or filtered one is read from: channelName, where reports hold
    /// no such column, through channelId and the imported channel lists (`QueryPlan.channelNames`).
    /// The one place that rule is written.
    static func stored(_ dim: String, in dims: Set<String>) -> String {
        dim == "channelName" && !dims.contains("channelName") ? "channelId" : dim
    }

    /// A stored value as the grouped dimension shows it (a channel's name for channelName).
    static func shown(_ dim: String, _ value: String, _ plan: QueryPlan) -> String {
        dim == "channelName" ? plan.channelNames[value] ?? value : value
    }

    static func isUTC(_ zone: String) -> Bool { ["UTC", "Universal", "Etc/UTC", "Z"].contains(zone) }

    private static func planMetrics(_ plan: inout QueryPlan, columns: [ColumnSchema]) throws {
        let query = plan.query
        let defaults = MetricDefinitions.defaults(for: query.report, columns: columns)
        if query.metrics.isEmpty {
            plan.definitions = defaults
        } else {
            let named = defaults + MetricDefinitions.vendor(query.report)
            for name in query.metrics {
                let column = columns.first { c in
                    c.role != .time && c.role != .dimension && !c.name.hasPrefix("_") && (c.type == .int64 || c.type == .float64)
                        && (c.name == name || c.name + MetricDefinitions.rowAverageSuffix == name)
                }
                if let d = named.first(where: { $0.name == name }) {
                    plan.definitions.append(d)
                } else if let c = column {
                    let defs = MetricDefinitions.definitions(for: c)
                    let gauge = defs.first?.gauge != nil
                    plan.definitions += gauge && c.name == name ? defs : defs.filter { $0.name == name || defs.count == 1 }
                } else {
                    let numeric = columns.filter { $0.role != .time && $0.role != .dimension && !$0.name.hasPrefix("_") }
                        .flatMap { MetricDefinitions.definitions(for: $0).map(\.name) }
                    let known = Array(Set(named.map(\.name)).union(numeric)).sorted()
                    throw ColanError(.query, "unknown metric '\(name)' for \(query.report)",
                                     hint: AggregateEngine.suggestion(name, known) + "known metrics: " + known.joined(separator: ", "))
                }
            }
        }
        for d in plan.definitions {
            for i in d.inputs where !plan.inputs.contains(i) { plan.inputs.append(i) }
            if let g = d.gauge, !plan.gauges.contains(g.column) { plan.gauges.append(g.column) }
            if let a = d.rowAverage, !plan.averages.contains(a) { plan.averages.append(a) }
        }
        // A report lacking a metric's column counts nothing toward it (segments of one kind may differ
        // in columns); the answer says so. One holding it in another type is refused.
        var lacking: [String: [String]] = [:]
        for input in plan.inputs + plan.gauges {
            for s in plan.segments {
                guard let c = s.segment.reader.schema.columns.first(where: { $0.name == input }) else {
                    lacking[input, default: []].append(s.segment.entry.name)
                    continue
                }
                guard c.type == .int64 else {
                    throw ColanError(.query, "'\(input)' is \(c.type); only integer columns are summed", file: s.segment.reader.path)
                }
            }
        }
        for (input, names) in lacking.sorted(by: { $0.key < $1.key }) {
            if names.count == plan.segments.count {
                throw ColanError(.query, "no \(query.report) report in the store holds '\(input)'",
                                 hint: "the metrics asked for need it; leave out --metrics for the ones this store can answer")
            }
            plan.lacking.insert(input)
            plan.notes.append("\(names.count) of \(plan.segments.count) segments have no '\(input)' column: their rows count nothing toward it (empty where no row has it)")
            plan.explain.append("segments without '\(input)': " + names.joined(separator: ", "))
        }
    }

    /// UTC instants [start of --from, start of the day after --to) in the zone, and the local day numbers.
    static func timeRange(_ q: AggregateQuery, zone: ZoneOffsets) throws -> (Range<Int64>?, ClosedRange<Int64>?) {
        guard q.from != nil || q.to != nil else { return (nil, nil) }
        func day(_ text: String) throws -> Int64 {
            guard let label = TimeResolver.parse(text), !label.hasTimeOfDay else {
                throw ColanError(.usage, "'\(text)' is not a date; expected YYYY-MM-DD")
            }
            return label.seconds / 86400
        }
        func start(ofDay d: Int64) -> Int64 {
            // The first instant of the local day (midnight, or later if midnight is skipped).
            for shift in stride(from: Int64(0), through: 7200, by: 900) {
                if let t = zone.instants(forLocal: d * 86400 + shift).first { return t }
            }
            return d * 86400 - zone.offset(atUTC: d * 86400)
        }
        let first = try q.from.map(day)
        let last = try q.to.map(day)
        if let first, let last, first > last { throw ColanError(.usage, "--from \(q.from ?? "") is after --to \(q.to ?? "")") }
        let lo = first.map { start(ofDay: $0) } ?? Int64.min
        let hi = last.map { start(ofDay: $0 + 1) } ?? Int64.max
        var days: ClosedRange<Int64>?
        if let first, let last { days = first...last }
        return (lo..<hi, days)
    }
}
