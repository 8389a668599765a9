/// Reads CSV downloads (Amagi v1 scheduled reports, or any CSV with a
/// header): header names matched leniently against the catalog, values typed
/// by inference. A 0-byte or header-only file is an empty report.
enum CSVReportReader {
    static func read(_ bytes: UnsafeRawBufferPointer, path: String, options: ImportOptions) throws -> [ImportedReport] {
        var scanner = CSVScanner(bytes)
        var fields: [CSVScanner.Field] = []
        guard try scanner.next(into: &fields) else { return [] }
        let header = try fields.map { try scanner.string($0).trimmingWhitespace() }
        if let empty = header.firstIndex(of: "") {
            throw ColanError(.importing, "column \(empty + 1) of the header has no name", location: "line \(scanner.line)")
        }
        var columns = header.map { ColumnBuilder(name: $0, catalog: Catalog.field(named: $0)) }
        var rows = 0
        var lines = RowLines()
        // Field by field, straight into the column builders (no per-record array of fields).
        while scanner.beginRecord() {
            let line = scanner.line
            lines.record(row: rows, line: line)
            var c = 0
            while true {
                let (field, last) = try scanner.nextField()
                if c < columns.count {
                    do {
                        // The closure captures integers only: capturing `header` costs reference counting per field.
                        try append(field, scanner, to: &columns[c]) { "line \(line), column \(c + 1)" }
                    } catch var error as ColanError {
                        error.location = "line \(line), column \(c + 1) ('\(header[c])')"
                        throw error
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
        guard rows > 0 else { return [] }
        let kind = inferKind(columns)
        return [try ReportImporter.assemble(path: path, kind: kind, columns: columns, rows: rows, options: options,
                                            interval: nil, totals: [:], locate: { "line \(lines.line(of: $0))" })]
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

    /// Types one field from its bytes: empty is null; an unquoted integer or
    /// decimal is a number; anything else is text.
    static func append(_ field: CSVScanner.Field, _ scanner: CSVScanner, to column: inout ColumnBuilder,
                       _ location: () -> String) throws {
        let raw = scanner.raw(field)
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
        try scanner.withUnescaped(field) { try column.appendText($0, location) }
    }
}

/// The first line of each row of a CSV file, kept as the rows where the count
/// broke from "one more than the row before" (a blank line, a quoted line
/// break): errors found after parsing still name their line, at no cost per row.
struct RowLines {
    private var breaks: [(row: Int, line: Int)] = []

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
