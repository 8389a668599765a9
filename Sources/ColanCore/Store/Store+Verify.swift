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
}

extension Store {
    /// The totals the vendor reports with viewership rows, and how colan recomputes each.
    static let checkedTotals: [(total: String, column: String)] = [
        ("totalSessions", "numberOfSession"),
        ("totalViewershipMinutes", "viewershipMinutes"),
    ]

    /// Verifies every chunk checksum of every committed segment, and, for each
    /// imported response that carried a totals block, whether its rows still
    /// add up to what the vendor reported.
    public func verify() -> VerifyReport {
        var report = VerifyReport()
        // Per source id: rows present and sums of the checked columns.
        var rows: [Int64: Int] = [:]
        var sums: [Int64: [String: Int64]] = [:]
        var viewers: [Int64: Int64] = [:]
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
                    for (_, column) in Self.checkedTotals + [("aggregatedViewers", "uniqueViewers")] where reader.schema.index(of: column) != nil {
                        if case .int64(let v) = try reader.read(column: column, rowGroup: g).values { columns.append((column, v)) }
                    }
                    for i in 0..<source.count {
                        let id = ids.pointer[i]
                        rows[id, default: 0] += 1
                        for (name, values) in columns {
                            if name == "uniqueViewers" { viewers[id, default: 0] += values.pointer[i] } else {
                                sums[id, default: [:]][name, default: 0] += values.pointer[i]
                            }
                        }
                    }
                }
            } catch let error as ColanError {
                report.corruptions.append(error.inFile(segmentPath(entry)))
            } catch {
                report.corruptions.append(ColanError(.store, "\(error)", file: segmentPath(entry)))
            }
        }
        for source in manifest.sources where Self.checkedTotals.contains(where: { source.totals[$0.total] != nil }) {
            let id = Int64(source.id)
            guard rows[id, default: 0] == source.rows else {
                report.notChecked.append("\(source.path): \(source.rows - rows[id, default: 0]) of its \(source.rows) rows were replaced by a later import")
                continue
            }
            report.sourcesChecked += 1
            for (total, column) in Self.checkedTotals {
                guard let text = source.totals[total], let expected = Int64(text) else { continue }
                let actual = sums[id]?[column] ?? 0
                if actual != expected {
                    report.differences.append("\(source.path): \(total) is \(expected) in the response, its rows' \(column) add up to \(actual) (\(actual - expected > 0 ? "+" : "")\(actual - expected))")
                }
            }
            // Unique viewers add up only when the response has one row.
            if source.rows == 1, let text = source.totals["aggregatedViewers"], let expected = Int64(text), let actual = viewers[id], actual != expected {
                report.differences.append("\(source.path): aggregatedViewers is \(expected) in the response, its row's uniqueViewers is \(actual)")
            }
        }
        return report
    }
}
