import ColanSupport
import ColanCatalog
import ColanStore

/// A small response read but not yet assembled, waiting to join the responses beside it
/// (`ResponseRun`): its file's facts, its outline and rows, and a copy of its bytes (for the
/// messages of a response assembled alone after all).
struct ReadResponse {
    let path: String
    let hash: String
    let legacyHash: String?
    let bytes: [UInt8]
    let outline: JSONReportReader.Outline
    /// The rows read (an outline that `joinsOthers` has them).
    var table: JSONReportReader.RowsRead { outline.table! }
}

/// Consecutive responses of one report (a folder of one Amagi response per channel and day, in
/// name order) whose rows are assembled as one report and given to the store as one
/// (`IncomingRun`): each file still gets its own source, hash and totals, but the per-report work
/// (time labels resolved, columns built, the cuboid's metadata, the scan-order check, the store's
/// intake) is done once for the run instead of once per response.
///
/// Responses join while they agree on what shapes their rows: kind, interval, zone and filters,
/// and the same fields in the same order with the same kinds of values. A run whose rows would
/// not come out as the responses' own (a time naming no single instant, a file's times not all
/// after the one's before it, an error) is made into one file per response, exactly as each is
/// assembled alone; so is a run of one.
struct ResponseRun {
    /// Rows a run holds at most (a few segments' worth would make segments bigger than the files' would).
    static let maxRows = 65_536
    /// Files of at least this many bytes are parsed alone (`ImportJob.parseFile`).
    static let largestResponse = 256 << 10

    private(set) var members: [ReadResponse] = []
    private var rows = 0

    /// Whether `response` can join the run (any response can start one).
    func accepts(_ response: ReadResponse) -> Bool {
        guard let first = members.first else { return true }
        let a = first.outline, b = response.outline
        guard a.kind == b.kind, a.interval == b.interval, a.options.zone == b.options.zone, a.options.interval == b.options.interval,
              a.options.fixed == b.options.fixed, rows + response.table.rows <= Self.maxRows else { return false }
        // By index: iterating the builders would copy each (a retain of every array in it).
        guard let ours = a.table?.columns, let theirs = b.table?.columns, ours.count == theirs.count else { return false }
        for c in ours.indices where ours[c].kind != theirs[c].kind || ours[c].nameUTF8 != theirs[c].nameUTF8 { return false }
        return true
    }

    mutating func append(_ response: ReadResponse) {
        members.append(response)
        rows += response.table.rows
    }

    /// The run as the store takes it, or one file per response when they cannot be joined.
    func parsed() -> [ImportJob.Parsed] {
        guard members.count > 1 else { return alone() }
        let first = members[0]
        guard let kind = first.outline.kind else { return alone() }
        var columns: [ColumnBuilder] = []
        for c in first.table.columns.indices {
            guard let joined = ColumnBuilder.joined(members.map { $0.table.columns[c] }) else { return alone() }
            columns.append(joined)
        }
        do {
            let report = try ReportImporter.assemble(path: first.path, kind: kind, columns: columns, rows: rows, options: first.outline.options,
                                                     interval: first.outline.interval, totals: [:], joined: true, locate: { _ in "" })
            // What the manifest records of each file, as of a response assembled alone (its report's kind and totals).
            let files = try members.map { m in
                IncomingFile(path: m.path, hash: m.hash, legacyHash: m.legacyHash, bytes: m.bytes.count, reports: [],
                             mainKind: kind, totals: try m.outline.windowedTotals(zone: report.zone))
            }
            guard let run = IncomingRun(files: files, rows: members.map { $0.table.rows },
                                        report: IncomingReport(report, file: first.path, inScanOrder: false)) else { return alone() }
            return [.run(run)]
        } catch {
            return alone()
        }
    }

    /// Each response assembled alone, as a file parsed whole is.
    private func alone() -> [ImportJob.Parsed] {
        members.map { m in
            do {
                var reports = try m.bytes.withUnsafeBytes { try JSONReportReader.reports(m.outline, bytes: $0, path: m.path) }
                for r in reports.indices { reports[r].table.sortIntoScanOrder() }
                return .file(.success(IncomingFile(path: m.path, hash: m.hash, legacyHash: m.legacyHash, bytes: m.bytes.count, reports: reports,
                                                   reportsInScanOrder: true)))
            } catch let error as ColanError {
                return .file(.failure(error.inFile(m.path)))
            } catch {
                return .file(.failure(ColanError(.importing, "\(error)", file: m.path)))
            }
        }
    }
}
