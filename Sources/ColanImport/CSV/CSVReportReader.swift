import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import ColanSupport
import ColanCatalog

/// Reads CSV downloads (Amagi v1 scheduled reports, or any CSV with a
/// header): header names matched leniently against the catalog, values typed
/// by inference. A 0-byte or header-only file is an empty report.
enum CSVReportReader {
    static func read(_ bytes: UnsafeRawBufferPointer, path: String, options: ImportOptions) throws -> [ImportedReport] {
        guard let (header, fresh, scanner) = try readHeader(bytes) else { return [] }
        var columns = fresh
        var rows = 0
        var lines = RowLines()
        if bytes.count - scanner.position >= options.parallelCSVBytes,
           let chunked = readInChunks(bytes, from: scanner.position, firstLine: scanner.nextLine, header: header, columns: fresh,
                                      chunkBytes: max(1, options.parallelCSVBytes / 2), kernel: options.csvRowKernel,
                                      doneWithBytes: options.doneWithBytes) {
            (columns, rows, lines) = (chunked.columns, chunked.rows, chunked.lines)
        } else {
            var body = CSVScanner(continuing: scanner)
            try readRows(&body, header: header, into: &columns, rows: &rows, lines: &lines, kernel: options.csvRowKernel)
        }
        guard rows > 0 else { return [] }
        let kind = inferKind(columns)
        return [try ReportImporter.assemble(path: path, kind: kind, columns: columns, rows: rows, options: options,
                                            interval: nil, totals: [:], locate: { "line \(lines.line(of: $0))" })]
    }

    /// The header's names and an empty builder for each, and the scanner past the header;
    /// nil for a file without a header (empty, or blank lines only).
    static func readHeader(_ bytes: UnsafeRawBufferPointer) throws -> (header: [String], columns: [ColumnBuilder], scanner: CSVScanner)? {
        // The header on the general path: whether the body is plain is decided by its readers
        // (by each chunk of a big file, in parallel; by one scan for the rest).
        var scanner = CSVScanner(bytes, plain: false)
        var fields: [CSVScanner.Field] = []
        guard try scanner.next(into: &fields) else { return nil }
        let header = try fields.map { try scanner.string($0).trimmingWhitespace() }
        if let empty = header.firstIndex(of: "") {
            throw ColanError(.importing, "column \(empty + 1) of the header has no name", location: "line \(scanner.line)")
        }
        return (header, header.map { ColumnBuilder(name: $0, catalog: Catalog.field(named: $0)) }, scanner)
    }

    /// Reads the records from the scanner's position to its end into `columns`.
    /// `kernel`: plain rows go through `PlainCSVKernel` (`ImportOptions.csvRowKernel`).
    static func readRows(_ scanner: inout CSVScanner, header: [String], into columns: inout [ColumnBuilder],
                         rows: inout Int, lines: inout RowLines, kernel: Bool) throws {
        // Field by field, straight into the column builders (no per-record array of fields).
        // Once a column's kind is settled, its usual values skip the general typing: text
        // that cannot be a number into a text column, plain digits into an integer column.
        // In a plain file, rows go to the row kernel once every column has a shortcut; a row
        // it cannot take comes here, and the kernel tries again after it (or after 256 rows
        // when it took few: frequent empty fields, say).
        var shortcuts = columns.map(\.shortcut)
        let useKernel = kernel && scanner.plain
        var settled = !shortcuts.contains(.none)
        var beforeKernel = 0
        while true {
            if useKernel, settled, beforeKernel <= 0 {
                let taken = PlainCSVKernel.read(&scanner, into: &columns, rows: &rows, lines: &lines)
                beforeKernel = taken >= 64 ? 1 : 256
            }
            beforeKernel -= 1
            guard scanner.beginRecord() else { break }
            let line = scanner.line
            lines.record(row: rows, line: line)
            var c = 0
            while true {
                let (field, last) = try scanner.nextField()
                if c < columns.count {
                    let raw = UnsafeRawBufferPointer(rebasing: scanner.bytes[field.range])
                    var done = false
                    if !field.quoted, let first = raw.first {
                        switch shortcuts[c] {
                        case .text where !mayBeNumber(raw, first: first):
                            done = columns[c].appendTextToText(raw)
                        case .int where raw.count <= 18 && first >= 48 && first <= 57:
                            var value: Int64 = 0
                            done = true
                            for b in raw {
                                let digit = b &- 48
                                if digit > 9 { done = false; break }
                                value = value &* 10 &+ Int64(digit)  // 18 digits cannot overflow
                            }
                            if done { columns[c].appendNaturalToInts(value) }
                        default:
                            break
                        }
                    }
                    if !done {
                        do {
                            // The closure captures integers only: capturing `header` costs reference counting per field.
                            try append(field, in: scanner.bytes, to: &columns[c]) { "line \(line), column \(c + 1)" }
                        } catch var error as ColanError {
                            error.location = "line \(line), column \(c + 1) ('\(header[c])')"
                            throw error
                        }
                        if shortcuts[c] != columns[c].shortcut {
                            shortcuts[c] = columns[c].shortcut
                            settled = !shortcuts.contains(.none)
                        }
                    }
                }
                c += 1
                if last { break }
            }
            guard c == header.count else {
                throw ColanError(.importing, "row has \(c) fields, the header has \(header.count)", location: "line \(line)")
            }
            rows += 1
        }
    }

    /// Reads the records of a big plain file (no quotes: every line feed ends a
    /// record) in chunks split at line feeds, on all cores, and joins the
    /// chunks' columns. The result equals a read from start to end: each
    /// chunk's dictionaries list values in order of first appearance, as the
    /// joined one does. Returns nil (the caller then reads sequentially, which
    /// also reports the first error in file order exactly) when a chunk is not
    /// plain (each checks its own bytes) or fails, or a chunk typed a column
    /// differently, or converted one after its start.
    static func readInChunks(_ bytes: UnsafeRawBufferPointer, from body: Int, firstLine: Int, header: [String],
                             columns fresh: [ColumnBuilder], chunkBytes: Int, kernel: Bool,
                             doneWithBytes: (() -> Void)? = nil) -> (columns: [ColumnBuilder], rows: Int, lines: RowLines, lineFeeds: Int)? {
        let chunkCount = min(256, max(2, (bytes.count - body) / chunkBytes))
        var starts = [body]
        for k in 1..<chunkCount {
            let guess = max(body + k * (bytes.count - body) / chunkCount, starts[starts.count - 1])
            guard guess < bytes.count, let base = bytes.baseAddress,
                  let lf = memchr(base + guess, 10, bytes.count - guess) else { break }
            let start = base.distance(to: UnsafeRawPointer(lf)) + 1
            if start > starts[starts.count - 1], start < bytes.count { starts.append(start) }
        }
        starts.append(bytes.count)
        let bounds = starts
        let file = UncheckedSendable(bytes)  // read only, by every job
        struct Chunk { var columns: [ColumnBuilder]; var rows: Int; var lines: RowLines; var lineFeeds: Int }
        let results = Slots<Chunk>(count: bounds.count - 1)
        DispatchQueue.concurrentPerform(iterations: bounds.count - 1) { k in
            let chunk = UnsafeRawBufferPointer(rebasing: file.value[bounds[k]..<bounds[k + 1]])
            // A quote may hide a line feed inside a field, so a chunk boundary may be wrong: give up.
            guard CSVScanner.isPlain(chunk) else { return }
            var scanner = CSVScanner(chunk, plain: true)
            scanner.position = 0  // a byte order mark is only skipped at the start of the file
            var columns = fresh, rows = 0, lines = RowLines()
            guard (try? readRows(&scanner, header: header, into: &columns, rows: &rows, lines: &lines, kernel: kernel)) != nil else { return }
            results.set(k, Chunk(columns: columns, rows: rows, lines: lines, lineFeeds: scanner.nextLine - 1))
        }
        let chunks = results.values
        guard chunks.allSatisfy({ $0 != nil }) else { return nil }
        // Every chunk parsed: the file's bytes are not needed again (if the join below fails, the
        // sequential read maps them in again from the page cache).
        doneWithBytes?()
        // Columns are joined independently, on all cores.
        let joined = Slots<ColumnBuilder>(count: fresh.count)
        let parts = chunks.map { $0!.columns }
        DispatchQueue.concurrentPerform(iterations: fresh.count) { c in
            if let column = ColumnBuilder.joined(parts.map { $0[c] }) { joined.set(c, column) }
        }
        guard joined.completed == fresh.count else { return nil }
        let columns = joined.filled
        // Rows and lines: each chunk counted its own from 0 and 1.
        var rows = 0, lines = RowLines(), line = firstLine
        for chunk in chunks.map({ $0! }) {
            lines.append(chunk.lines, rowOffset: rows, lineOffset: line - 1)
            rows += chunk.rows
            line += chunk.lineFeeds
        }
        return (columns, rows, lines, line - firstLine)
    }

    /// A CSV with viewership metric columns is a viewership report; other known metrics name their kinds.
    static func inferKind(_ columns: [ColumnBuilder]) -> String {
        let names = Set(columns.compactMap { $0.catalog?.name })
        if names.contains("impressions") || names.contains("adRequests") || names.contains("adOpportunities") {
            return names.contains("contentId") ? "adContentAnalytics" : "adAnalytics"
        }
        if names.contains("concurrentUsers") { return "concurrentUsers" }
        if names.contains("numberOfSession") || names.contains("viewershipMinutes") {
            return names.contains("contentId") && !names.contains("numberOfSession") ? "contentAnalytics" : "viewershipAnalytics"
        }
        if names == ["uniqueViewers", "time"] || (names.contains("uniqueViewers") && names.count <= 3) { return "uniqueViewersAnalytics" }
        return "generic"
    }

    /// Whether `append` could read the bytes as a number: they start like one
    /// and hold only digits, signs, '.', 'e' and 'E' ("2024-05-01 10:00:00" cannot).
    @inline(__always) static func mayBeNumber(_ raw: UnsafeRawBufferPointer, first: UInt8) -> Bool {
        guard first == 45 || (first >= 48 && first <= 57) else { return false }
        return raw.allSatisfy { ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 46 || $0 == 101 || $0 == 69 || $0 == 43 }
    }

    /// Types one field from its bytes: empty is null; an unquoted integer or
    /// decimal is a number; anything else is text.
    static func append(_ field: CSVScanner.Field, in bytes: UnsafeRawBufferPointer, to column: inout ColumnBuilder,
                       _ location: () -> String) throws {
        let raw = UnsafeRawBufferPointer(rebasing: bytes[field.range])
        if raw.isEmpty { column.appendNull(); return }
        if !field.quoted, let first = raw.first, first == 45 || (first >= 48 && first <= 57) {
            var value: Int64 = 0
            var ok = true, overflow = false
            let negative = first == 45
            var digits = 0
            for i in (negative ? 1 : 0)..<raw.count {
                let b = raw[i]
                guard b >= 48 && b <= 57 else { ok = false; break }
                digits += 1
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = negative ? m.subtractingReportingOverflow(Int64(b - 48)) : m.addingReportingOverflow(Int64(b - 48))
                if o1 || o2 { overflow = true }
                value = a
            }
            if ok && digits > 0 {
                if overflow {
                    throw ColanError(.importing, "number \(String(decoding: raw, as: UTF8.self)) in '\(column.name)' is beyond the 64-bit integer range",
                                     location: location())
                }
                try column.appendInt(value, location)
                return
            }
            if raw.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 46 || $0 == 101 || $0 == 69 || $0 == 43 }),
               let d = Double(String(decoding: raw, as: UTF8.self)), d.isFinite {
                try column.appendDouble(d, location)
                return
            }
        }
        try CSVScanner.withUnescaped(field, in: bytes) { try column.appendText($0, location) }
    }
}

/// The first line of each row of a CSV file, kept as the rows where the count
/// broke from "one more than the row before" (a blank line, a quoted line
/// break): errors found after parsing still name their line, at no cost per row.
struct RowLines {
    private var breaks: [(row: Int, line: Int)] = []

    /// Appends the lines of the rows that follow: `other`'s rows and lines shifted by the offsets.
    mutating func append(_ other: RowLines, rowOffset: Int, lineOffset: Int) {
        for b in other.breaks { record(row: b.row + rowOffset, line: b.line + lineOffset) }
    }

    /// Notes that `row` starts on `line`; rows must come in order.
    @inline(__always) mutating func record(row: Int, line: Int) {
        if let last = breaks.last, last.line + (row - last.row) == line { return }
        breaks.append((row, line))
    }

    /// The line `row` starts on (row must have been recorded).
    func line(of row: Int) -> Int {
        var lo = 0, hi = breaks.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if breaks[mid].row <= row { lo = mid } else { hi = mid - 1 }
        }
        return breaks[lo].line + (row - breaks[lo].row)
    }
}
