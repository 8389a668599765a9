import ColanSupport
import ColanColumns
import ColanCatalog
import ColanFormat

/// What `colan verify` found.
public struct VerifyReport: Sendable {
    /// Segments whose every checksum was verified.
    public var segmentsChecked = 0
    /// Checksum and decoding failures, naming file, row group and column.
    public var corruptions: [ColanError] = []
    /// Imported responses whose rows were compared with their totals block.
    public var sourcesChecked = 0
    /// Where rows do not add up to the vendor's totals: one line each.
    public var differences: [String] = []
    /// Responses with totals that could not be checked, and why.
    public var notChecked: [String] = []
    /// Raw responses kept by `colan pull` whose checksum and manifest record were checked.
    public var rawChecked = 0
}

extension Store {
    /// The counts a totals block is checked against: each summed over a response's rows.
    static let checkedColumns = ["numberOfSession", "viewershipMinutes", "uniqueViewers", "adOpportunities", "adRequests",
                                 "adResponses", "adAssets", "impressions"]

    /// A vendor total and how colan recomputes it from the sums of a response's rows (`rows`: its row count).
    struct TotalCheck {
        var total: String
        var compute: (_ sums: [String: Int64], _ rows: Int) -> Double?
        /// Whether the vendor's figure is a rounded ratio (compared to within 0.01).
        var ratio = false
        /// The column a plain sum adds up (named in the difference).
        var column: String? = nil
    }

    /// The totals each report kind's responses carry, and their recomputation (docs/METRICS.md, "colan verify").
    static func totalChecks(kind: String) -> [TotalCheck] {
        func sum(_ total: String, _ c: String) -> TotalCheck { TotalCheck(total: total, compute: { sums, _ in sums[c].map(Double.init) }, column: c) }
        func perRow(_ c: String) -> ([String: Int64], Int) -> Double? { { sums, rows in rows == 0 ? nil : Double(sums[c] ?? 0) / Double(rows) } }
        func ratio(_ a: String, _ b: String, _ scale: Double = 1) -> ([String: Int64], Int) -> Double? {
            { sums, _ in
                guard let x = sums[a], let y = sums[b], y != 0 else { return nil }
                return Double(x) * scale / Double(y)
            }
        }
        switch ReportKind(rawValue: kind)?.family {
        case .viewership:
            return [
                sum("totalSessions", "numberOfSession"),
                sum("totalViewershipMinutes", "viewershipMinutes"),
                TotalCheck(total: "avgSessionDuration", compute: ratio("viewershipMinutes", "numberOfSession"), ratio: true),
                TotalCheck(total: "dailyAverageSessionCount", compute: perRow("numberOfSession"), ratio: true),
                TotalCheck(total: "dailyAverageViewershipMinutes", compute: perRow("viewershipMinutes"), ratio: true),
                TotalCheck(total: "dailyAverageNumberOfViewers", compute: perRow("uniqueViewers"), ratio: true),
                TotalCheck(total: "hourlyAverageSessionCount", compute: perRow("numberOfSession"), ratio: true),
                TotalCheck(total: "hourlyAverageViewershipMinutes", compute: perRow("viewershipMinutes"), ratio: true),
                TotalCheck(total: "hourlyAverageNumberOfViewers", compute: perRow("uniqueViewers"), ratio: true),
            ]
        case .adFunnel:
            return [
                sum("totalAdOpportunitiesDetected", "adOpportunities"),
                sum("totalAdRequestsSent", "adRequests"),
                sum("totalAdResponsesReceived", "adResponses"),
                sum("totalAdAssetsReceived", "adAssets"),
                sum("totalImpressionsRecorded", "impressions"),
                TotalCheck(total: "totalConversionRate", compute: ratio("impressions", "adAssets", 100), ratio: true),
            ]
        case nil:
            return []
        }
    }

    /// Verifies every chunk checksum of every committed segment, and, for each
    /// imported response that carried a totals block (or a row count), whether its rows
    /// still add up to what the vendor reported.
    public func verify() -> VerifyReport {
        var report = VerifyReport()
        // Per source id: rows present, and sums and maxima of the checked columns.
        var rows: [Int64: Int] = [:]
        var sums: [Int64: [String: Int64]] = [:]
        var maxima: [Int64: [String: Int64]] = [:]
        for entry in manifest.segments {
            report.segmentsChecked += 1
            do {
                let reader = try SegmentReader(path: segmentPath(entry))
                try reader.verify()
                guard reader.schema.index(of: "_source") != nil else { continue }
                for g in reader.footer.rowGroups.indices {
                    let source = try reader.read(column: "_source", rowGroup: g)
                    guard case .int64(let ids) = source.values else { continue }
                    var columns: [(String, AlignedBuffer<Int64>)] = []
                    for column in Self.checkedColumns where reader.schema.index(of: column) != nil {
                        if case .int64(let v) = try reader.read(column: column, rowGroup: g).values { columns.append((column, v)) }
                    }
                    // A file's rows lie in runs of one source id: each run is summed, then recorded once.
                    var start = 0
                    while start < source.count {
                        let id = ids.pointer[start]
                        var end = start + 1
                        while end < source.count && ids.pointer[end] == id { end += 1 }
                        rows[id, default: 0] += end - start
                        for (name, values) in columns {
                            var sum: Int64 = 0, largest = Int64.min
                            for i in start..<end {
                                sum &+= values.pointer[i]
                                largest = max(largest, values.pointer[i])
                            }
                            sums[id, default: [:]][name, default: 0] += sum
                            maxima[id, default: [:]][name] = max(maxima[id]?[name] ?? largest, largest)
                        }
                        start = end
                    }
                }
            } catch let error as ColanError {
                report.corruptions.append(error.inFile(segmentPath(entry)))
            } catch {
                report.corruptions.append(ColanError(.store, "\(error)", file: segmentPath(entry)))
            }
        }
        let countKeys = ["contentCount", "adContentCount"]
        for source in manifest.sources {
            let checks = Self.totalChecks(kind: source.kind).filter { source.totals[$0.total] != nil }
            let headline = Catalog.uniqueViewersHeadlines.first { source.totals[$0.key] != nil }?.key
            let count = countKeys.first { source.totals[$0] != nil }
            guard !checks.isEmpty || headline != nil || count != nil || source.totals["aggregatedViewers"] != nil else { continue }
            let id = Int64(source.id)
            guard rows[id, default: 0] == source.rows else {
                report.notChecked.append("\(source.path): \(source.rows - rows[id, default: 0]) of its \(source.rows) rows were replaced by a later import")
                continue
            }
            report.sourcesChecked += 1
            let own = sums[id] ?? [:]
            func show(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v) }
            for check in checks {
                guard let text = source.totals[check.total], let expected = Double(text) else { continue }
                guard let actual = check.compute(own, source.rows) else { continue }
                let differs = check.ratio ? abs(actual - expected) > 0.01 : actual != expected
                if differs, let column = check.column {
                    let delta = actual - expected
                    report.differences.append("\(source.path): \(check.total) is \(text) in the response, its rows' \(column) add up to \(show(actual)) (\(delta > 0 ? "+" : "")\(show(delta)))")
                } else if differs {
                    let delta = actual - expected
                    report.differences.append("\(source.path): \(check.total) is \(text) in the response; its rows give \(show(check.ratio ? (actual * 100).rounded() / 100 : actual))"
                                              + (check.ratio ? "" : " (\(delta > 0 ? "+" : "")\(show(delta)))"))
                }
            }
            // The count is the whole query's (every page of it): a page holds at most that many.
            if let count, let text = source.totals[count], let expected = Int(text), source.rows > expected {
                report.differences.append("\(source.path): \(count) is \(expected) in the response, but it holds \(source.rows) rows")
            }
            // Distinct counts: one row's count is the range's; several rows' counts bound it from above
            // (their sum) and below (their largest).
            let viewersKey = headline ?? (source.totals["aggregatedViewers"] != nil ? "aggregatedViewers" : nil)
            if let viewersKey, let text = source.totals[viewersKey], let expected = Int64(text), let total = own["uniqueViewers"] {
                let largest = maxima[id]?["uniqueViewers"] ?? 0
                if source.rows == 1 && headline == nil && total != expected {
                    report.differences.append("\(source.path): \(viewersKey) is \(expected) in the response, its row's uniqueViewers is \(total)")
                } else if expected > total {
                    report.differences.append("\(source.path): \(viewersKey) is \(expected) in the response, more than its rows' viewers add up to (\(total))")
                } else if expected < largest {
                    report.differences.append("\(source.path): \(viewersKey) is \(expected) in the response, fewer than its largest row's viewers (\(largest))")
                }
            }
            if source.totals["aggregatedViewers"] != nil, let sessions = own["numberOfSession"], let text = source.totals["avgSessionPerViewer"],
               let expected = Double(text), let viewers = source.totals["aggregatedViewers"].flatMap(Double.init), viewers > 0,
               abs(Double(sessions) / viewers - expected) > 0.01 {
                report.differences.append("\(source.path): avgSessionPerViewer is \(text) in the response; totalSessions / aggregatedViewers gives \(show((Double(sessions) / viewers * 100).rounded() / 100))")
            }
        }
        verifyRawResponses(into: &report)
        return report
    }
}
