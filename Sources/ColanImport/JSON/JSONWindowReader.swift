import ColanSupport
import ColanCatalog

/// Reads a big JSON file window by window, as `CSVWindowReader` reads a CSV file: its rows
/// array (a bare array of row objects, or the one rows array of a response object) in windows
/// of about `windowBytes` of whole rows, each made into a report and handed on before the next
/// is read, so an import holds a window's rows, not the file's. Everything else a response
/// holds (date range, totals, request URL) is read first, with the rows array skipped.
///
/// The reports equal a read of the whole file (`JSONReportReader.read`), settled as the CSV
/// reader settles them (`WindowSettlement`): the columns (a name first seen in a later
/// window is a column of every row, null before), their kinds, the interval and the zone; when
/// a later window needs more after pieces were handed on, the read stops with
/// `WindowSettlement.Unsettled` and is done again in the widened settlement.
enum JSONWindowReader {
    /// What a read in windows gave: the main report's kind and totals (the manifest records them).
    struct Read {
        let kind: String
        let totals: [String: String]
    }

    /// Reads `bytes` (a JSON file's whole content) window by window, in `settled`, handing each
    /// window's report to `deliver` and each window's byte range to `doneWith` once read. Returns
    /// nil, having handed nothing on, when the file is not one rows array that windows can take (a
    /// response with channel lists or an exact distinct count, or without rows): the caller reads it whole.
    /// - Throws: `WindowSettlement.Unsettled`, or a `ColanError` naming the row, as a whole read would.
    static func read(_ bytes: UnsafeRawBufferPointer, path: String, options: ImportOptions, windowBytes: Int,
                     settled start: WindowSettlement, doneWith: (Range<Int>) -> Void,
                     deliver: (ImportedReport) throws -> Void) throws -> Read? {
        var scanner = JSONScanner(bytes)
        var outline: JSONReportReader.Outline?
        var rowsAt: Int?
        if scanner.peek() == 91 {
            rowsAt = scanner.position
        } else {
            // The rows are passed over by their brackets (the windows read them), their pages let go
            // as the skip goes.
            var done = 0
            let read = try JSONReportReader.outline(&scanner, options: options) { s in
                rowsAt = s.position
                try s.skipStructure(every: max(1, windowBytes)) { at in
                    doneWith(done..<at)
                    done = at
                }
                return ([], 0, [])
            }
            // Channel lists beside the rows, and an exact distinct count (whose scope may be recorded
            // from every row's times), are small responses' traits: those are read whole.
            guard read.channels.isEmpty, read.kind != nil, read.request.exactViewers == nil else { return nil }
            outline = read
            doneWith(done..<scanner.position)
        }
        guard let rowsAt else { return nil }
        var settled = start
        var delivered: Read?
        var rows = JSONScanner(bytes)
        rows.position = rowsAt
        var continuing = false
        var rowsBefore = 0
        while true {
            let from = rows.position
            let seed = zip(settled.names ?? [], settled.kinds ?? []).map { name, kind in
                ColumnBuilder(name: name, catalog: Catalog.field(named: name)).seeded(kind)
            }
            let (columns, count, offsets, ended) = try JSONReportReader.readRows(&rows, kernel: options.jsonRowKernel, seed: seed,
                                                                              continuing: continuing, stopAfter: from + max(1, windowBytes),
                                                                              rowsBefore: rowsBefore)
            continuing = true
            if ended, outline == nil { try rows.expectEnd() }
            doneWith(from..<(ended ? bytes.count : rows.position))
            if count > 0 {
                // Columns and kinds: a window read in the settled ones ends in them unless it met a new
                // name or a value that widened a kind.
                let names = columns.map(\.name), kinds = columns.map(\.kind)
                if names != settled.names || kinds != settled.kinds {
                    var wider = settled
                    (wider.names, wider.kinds) = (names, kinds)
                    if delivered != nil { throw WindowSettlement.Unsettled(settled: wider) }
                    settled = wider
                }
                let locate = { [rowsBefore] (row: Int) in JSONReportReader.locate(bytes, offsets, row, rowsBefore: rowsBefore) }
                var report: ImportedReport
                if let outline {
                    report = try ReportImporter.assemble(path: path, kind: outline.kind!, columns: columns, rows: count,
                                                         options: outline.options, interval: outline.interval, totals: outline.reportTotals,
                                                         request: outline.request, locate: locate)
                } else {
                    report = try ReportImporter.assemble(path: path, kind: JSONReportReader.bareArrayKind(columns), columns: columns,
                                                         rows: count, options: options, interval: nil, totals: [:], locate: locate)
                }
                let wider = settled.widened(by: &report)
                if wider != settled {
                    if delivered != nil { throw WindowSettlement.Unsettled(settled: wider) }
                    settled = wider
                }
                try deliver(report)
                if delivered == nil { delivered = Read(kind: report.kind, totals: report.totals) }
                rowsBefore += count
            }
            if ended { break }
        }
        return delivered
    }
}
