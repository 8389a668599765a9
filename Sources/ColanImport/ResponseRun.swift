import ColanSupport
import ColanCatalog
import ColanTime
import ColanStore

/// A small response read but not yet assembled, a member of a `ResponseRun`: its file's facts,
/// its outline (its rows are the run's), its options (with its sidecars) and a copy of its bytes
/// (to read it again alone when the run is taken apart). A class: a run hands its members on by
/// reference (copying this many arrays and strings retained each, for every response).
final class ReadResponse {
    let path: String
    let hash: String
    let legacyHash: String?
    let bytes: [UInt8]
    let options: ImportOptions
    /// Its outline; its table's columns are the run's (empty here), its row count its own.
    private(set) var outline: JSONReportReader.Outline
    /// Its rows.
    var rows: Int { outline.table?.rows ?? 0 }

    init(path: String, hash: String, legacyHash: String?, bytes: [UInt8], options: ImportOptions, outline: JSONReportReader.Outline) {
        (self.path, self.hash, self.legacyHash, self.bytes, self.options, self.outline) = (path, hash, legacyHash, bytes, options, outline)
    }

    /// Its totals as the manifest records them (`Outline.takeWindowedTotals`), moved out of its outline.
    func takeWindowedTotals(zone: ZoneOffsets) -> [String: String] { outline.takeWindowedTotals(zone: zone) }

    /// Its rows' columns, moved out (a run's first response: they become the run's).
    func takeColumns() -> [ColumnBuilder] {
        defer { outline.table?.columns = [] }
        return outline.table?.columns ?? []
    }
}

/// Consecutive responses of one report (a folder of one Amagi response per channel and day, in
/// name order) whose rows are read into one set of columns, assembled as one report and given to
/// the store as one (`IncomingRun`): each file still gets its own source, hash and totals, but the
/// per-report work (columns made and joined, time labels hashed and resolved, the cuboid's
/// metadata, the scan-order check, the store's intake) is done once for the run.
///
/// The first response is read alone (its columns become the run's); a later one joins when the
/// fields before its rows agree with the first's on what shapes rows (kind, interval, zone,
/// filters) and the row kernel takes every row of it into the run's columns (the same fields in
/// the same order, values of the same kinds); its rows are taken back out when the fields after
/// them disagree, or it fails. A run whose rows would not come out as the responses' own (a time
/// naming no single instant, a file's times not all after the previous file's, an error) is
/// taken apart: each response read again alone, exactly as a file parsed whole.
struct ResponseRun {
    /// Rows a run holds at most (a few segments' worth would make segments bigger than the files' would).
    static let maxRows = 65_536
    /// Files of at least this many bytes are parsed alone (`ImportJob.parseFile`).
    static let largestResponse = 256 << 10

    private(set) var members: [ReadResponse] = []
    /// Every member's rows, in member order.
    private var columns: [ColumnBuilder] = []
    private var names: [[UInt8]] = []
    private var rows = 0
    /// Whether the row kernel can read rows into `columns` (text and whole-number columns).
    private(set) var takesRows = false
    /// The row offsets the kernel notes, not needed here: one array emptied for each response.
    private var offsets: [Int] = []
    /// What shapes the first member's rows (`accepts`), kept apart: reading it from the member's
    /// outline copied the whole outline twice for every response.
    private var shape: Shape?

    /// A response's kind, interval, zone and filters.
    private struct Shape: Equatable {
        let kind: String?
        let interval: String?
        let zone: String
        let optionsInterval: String?
        let fixed: [String: String]

        init(_ outline: JSONReportReader.Outline) {
            (kind, interval, zone) = (outline.kind, outline.interval, outline.options.zone)
            (optionsInterval, fixed) = (outline.options.interval, outline.options.fixed)
        }
    }

    /// An empty run (it takes no rows).
    init() {}

    /// A run begun by a response read into columns of its own.
    init(starting first: ReadResponse) {
        columns = first.takeColumns()
        names = columns.map(\.nameUTF8)
        rows = first.rows
        takesRows = !columns.isEmpty && KernelColumns.settledKinds(columns) != nil && rows < Self.maxRows
        members = [first]
        shape = Shape(first.outline)
    }

    /// What the run took of a response's rows, to take them back.
    struct Taken {
        let rows: Int
        fileprivate let rowsBefore: Int
        fileprivate let valuesBefore: [Int]
    }

    /// Whether a response whose fields settle `outline` (those before its rows, or all) shapes its
    /// rows as the first member's: kind, interval, zone and filters.
    func accepts(_ outline: JSONReportReader.Outline) -> Bool {
        guard let shape else { return false }
        return shape.kind == outline.kind && shape.interval == outline.interval && shape.zone == outline.options.zone
            && shape.optionsInterval == outline.options.interval && shape.fixed == outline.options.fixed
    }

    /// Reads a rows array (the scanner at its '[') into the run's columns through the row kernel;
    /// nil, nothing taken and the scanner where it was, unless the kernel takes every row (each
    /// with exactly the run's fields, in order, values of their kinds) and the run stays within `maxRows`.
    mutating func readRows(_ s: inout JSONScanner) -> Taken? {
        let start = s.position
        guard s.peek() == 91 else { return nil }
        s.position += 1
        guard s.peek() == 123 else {
            s.position = start
            return nil
        }
        if members.count == 1 {
            // A second response: sized for a chunk of responses like these (a column of values new in
            // every row, the times, would otherwise regrow its table as it fills). Not before: a folder
            // whose neighbours never join (named by date first) would size a run for each response.
            let expected = min(Self.maxRows, rows * ImportJob.chunkFiles)
            for c in columns.indices {
                columns[c].reserve(expected - rows)
                if columns[c].textValueCount == rows { columns[c].reserveTextValues(expected) }
            }
        }
        let valuesBefore = ColumnBuilder.textValueCounts(columns)
        var read = 0
        offsets.removeAll(keepingCapacity: true)
        let ended = JSONRowKernel.read(&s, into: &columns, names: names, rows: &read, offsets: &offsets).ended
        let taken = Taken(rows: read, rowsBefore: rows, valuesBefore: valuesBefore)
        guard ended, rows + read <= Self.maxRows else {
            takeBack(taken)
            s.position = start
            return nil
        }
        rows += read
        return taken
    }

    /// Takes a response's rows back out of the run's columns (they were the last read).
    mutating func takeBack(_ taken: Taken) {
        for c in columns.indices { columns[c].takeBack(to: taken.rowsBefore, values: taken.valuesBefore[c]) }
        rows = taken.rowsBefore
    }

    /// Adds a response whose rows `readRows` read.
    mutating func append(_ response: ReadResponse) {
        members.append(response)
    }

    /// The run as the store takes it; a run of one as its file; the responses read again alone when
    /// they cannot be joined.
    func parsed() -> [ImportJob.Parsed] {
        guard let first = members.first else { return [] }
        guard members.count > 1 else {
            // Its columns are its own: assembled as a whole read assembles them.
            var outline = first.outline
            outline.table?.columns = columns
            return [Self.file(first) { try first.bytes.withUnsafeBytes { try JSONReportReader.reports(outline, bytes: $0, path: first.path) } }]
        }
        guard let kind = first.outline.kind else { return alone() }
        do {
            let report = try ReportImporter.assemble(path: first.path, kind: kind, columns: columns, rows: rows, options: first.outline.options,
                                                     interval: first.outline.interval, totals: [:], joined: true, locate: { _ in "" })
            // What the manifest records of each file, as of a response assembled alone (its report's kind and totals).
            let zone = try ZoneOffsets.named(report.zone)
            let files = members.map { m in
                IncomingFile(path: m.path, hash: m.hash, legacyHash: m.legacyHash, bytes: m.bytes.count, reports: [],
                             mainKind: kind, totals: m.takeWindowedTotals(zone: zone))
            }
            guard let run = IncomingRun(files: files, rows: members.map(\.rows),
                                        report: IncomingReport(report, file: first.path, inScanOrder: false)) else { return alone() }
            return [.run(run)]
        } catch {
            return alone()
        }
    }

    /// Each response read again alone and assembled, as a file parsed whole is (its own messages).
    private func alone() -> [ImportJob.Parsed] {
        members.map { m in Self.file(m) { try m.bytes.withUnsafeBytes { try JSONReportReader.read($0, path: m.path, options: m.options) } } }
    }

    /// A member's file of the reports `read` makes, sorted, or its failure.
    private static func file(_ m: ReadResponse, _ read: () throws -> [ImportedReport]) -> ImportJob.Parsed {
        do {
            var reports = try read()
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
