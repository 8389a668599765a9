#if canImport(Glibc)
import Glibc
#endif
import ColanSupport
import ColanCatalog

/// Reads a big CSV file window by window (docs/DECISIONS.md, "A big file in windows"): each
/// window, a few tens of megabytes of whole records, is parsed (in chunks on all cores when
/// plain), made into a report and handed on before the next is read, so an import holds a
/// window's rows, not the file's.
///
/// The rows, values and report equal a read of the whole file (`CSVReportReader.read`). What a
/// whole read decides from every row, the windows settle as they go (`WindowSettlement`): a column's
/// kind (a later window's decimal makes an integer column hold floats), the interval (an hour
/// past midnight in a later window makes daily rows hourly) and the zone (a later local time
/// label makes "Z"-stamped rows the file's zone). Later windows are read in what earlier ones
/// settled; when one needs more (a column's kind widens, a finer interval) after pieces were
/// handed on, the read stops with `WindowSettlement.Unsettled` and is done again, from the
/// start, in the widened settlement. Each repeat widens something for good, so repeats are few
/// (none in a file whose first window shows every kind and interval).
enum CSVWindowReader {
    /// Reads `bytes` (a CSV file's whole content) window by window of about `windowBytes`,
    /// in `settled`, handing each window's report to `deliver` and each window's byte range to
    /// `doneWith` once parsed (its pages may go back). Returns the report kind, nil for a file
    /// without rows.
    /// - Throws: `WindowSettlement.Unsettled` (see above), or a `ColanError` naming the line, as a whole read would.
    static func read(_ bytes: UnsafeRawBufferPointer, path: String, options: ImportOptions, windowBytes: Int, settled start: WindowSettlement,
                     doneWith: (Range<Int>) -> Void, deliver: (ImportedReport) throws -> Void) throws -> String? {
        guard let (header, fresh, headerScanner) = try CSVReportReader.readHeader(bytes) else { return nil }
        let kind = CSVReportReader.inferKind(fresh)
        let timeField = fresh.firstIndex { $0.catalog?.role == .time }
        var settled = start
        var delivered = false
        let folds = FoldOccurrences()
        var from = headerScanner.position, line = headerScanner.nextLine
        while from < bytes.count {
            // Cut as if the window held no quote; its chunks check that they hold none (a plain read).
            var end = windowEnd(bytes, from: from, windowBytes: windowBytes, timeField: timeField, quotes: false)
            var window = UnsafeRawBufferPointer(rebasing: bytes[from..<end])
            var columns = settled.kinds.map { kinds in zip(fresh, kinds).map { $0.seeded($1) } } ?? fresh
            var rows = 0, lines = RowLines(), lineFeeds = 0
            if window.count >= options.parallelCSVBytes,
               let chunked = CSVReportReader.readInChunks(window, from: 0, firstLine: line, header: header, columns: columns,
                                                          chunkBytes: max(1, options.parallelCSVBytes / 2), kernel: options.csvRowKernel) {
                (columns, rows, lines, lineFeeds) = chunked
            } else {
                if let base = window.baseAddress, memchr(base, 34, window.count) != nil {
                    // Quotes: a line feed inside a quoted field ends no record, so cut again minding them.
                    end = windowEnd(bytes, from: from, windowBytes: windowBytes, timeField: nil, quotes: true)
                    window = UnsafeRawBufferPointer(rebasing: bytes[from..<end])
                }
                var scanner = CSVScanner(window: window, firstLine: line)
                try CSVReportReader.readRows(&scanner, header: header, into: &columns, rows: &rows, lines: &lines, kernel: options.csvRowKernel)
                lineFeeds = scanner.nextLine - line
            }
            doneWith(from..<end)
            from = end
            line += lineFeeds
            guard rows > 0 else { continue }

            // Kinds: a window read in the settled kinds ends in them unless its values widened one.
            let kinds = columns.map(\.kind)
            if kinds != settled.kinds {
                var wider = settled
                wider.kinds = kinds
                if delivered { throw WindowSettlement.Unsettled(settled: wider) }
                settled = wider
            }
            var report = try ReportImporter.assemble(path: path, kind: kind, columns: columns, rows: rows, options: options,
                                                     interval: nil, totals: [:], folds: folds, locate: { "line \(lines.line(of: $0))" })
            let wider = settled.widened(by: &report)
            if wider != settled {
                if delivered { throw WindowSettlement.Unsettled(settled: wider) }
                settled = wider
            }
            try deliver(report)
            delivered = true
        }
        return delivered ? kind : nil
    }

    /// The end of the last line before `cut` (a line's start, after `from`) whose field
    /// `timeField` differs from the one of the line ending at `cut`; nil when every line of
    /// the window has the same time (no quotes in `from..<cut`).
    private static func timeChange(_ bytes: UnsafeRawBufferPointer, from: Int, cut: Int, timeField: Int) -> Int? {
        /// The start of the line ending just before `end` (a line feed at `end - 1`).
        func lineStart(before end: Int) -> Int {
            var i = end - 2
            while i >= from && bytes[i] != 10 { i -= 1 }
            return i + 1
        }
        /// The bytes of the line's time field, as a range.
        func field(of start: Int) -> Range<Int> {
            var i = start, commas = 0
            while i < cut && bytes[i] != 10 && commas < timeField {
                if bytes[i] == 44 { commas += 1 }
                i += 1
            }
            var end = i
            while end < cut && bytes[end] != 44 && bytes[end] != 10 { end += 1 }
            return i..<end
        }
        let last = field(of: lineStart(before: cut))
        var end = lineStart(before: cut)
        while end > from {
            let start = lineStart(before: end)
            let time = field(of: start)
            if !bytes[time].elementsEqual(bytes[last]) { return end }
            end = start
        }
        return nil
    }

    /// Where the window starting at `from` (a record's start) ends: after the last line feed
    /// that ends a record within `windowBytes`, looking further (twice as far each time) when
    /// none does (a record longer than a window); the file's end at the latest. Without
    /// `quotes` every line feed ends a record (the caller checks the window holds no quote),
    /// and the cut moves back to where field `timeField` (the time) last changes, so a file in
    /// time order gives windows of disjoint times (the store then joins them into a segment
    /// without sorting them again).
    static func windowEnd(_ bytes: UnsafeRawBufferPointer, from: Int, windowBytes: Int, timeField: Int?, quotes: Bool) -> Int {
        var reach = max(1, windowBytes)
        while from + reach < bytes.count {
            let limit = from + reach
            if !quotes {
                // No quote: every line feed ends a record.
                // (Backwards from the limit: a record is short. memrchr is a GNU extension Swift does not see.)
                var i = limit - 1
                while i >= from && bytes[i] != 10 { i -= 1 }
                if i >= from {
                    guard let timeField else { return i + 1 }
                    return timeChange(bytes, from: from, cut: i + 1, timeField: timeField) ?? i + 1
                }
            } else {
                // Quotes: a line feed inside a quoted field ends nothing. The window starts outside
                // quotes; each quote toggles (a doubled quote toggles twice).
                var quoted = false, cut = -1
                for i in from..<limit {
                    let b = bytes[i]
                    if b == 34 { quoted.toggle() } else if b == 10 && !quoted { cut = i + 1 }
                }
                if cut > from { return cut }
            }
            reach *= 2
        }
        return bytes.count
    }
}
