import ColanSupport
import ColanCatalog

/// Reads a big JSON file window by window, as `CSVWindowReader` reads a CSV file: its rows
/// array (a bare array of row objects, or the one rows array of a response object) in windows
/// of about `windowBytes` of whole rows, each made into a report and handed on before the next
/// is read, so an import holds a window's rows, not the file's.
///
/// A response's other fields (date range, totals, request URL) may come before or after its
/// rows. The file is read once, front to back: the windows are made into reports as the fields
/// before the rows settle them, and the fields after are read last. When those change how the
/// rows assemble (a request URL's filters or zone, another rows array), the read stops with
/// `WindowSettlement.Unsettled` and is done again with the fields read first
/// (`WindowSettlement.fieldsFirst`: the rows array passed over by its brackets, then read in windows).
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

    /// A response windows do not take (`Outline.windowsTake`), known before its rows.
    private struct ReadWhole: Error {}

    /// Reads `bytes` (a JSON file's whole content) window by window, in `settled`, handing each
    /// window's report to `deliver` and each window's byte range to `doneWith` once read (in
    /// order, from the file's start). Returns nil when the file is not one rows array that windows
    /// can take (`Outline.windowsTake`: a response with channel lists, or an exact distinct count
    /// whose scope comes from every row's times, or without rows): the caller takes back what was
    /// handed on, if anything, and reads it whole.
    /// - Throws: `WindowSettlement.Unsettled`, or a `ColanError` naming the row, as a whole read would.
    static func read(_ bytes: UnsafeRawBufferPointer, path: String, options: ImportOptions, windowBytes: Int,
                     settled start: WindowSettlement, doneWith: (Range<Int>) -> Void,
                     deliver: (ImportedReport) throws -> Void) throws -> Read? {
        // The windows keep the two callbacks for the read's length only.
        try withoutActuallyEscaping(doneWith) { doneWith in
            try withoutActuallyEscaping(deliver) { deliver in
                var windows = Windows(bytes: bytes, path: path, windowBytes: max(1, windowBytes), settled: start,
                                      doneWith: doneWith, deliver: deliver)
                return try read(bytes, options: options, windows: &windows)
            }
        }
    }

    /// `read`, handing the windows to `windows`.
    private static func read(_ bytes: UnsafeRawBufferPointer, options: ImportOptions, windows: inout Windows) throws -> Read? {
        let start = windows.settled, windowBytes = windows.windowBytes
        var scanner = JSONScanner(bytes)
        if scanner.peek() == 91 {
            try windows.read(&scanner, outline: nil, options: options)
            try scanner.expectEnd()
            windows.done(upTo: bytes.count)
            return windows.delivered
        }
        if start.fieldsFirst {
            // The rows are passed over by their brackets (the windows read them next), their pages let go as the skip goes.
            var rowsAt: Int?
            let outline = try JSONReportReader.outline(&scanner, options: options) { s, _ in
                rowsAt = s.position
                try s.skipStructure(every: windowBytes) { at in windows.done(upTo: at) }
                return ([], 0, [])
            }
            guard outline.windowsTake, let rowsAt else { return nil }
            windows.done(upTo: scanner.position)
            var rows = JSONScanner(bytes)
            rows.position = rowsAt
            try windows.read(&rows, outline: outline, options: options)
            windows.done(upTo: bytes.count)
            return try windows.result(of: outline)
        }
        // One pass: the rows are read where they lie, assembled as the fields before them say.
        var before: JSONReportReader.Outline?
        let outline: JSONReportReader.Outline
        do {
            outline = try JSONReportReader.outline(&scanner, options: options) { s, fieldsBefore in
                // A second rows array (after a generic one) would replace the first: read the fields first.
                guard before == nil else { throw WindowSettlement.Unsettled(settled: start.readingFieldsFirst) }
                let known = try fieldsBefore()
                guard known.windowsTake else { throw ReadWhole() }
                before = known
                try windows.read(&s, outline: known, options: options)
                return ([], 0, [])
            }
        } catch is ReadWhole {
            return nil
        }
        windows.done(upTo: bytes.count)
        guard let before, outline.windowsTake else { return nil }
        // The fields after the rows changed how they assemble: read again, those fields first.
        guard outline.assemblesLike(before) else {
            if windows.delivered == nil { return nil }
            throw WindowSettlement.Unsettled(settled: start.readingFieldsFirst)
        }
        return try windows.result(of: outline)
    }

    /// The windows of one rows array, read and handed on in turn, and what they settled.
    private struct Windows {
        let bytes: UnsafeRawBufferPointer
        let path: String
        let windowBytes: Int
        var settled: WindowSettlement
        let doneWith: (Range<Int>) -> Void
        let deliver: (ImportedReport) throws -> Void
        /// The first window's report kind and totals, once one was handed on.
        var delivered: Read?
        /// The bytes handed to `doneWith` so far.
        var doneUpTo = 0
        /// The repeated local times of a fall-back night met so far (a pass's own).
        let folds = FoldOccurrences()

        init(bytes: UnsafeRawBufferPointer, path: String, windowBytes: Int, settled: WindowSettlement,
             doneWith: @escaping (Range<Int>) -> Void, deliver: @escaping (ImportedReport) throws -> Void) {
            (self.bytes, self.path, self.windowBytes, self.settled, self.doneWith, self.deliver) = (bytes, path, windowBytes, settled, doneWith, deliver)
        }

        /// What the windows of `outline`'s rows gave: nil when none was handed on.
        func result(of outline: JSONReportReader.Outline) throws -> Read? {
            guard let delivered else { return nil }
            return Read(kind: delivered.kind, totals: try outline.windowedTotals(zone: settled.zone ?? outline.options.zone))
        }

        /// Hands the bytes up to `end` not yet handed to `doneWith`.
        mutating func done(upTo end: Int) {
            guard end > doneUpTo else { return }
            doneWith(doneUpTo..<end)
            doneUpTo = end
        }

        /// Reads the rows array at the scanner (which ends after it) window by window, each
        /// assembled as `outline` says (a bare array's when nil), and hands each on.
        mutating func read(_ rows: inout JSONScanner, outline: JSONReportReader.Outline?, options: ImportOptions) throws {
            var continuing = false
            var rowsBefore = 0
            while true {
                let from = rows.position
                let seed = zip(settled.names ?? [], settled.kinds ?? []).map { name, kind in
                    ColumnBuilder(name: name, catalog: Catalog.field(named: name)).seeded(kind)
                }
                let (columns, count, offsets, ended) = try JSONReportReader.readRows(&rows, kernel: options.jsonRowKernel, seed: seed,
                                                                                  continuing: continuing, stopAfter: from + windowBytes,
                                                                                  rowsBefore: rowsBefore)
                continuing = true
                done(upTo: rows.position)
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
                    let bytes = bytes
                    let locate = { [rowsBefore] (row: Int) in JSONReportReader.locate(bytes, offsets, row, rowsBefore: rowsBefore) }
                    var report: ImportedReport
                    if let outline {
                        report = try ReportImporter.assemble(path: path, kind: outline.kind!, columns: columns, rows: count,
                                                             options: outline.options, interval: outline.interval, totals: outline.reportTotals,
                                                             request: outline.request, folds: folds, locate: locate)
                    } else {
                        report = try ReportImporter.assemble(path: path, kind: JSONReportReader.bareArrayKind(columns), columns: columns,
                                                             rows: count, options: options, interval: nil, totals: [:], folds: folds, locate: locate)
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
        }
    }
}
