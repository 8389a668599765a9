import ColanSupport
@_spi(Benchmarks) import ColanTime
import ColanCatalog
import ColanStore
import ColanEngine

extension ReportData {
    /// Runs the report's rollups over `store`. A section whose reports the store lacks (or that a
    /// filter does not apply to) is left out, with a note when a filter or zone is why.
    public static func gather(_ request: Request, store: Store) throws -> ReportData {
        let zone = try ZoneOffsets.named(request.zone)
        let kinds = Set(store.segments.map(\.kind))
        // The newest day holding data, in the zone: the default range ends there.
        // (of viewership when the store holds it: the report the page is about).
        let main = kinds.contains("viewershipAnalytics") ? store.segments.filter { $0.kind == "viewershipAnalytics" } : store.segments
        let newest = main.compactMap(\.maxTime).max().map { BucketTable.floorDiv($0 + zone.offset(atUTC: $0), 86400) }
        let last = try request.to.map(ResultShaping.day) ?? newest ?? 0
        let first = try request.from.map(ResultShaping.day) ?? last - 27
        guard first <= last else { throw ColanError(.usage, "--from \(request.from ?? "") is after --to \(request.to ?? "")") }
        var data = ReportData(request: request, days: first...last)
        data.newestDay = newest
        let days = Array(first...last)

        func query(_ report: String, by: [String] = [], interval: BucketInterval = .total, metrics: [String] = [],
                   range: ClosedRange<Int64>? = nil) -> AggregateQuery {
            var q = AggregateQuery()
            q.report = report
            q.by = by
            q.interval = interval
            q.zone = request.zone
            q.filters = request.filters
            q.metrics = metrics
            let r = range ?? first...last
            q.from = ResultShaping.label(r.lowerBound)
            q.to = ResultShaping.label(r.upperBound)
            return q
        }
        /// Runs a section's query; a store without what it needs leaves the section out.
        func run(_ q: AggregateQuery, section: String) -> AggregateResult? {
            guard kinds.contains(q.report) else { return nil }
            do {
                let result = try AggregateEngine.run(q, store: store)
                for note in result.notes where !data.notes.contains(note) { data.notes.append(note) }
                return result
            } catch let error as ColanError {
                // A breakdown the store does not have is simply not shown; anything else is said.
                if error.reason != .noSuchBreakdown {
                    data.notes.append("\(section) left out: \(error.message)")
                }
                return nil
            } catch {
                return nil
            }
        }
        func column(_ r: AggregateResult, _ name: String) -> Int? { r.columns.firstIndex(of: name) }
        func dayIndex(_ label: ResultValue) -> Int? {
            guard case .text(let t) = label, let parsed = TimeResolver.parse(t) else { return nil }
            let d = BucketTable.floorDiv(parsed.seconds, 86400) - first
            return d >= 0 && d < days.count ? Int(d) : nil
        }

        // KPI cards: the range against the same number of days before it.
        var kpi = query("viewershipAnalytics", metrics: ["totalViewershipMinutes", "totalSessions", "aggregatedViewers",
                                                          "avgSessionDuration", "avgSessionPerViewer"])
        kpi.compare = .previous
        var cu = query("concurrentUsers", metrics: ["concurrentUsersMax", "concurrentUsersAvg"])
        cu.compare = .previous
        for result in [run(kpi, section: "viewership figures"), run(cu, section: "concurrent users figures")].compactMap({ $0 }) {
            guard let row = result.rows.first else { continue }
            for (c, name) in result.columns.enumerated() where !name.hasSuffix("Previous") && !name.hasSuffix("Change") {
                guard let p = column(result, name + "Previous"), let x = column(result, name + "Change") else { continue }
                data.figures.append(Figure(name: name, value: row[c], previous: row[p], change: row[x]))
            }
        }

        // Daily minutes by device type (else channel), the previous period as a line.
        if kinds.contains("viewershipAnalytics") {
            for dimension in ["deviceType", "channelName"] {
                guard let result = run(query("viewershipAnalytics", by: [dimension], interval: .day, metrics: ["totalViewershipMinutes"]),
                                       section: "daily minutes") else { continue }
                var byValue: [String: [Double?]] = [:]
                for row in result.rows {
                    guard case .text(let value) = row[1], let d = dayIndex(row[0]) else { continue }
                    byValue[value, default: [Double?](repeating: nil, count: days.count)][d] = ResultShaping.number(row[2])
                }
                let ranked = byValue.keys.sorted { a, b in
                    let x = byValue[a]!.compactMap { $0 }.reduce(0, +), y = byValue[b]!.compactMap { $0 }.reduce(0, +)
                    return x != y ? x > y : a < b
                }
                var series = ranked.prefix(ranked.count > 8 ? 7 : 8).map { Series(name: $0, values: byValue[$0]!) }
                if ranked.count > 8 {
                    // "other": the rest, added day by day (minutes are additive).
                    var other = [Double?](repeating: nil, count: days.count)
                    for name in ranked.dropFirst(7) {
                        for (d, v) in byValue[name]!.enumerated() { if let v { other[d] = (other[d] ?? 0) + v } }
                    }
                    series.append(Series(name: "other (\(ranked.count - 7))", values: other))
                }
                let length = Int64(days.count)
                var previous = Series(name: "previous \(days.count) days", values: [Double?](repeating: nil, count: days.count))
                if let before = run(query("viewershipAnalytics", interval: .day, metrics: ["totalViewershipMinutes"],
                                          range: (first - length)...(first - 1)), section: "previous period") {
                    for row in before.rows {
                        guard case .text(let t) = row[0], let parsed = TimeResolver.parse(t) else { continue }
                        let d = BucketTable.floorDiv(parsed.seconds, 86400) - (first - length)
                        if d >= 0 && d < length { previous.values[Int(d)] = ResultShaping.number(row[1]) }
                    }
                }
                data.dailyMinutes = (dimension, series, previous)
                break
            }
            // Hour x weekday: the sums of the range's hour buckets (hourly reports only).
            if let hours = run(query("viewershipAnalytics", interval: .hour, metrics: ["totalViewershipMinutes"]), section: "hour and weekday map") {
                var cells = [[Double]](repeating: [Double](repeating: 0, count: 24), count: 7)
                for row in hours.rows {
                    guard case .text(let t) = row[0], let parsed = TimeResolver.parse(t) else { continue }
                    let d = BucketTable.floorDiv(parsed.seconds, 86400)
                    let weekday = Int(((d + 3) % 7 + 7) % 7)  // 1970-01-01 was a Thursday: Monday is 0
                    let hour = Int((parsed.seconds - d * 86400) / 3600)
                    cells[weekday][hour] += ResultShaping.number(row[1]) ?? 0
                }
                if !hours.rows.isEmpty { data.heatMap = cells }
            }
        }

        // Concurrency: each hour's peak and average of the per-minute sums.
        if let curve = run(query("concurrentUsers", interval: .hour, metrics: ["concurrentUsersMax", "concurrentUsersAvg"]),
                           section: "concurrency curve"), !curve.rows.isEmpty {
            data.concurrency = (curve.rows.map { ResultRenderer.text($0[0]) }, curve.rows.map { ResultShaping.number($0[1]) ?? 0 },
                                curve.rows.map { ResultShaping.number($0[2]) ?? 0 })
        }

        // Rankings: top content by minutes, then countries, devices and channels.
        var content = query("contentAnalytics", by: ["contentId", "contentName"],
                            metrics: ["totalViewershipMinutes", "avgSessionDuration", "totalSessions"])
        content.sort = [.init(column: "totalViewershipMinutes", descending: true)]
        content.limit = 20
        content.share = true
        if let result = run(content, section: "top content"), !result.rows.isEmpty {
            data.rankings.append(Ranking(title: "Top content by minutes", result: result))
        }
        for (dimension, title) in [("country", "Top countries"), ("deviceType", "Devices"), ("channelName", "Channels")] {
            var q = query("viewershipAnalytics", by: [dimension], metrics: ["totalViewershipMinutes", "totalSessions"])
            q.sort = [.init(column: "totalViewershipMinutes", descending: true)]
            q.limit = 10
            q.share = true
            if let result = run(q, section: title.lowercased()), !result.rows.isEmpty {
                data.rankings.append(Ranking(title: title + " by minutes", result: result))
            }
        }

        // The ad funnel.
        if let ad = run(query("adAnalytics"), section: "ad funnel"), let row = ad.rows.first {
            let steps = ["totalAdOpportunitiesDetected", "totalAdRequestsSent", "totalAdResponsesReceived", "totalAdAssetsReceived",
                         "totalImpressionsRecorded"].compactMap { name -> (String, Int64)? in
                guard let c = column(ad, name), case .integer(let v) = row[c] else { return nil }
                return (name, v)
            }
            if !steps.isEmpty { data.funnel = (steps, column(ad, "conversionRate").map { row[$0] } ?? .none) }
        }

        // Coverage: which days hold data, per report kind and channel.
        for kind in Catalog.amagiReportKinds.filter(kinds.contains) + ["smartsight"].filter(kinds.contains) {
            // Every day holding any of the kind's data ("all"), then each channel's days where reports name channels.
            var lines: [(String, [Bool])] = []
            for by in [[], ["channelId"]] {
                guard let result = by.isEmpty ? run(query(kind, interval: .day), section: "coverage of \(kind)")
                        : try? AggregateEngine.run(query(kind, by: by, interval: .day), store: store) else { continue }
                var perChannel: [String: [Bool]] = [:]
                for row in result.rows {
                    guard let d = dayIndex(row[0]) else { continue }
                    let channel = by.isEmpty ? "all" : ResultRenderer.text(row[1])
                    perChannel[channel, default: [Bool](repeating: false, count: days.count)][d] = true
                }
                if by.isEmpty && perChannel.isEmpty { perChannel["all"] = [Bool](repeating: false, count: days.count) }
                lines += perChannel.keys.sorted().map { ($0, perChannel[$0]!) }
            }
            for (channel, held) in lines { data.coverage.append(Coverage(report: kind, channel: channel, days: held)) }
        }
        return data
    }
}
