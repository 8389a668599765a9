import ColanSupport
@_spi(Benchmarks) import ColanTime
import ColanColumns
import ColanCatalog
import ColanStore

/// Reads one saved export into typed columns: detects the source kind by
/// content (JSON object by its keys, JSON array, CSV), parses it strictly,
/// and attaches the report metadata (kind, interval, zone, fixed dimensions).
public enum ReportImporter {
    /// Imports the file at `path`. Returns no report for an empty download
    /// (0 bytes, whitespace, or a CSV header without rows), one or more otherwise.
    /// - Throws: `ColanError` naming the file, the place in it and what was expected.
    public static func importFile(_ path: String, options: ImportOptions) throws -> [ImportedReport] {
        let mapped = try MappedFile(path: path)
        do {
            return try RawResponses.withExpanded(mapped.bytes) { try importBytes($0, path: path, options: options) }
        } catch let error as ColanError {
            throw error.inFile(path)
        }
    }

    /// Imports bytes as if read from `path` (tests and fuzzing use this directly).
    public static func importBytes(_ bytes: UnsafeRawBufferPointer, path: String, options: ImportOptions) throws -> [ImportedReport] {
        var options = options
        try applySidecars(path: path, options: &options)
        return try importContent(bytes, path: path, options: options)
    }

    /// What `importPiece` makes of a file: its reports, or a response whose rows may join those of
    /// the responses beside it (`ResponseRun`): read into columns of its own, or into the run's.
    /// `options`: the file's, with its sidecars.
    enum Piece {
        case reports([ImportedReport])
        case response(JSONReportReader.Outline, options: ImportOptions)
        case joined(JSONReportReader.Outline, options: ImportOptions)
    }

    /// `importBytes`, except that a response `JSONReportReader.Outline.joinsOthers` says may join
    /// others comes back unassembled, its rows in `run`'s columns when the run takes them
    /// (`JSONReportReader.readPiece`).
    static func importPiece(_ bytes: UnsafeRawBufferPointer, path: String, options: ImportOptions,
                            joining run: inout ResponseRun) throws -> Piece {
        var options = options
        try applySidecars(path: path, options: &options)
        if let i = contentStart(bytes), bytes[i] == 123 {
            return try JSONReportReader.readPiece(bytes, path: path, options: options, joining: &run)
        }
        return .reports(try importContent(bytes, path: path, options: options))
    }

    /// Detects the kind of `bytes` and parses them (the sidecars already applied to `options`).
    static func importContent(_ bytes: UnsafeRawBufferPointer, path: String, options: ImportOptions) throws -> [ImportedReport] {
        guard let i = contentStart(bytes) else { return [] }
        if bytes[i] == 60 { throw htmlPage(bytes, from: i) }
        if bytes[i] == 123 || bytes[i] == 91 {
            return try JSONReportReader.read(bytes, path: path, options: options)
        }
        return try CSVReportReader.read(bytes, path: path, options: options)
    }

    /// Whether `bytes` are read as CSV (not JSON, an HTML page or a compressed response),
    /// as `importContent` decides; false for an empty file.
    static func isCSV(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let first = firstByte(bytes) else { return false }
        return first != 60 && first != 123 && first != 91
    }

    /// Whether `bytes` are read as JSON (an object or an array), as `importContent` decides.
    static func isJSON(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let first = firstByte(bytes) else { return false }
        return first == 123 || first == 91
    }

    /// The first byte after a byte-order mark and white space; nil for an empty or compressed file.
    private static func firstByte(_ bytes: UnsafeRawBufferPointer) -> UInt8? {
        if RawResponses.isCompressed(bytes) { return nil }
        return contentStart(bytes).map { bytes[$0] }
    }

    /// Where the content starts, after a byte-order mark and white space; nil when nothing does.
    private static func contentStart(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var i = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { i = 3 }
        while i < bytes.count, bytes[i] == 32 || bytes[i] == 9 || bytes[i] == 10 || bytes[i] == 13 { i += 1 }
        return i < bytes.count ? i : nil
    }

    /// Parses a fetched response as `colan import` will read it once saved with its request URL
    /// beside it (`colan pull` checks every response this way before keeping it).
    /// - Throws: a `ColanError` (an HTML page, a vendor's error body, truncated or malformed JSON).
    /// `facts`: what the kept URL file adds after the URL (`NAME=VALUE` lines).
    public static func importResponse(_ bytes: [UInt8], requestURL: String, facts: [(String, String)] = [],
                                      options: ImportOptions) throws -> [ImportedReport] {
        var options = options
        var parameters = RequestURL.parameters(requestURL)
        for (name, value) in facts { parameters[name] = value }
        try merge(parameters, into: &options, source: "the request URL")
        options.namePattern = nil
        return try bytes.withUnsafeBytes { raw in
            try RawResponses.withExpanded(raw) { content in
                try importContent(content, path: "response", options: options)
            }
        }
    }

    /// The error for a file that is an HTML page (a vendor's or a proxy's error page saved under
    /// the report's name), quoting its title when it has one.
    static func htmlPage(_ bytes: UnsafeRawBufferPointer, from start: Int) -> ColanError {
        // Lower-cased ASCII copy of the first 4 KiB, to find <title> (no Foundation in the core).
        let head = bytes[start..<min(bytes.count, start + 4096)].map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
        func find(_ text: String, from: Int) -> Int? {
            let needle = Array(text.utf8)
            guard head.count >= needle.count, from <= head.count - needle.count else { return nil }
            return (from...(head.count - needle.count)).first { head[$0..<($0 + needle.count)].elementsEqual(needle) }
        }
        var title = ""
        if let open = find("<title>", from: 0), let close = find("</title>", from: open + 7) {
            title = String(decoding: bytes[(start + open + 7)..<(start + close)], as: UTF8.self).trimmingWhitespace()
        }
        return ColanError(.importing, "the file is an HTML page, not a report" + (title.isEmpty ? "" : ": \"\(title)\""),
                          location: "byte \(start)", hint: "a saved error page? fetch the report again; nothing was imported from it")
    }

    /// What a response says of the request it answered, beyond its rows.
    struct RequestFacts: Sendable {
        /// The requested first and last local dates (YYYY-MM-DD), when the response names them.
        var from: String?
        var to: String?
        /// The exact distinct viewers of the whole requested period and slice
        /// (`aggregatedViewers`, a unique-viewers headline).
        var exactViewers: Int64?
        /// The interval the request asked for, when the rows are finer (unique viewers).
        var interval: String?
    }

    /// Reads filters from the file name pattern and a saved request URL beside the file.
    static func applySidecars(path: String, options: inout ImportOptions) throws {
        if let pattern = options.namePattern, let compiled = options.compiledNamePattern {
            // Matched on the name's UTF-8 bytes where they lie in the path (no String of the name, no copy).
            var bytes = path
            let values = bytes.withUTF8 { all in
                compiled.match(UnsafeBufferPointer(rebasing: all[((all.lastIndex(of: UInt8(ascii: "/")) ?? -1) + 1)...]))
            }
            guard let values else {
                throw ColanError(.importing, "file name does not match --name '\(pattern)'")
            }
            for (filter, value) in values { try apply(filter, value, into: &options, source: "the file name") }
        }
        // A request URL saved as FILE.url gives the query's parameters; further lines NAME=VALUE
        // give what the request did not say (`colan pull` writes the zone a scheduled report was
        // set up with). Known from the folder's listing, or checked with access(): most files
        // have none, and a failed read builds an error to throw away. A folder listed without
        // any is answered first, with no String made (every file of a folder of responses asks).
        if options.listing?.holdsNoSidecar(besideFileAt: path) == true { return }
        let sidecar = path + ".url"
        if options.listing?.contains(sidecar) ?? FileIO.exists(sidecar), let url = try? FileIO.read(sidecar), let text = UTF8Text.string(url) {
            try merge(RequestURL.sidecarParameters(text), into: &options, source: "\(path).url")
        }
    }

    static func merge(_ values: [String: String], into options: inout ImportOptions, source: String) throws {
        for (key, value) in values { try apply(Filter(key), value, into: &options, source: source) }
    }

    /// What a named value of a file name or a request URL sets.
    enum Filter: Sendable {
        case zone
        case interval
        /// The requested first or last date (`startDate`, `endDate`).
        case from, to
        /// A dimension, by its catalog name.
        case dimension(String)
        /// Nothing colan reads (a date, a page number...).
        case ignored

        init(_ key: String) {
            switch key {
            case "timezone", "tz": self = .zone
            case "interval": self = .interval
            case "startDate": self = .from
            case "endDate": self = .to
            default: self = Catalog.dimension(named: key).map(Filter.dimension) ?? .ignored
            }
        }
    }

    /// Sets `value` as `filter` says; a dimension given another value already is an error.
    static func apply(_ filter: Filter, _ value: String, into options: inout ImportOptions, source: String) throws {
        switch filter {
        case .zone: options.zone = value
        case .interval: options.interval = value.uppercased()
        case .from: options.requestedFrom = value
        case .to: options.requestedTo = value
        case .dimension(let dim):
            if let existing = options.fixed[dim] {
                guard existing == value else {
                    throw ColanError(.importing, "\(source) says \(dim)=\(value), but it is also given as \(existing)")
                }
                return
            }
            options.fixed[dim] = value
        case .ignored: break
        }
    }

    /// Builds the report table: time converted to UTC instants, fixed
    /// dimensions added as constant columns, then dimensions and metrics.
    /// `folds`: a file read in windows carries the local times a fall-back night repeats from window to window.
    /// `joined`: the rows are several responses' (`ResponseRun`): a time label naming no single
    /// instant, or labels both in UTC and local, throw `NotJoinable` (each response is assembled alone then).
    static func assemble(path: String, kind: String, columns: [ColumnBuilder], rows: Int, options: ImportOptions,
                         interval declared: String?, totals: [String: String], request: RequestFacts = RequestFacts(),
                         folds: FoldOccurrences? = nil, joined: Bool = false, locate: (Int) -> String) throws -> ImportedReport {
        let gauge = ReportKind(rawValue: kind)?.isGauge ?? false
        var zoneName = gauge ? "UTC" : options.zone
        let zone = try ZoneOffsets.named(zoneName)
        var schema: [ColumnSchema] = []
        var data: [ColumnData] = []
        var interval = (declared ?? options.interval)?.uppercased()
        let timeColumn = columns.first { $0.catalog?.role == .time }
        if let timeColumn {
            let times = try resolveTimes(timeColumn, columns: columns, rows: rows, zone: zone, folds: folds, joined: joined, locate: locate)
            if interval == nil {
                interval = (gauge || !times.allHours ? ReportInterval.instant : !times.allMidnight ? .hourly : .daily).rawValue
            }
            // Times written in UTC ("...Z", epoch numbers) make a UTC report whatever --tz says.
            if times.allUTC { zoneName = "UTC" }
            let instants = times.instants
            schema.append(ColumnSchema("time", .timestamp, .time))
            data.append(ColumnData(.int64(instants)))
        }
        if let interval, ReportInterval(rawValue: interval) == nil {
            throw ColanError(.importing, "interval '\(interval)' is not one colan knows",
                             hint: "known: " + ReportInterval.allCases.map(\.rawValue).joined(separator: ", "))
        }
        var seen = Set<String>(["time"])
        let kindFields = Catalog.kindFields[kind]
        for builder in columns where builder.catalog?.role != .time {
            var (column, values) = builder.build()
            if let canonical = kindFields?[Catalog.normalize(column.name)], let field = Catalog.field(named: canonical) {
                // A field this report kind names its own way (concurrent users' viewerCount).
                guard case .int64(let ints) = values.values, !ints.contains(where: { $0 < 0 }) else {
                    throw ColanError(.importing, "'\(builder.name)' must hold counts (whole numbers, not negative)")
                }
                column = ColumnSchema(canonical, .int64, field.role)
            }
            guard !seen.contains(column.name) else {
                throw ColanError(.importing, "two fields both mean '\(column.name)' (one is '\(builder.name)')")
            }
            seen.insert(column.name)
            if let fixed = options.fixed[column.name], column.role == .dimension,
               case .dictionary(let dictionary, let codes) = values.values,
               let bad = codes.first(where: { dictionary[Int($0)] != fixed }) {
                throw ColanError(.importing, "rows have \(column.name)=\(dictionary[Int(bad)]), but the report is given as \(column.name)=\(fixed)")
            }
            schema.append(column)
            data.append(values)
        }
        for (dim, value) in options.fixed.sorted(by: { $0.key < $1.key }) where !seen.contains(dim) {
            schema.append(ColumnSchema(dim, .string, .dimension))
            data.append(ColumnData(.dictionary(dictionary: [value], codes: [UInt32](repeating: 0, count: rows))))
        }
        var totals = totals
        if request.exactViewers != nil {
            recordExactScope(request: request, options: options, zone: zone, zoneName: zoneName,
                                 times: data.first.flatMap { if case .int64(let t) = $0.values { return t } else { return nil } },
                                 into: &totals)
        }
        return ImportedReport(file: path, kind: kind, interval: interval ?? (timeColumn == nil ? ReportInterval.none : .daily).rawValue,
                              zone: zoneName, fixed: options.fixed,
                              table: Table(schema: Schema(schema), columns: data), totals: totals)
    }

    /// Whether `recordExactScope` needs the rows' times: the requested dates are not known (from the
    /// response, its URL or its file name) and the request's interval is (a unique-viewers headline).
    static func exactScopeNeedsTimes(request: RequestFacts, options: ImportOptions) -> Bool {
        ((request.from ?? options.requestedFrom) == nil || (request.to ?? options.requestedTo) == nil) && request.interval != nil
    }

    /// Records, beside a response's totals, what the exact distinct viewers it reports are exact
    /// for: the requested local dates (from the response or its URL; for unique viewers without
    /// either, from the rows: the day of hourly rows, the 7 days from a week's first row, a month's
    /// first to last row), the zone and the slice (docs/STORE.md, `ExactViewers`).
    static func recordExactScope(request: RequestFacts, options: ImportOptions, zone: ZoneOffsets, zoneName: String,
                                 times: [Int64]?, into totals: inout [String: String]) {
        var from = request.from ?? options.requestedFrom, to = request.to ?? options.requestedTo
        if from == nil || to == nil, let interval = request.interval, let times, let lo = times.min(), let hi = times.max() {
            let first = BucketTable.floorDiv(lo + zone.offset(atUTC: lo), 86400), last = BucketTable.floorDiv(hi + zone.offset(atUTC: hi), 86400)
            let end = ReportInterval(rawValue: interval)?.days.map { first + Int64($0) - 1 } ?? last
            from = from ?? String(CivilTime.format(first * 86400).prefix(10))
            to = to ?? String(CivilTime.format(end * 86400).prefix(10))
        }
        // Dates in another form than YYYY-MM-DD leave the period unknown (the count then answers only a
        // row that holds exactly this response): a report is never refused for its URL's dates.
        func day(_ text: String?) -> String? {
            guard let text, let label = TimeResolver.parse(text), !label.hasTimeOfDay else { return nil }
            return text
        }
        let (first, last) = (day(from), day(to))
        totals[ExactViewers.scopeKey] = ExactViewers.scope(from: first == nil || last == nil ? nil : first,
                                                           to: first == nil || last == nil ? nil : last, zone: zoneName, fixed: options.fixed)
    }
}

extension ReportImporter {
    /// The UTC instant of every row's time value. Each distinct label is
    /// parsed and resolved in the zone once; only labels a fall-back night
    /// repeats are resolved row by row (the first row of a combination of the
    /// row's other non-metric fields takes the earlier instant, a repeat the later).
    /// `folds`: the repeats seen in earlier windows of a file read in windows (and those of this one, added).
    /// `joined`: several responses' rows (see `assemble`).
    static func resolveTimes(_ column: ColumnBuilder, columns: [ColumnBuilder], rows: Int, zone: ZoneOffsets, folds: FoldOccurrences? = nil,
                             joined: Bool = false, locate: (Int) -> String) throws -> (instants: [Int64], allMidnight: Bool, allHours: Bool, allUTC: Bool) {
        for row in 0..<rows where !column.isValid(row) {
            throw ColanError(.importing, "row has no '\(column.name)' value", location: locate(row))
        }
        if let ints = column.intValues {
            // Epoch numbers are UTC: seconds, or milliseconds when that large.
            let instants = ints.map { abs($0) > 100_000_000_000 ? $0 / 1000 : $0 }
            return (instants, instants.allSatisfy { $0 % 86400 == 0 }, instants.allSatisfy { $0 % 3600 == 0 }, true)
        }
        guard let codes = column.textCodes else {
            throw ColanError(.importing, "'\(column.name)' holds no times; expected YYYY-MM-DD or YYYY-MM-DD HH:MM:SS",
                             location: rows > 0 ? locate(0) : nil)
        }
        // Each label's instants (none in a gap, two in a fold), in flat arrays: no allocation per label,
        // and labels are parsed from their bytes (a String only for an error message).
        let labelCount = column.textValueCount
        func text(_ code: Int) -> String { column.withText(code) { String(decoding: $0, as: UTF8.self) } }
        var valid = [Bool](repeating: false, count: labelCount)
        var counts = [UInt8](repeating: 0, count: labelCount)
        var earlier = [Int64](repeating: 0, count: labelCount), later = earlier
        var allMidnight = true, allHours = true, allUTC = true, anyUTC = false
        // Labels come in the order first met: mostly rising, a day's hours sharing their date and
        // offset, which these keep (`TimeResolver.Parser`, `ZoneOffsets.LocalResolver`).
        var parser = TimeResolver.Parser()
        var resolver = ZoneOffsets.LocalResolver(zone)
        column.forEachText { code, bytes in
            guard let label = parser.parse(bytes) else { return }
            valid[code] = true
            if label.seconds % 86400 != 0 { allMidnight = false }
            if label.seconds % 3600 != 0 { allHours = false }
            if label.isUTC { anyUTC = true } else { allUTC = false }
            let (count, first, second) = label.isUTC ? (1, label.seconds, label.seconds) : resolver.localInstants(label.seconds)
            (counts[code], earlier[code], later[code]) = (UInt8(count), first, second)
        }
        // The usual report: every label names one instant (no gap, no fold), so each row's
        // instant is its label's, gathered in one tight pass (on all cores for a big file).
        if (0..<labelCount).allSatisfy({ valid[$0] && counts[$0] == 1 }) {
            // Responses whose labels differ in being UTC would each settle their own zone.
            if joined && anyUTC && !allUTC { throw NotJoinable() }
            let instants = KernelColumns.gather(codes, through: earlier)
            return (instants, allMidnight, allHours, allUTC && labelCount > 0)
        }
        // A fall-back night's repeat is told from its first occurrence within one response.
        if joined { throw NotJoinable() }
        var instants = [Int64](repeating: 0, count: rows)
        var occurrences: [[Int64]: Int] = [:]
        var others: [ColumnBuilder]?  // the dimensions telling a fold's two rows apart, found when first needed
        for row in 0..<rows {
            let code = Int(codes[row])
            guard valid[code] else {
                throw ColanError(.importing, "'\(text(code))' is not a time; expected YYYY-MM-DD or YYYY-MM-DD HH:MM:SS",
                                 location: locate(row))
            }
            switch counts[code] {
            case 1:
                instants[row] = earlier[code]
            case 0:
                throw ColanError(.importing, "local time \"\(text(code))\" does not exist in \(zone.name) (clocks jump forward then)",
                                 location: locate(row), hint: "check --tz; a real \(zone.name) export cannot contain it")
            default:
                if others == nil {
                    others = columns.filter { ($0.catalog?.role == .dimension || $0.catalog == nil) && $0.name != column.name }
                }
                let seen: Int
                if let folds {
                    // Across windows: the row's texts, not this window's codes.
                    var key = [text(code)]
                    for o in others ?? [] {
                        if let t = o.textCodes {
                            key.append(o.isValid(row) ? o.withText(Int(t[row])) { String(decoding: $0, as: UTF8.self) } : "")
                        } else if let i = o.intValues {
                            key.append(String(i[row]))
                        }
                        key.append(o.isValid(row) ? "1" : "0")
                    }
                    seen = folds.seen[key, default: 0]
                    if seen < 2 { folds.seen[key] = seen + 1 }
                } else {
                    var key: [Int64] = [Int64(code)]
                    for o in others ?? [] {
                        if let t = o.textCodes { key.append(Int64(t[row])) } else if let i = o.intValues { key.append(i[row]) }
                        key.append(o.isValid(row) ? 1 : 0)
                    }
                    seen = occurrences[key, default: 0]
                    if seen < 2 { occurrences[key] = seen + 1 }
                }
                guard seen < 2 else {
                    throw ColanError(.importing, "local time \"\(text(code))\" repeats more often than \(zone.name) repeats it",
                                     location: locate(row))
                }
                instants[row] = seen == 0 ? earlier[code] : later[code]
            }
        }
        return (instants, allMidnight, allHours, allUTC && labelCount > 0)
    }
}

/// Thrown by `ReportImporter.assemble` of several responses' rows that must each be assembled alone.
struct NotJoinable: Error {}

/// The local times a fall-back night repeats, met so far in the windows of a file read in windows,
/// by the row's time label and other values (`ReportImporter.resolveTimes`): a whole read gives a
/// row's first occurrence the earlier instant and its repeat the later one, and a repeat in a later
/// window than its first occurrence must too. One per read of the file (a read again starts afresh).
final class FoldOccurrences {
    /// How often each key was met (1 or 2).
    var seen: [[String]: Int] = [:]
}

/// A file-name pattern like "{channelId}_{deviceType}_{startDate}.json",
/// split into literals and placeholders once (`ImportOptions.namePattern`),
/// then matched against every file's name.
struct FileNamePattern: Sendable {
    /// A literal's bytes, or a placeholder and what its value sets (resolved once).
    private enum Part: Sendable {
        case literal([UInt8])
        case placeholder(ReportImporter.Filter)
    }

    private let parts: [Part]

    init(_ pattern: String) {
        var parts: [Part] = []
        var current: [UInt8] = []
        var inside = false
        for b in pattern.utf8 {
            if b == UInt8(ascii: "{") && !inside {
                if !current.isEmpty { parts.append(.literal(current)) }
                current = []
                inside = true
            } else if b == UInt8(ascii: "}") && inside {
                parts.append(.placeholder(ReportImporter.Filter(String(decoding: current, as: UTF8.self))))
                current = []
                inside = false
            } else {
                current.append(b)
            }
        }
        if !current.isEmpty { parts.append(.literal(current)) }
        self.parts = parts
    }

    /// Each placeholder's value with what it sets, in pattern order, or nil
    /// when the file name (`text`, its UTF-8 bytes) does not match. Matched on bytes (a placeholder takes
    /// the shortest text before the next literal), which is exact for whole
    /// UTF-8 literals. Placeholders that set nothing are left out.
    func match(_ text: UnsafeBufferPointer<UInt8>) -> [(ReportImporter.Filter, String)]? {
        /// Whether `literal` lies in `text` at `at`.
        func literal(_ literal: [UInt8], at: Int) -> Bool {
            at + literal.count <= text.count && text[at..<(at + literal.count)].elementsEqual(literal)
        }
        var values: [(ReportImporter.Filter, String)] = []
        var position = 0
        for (i, part) in parts.enumerated() {
            switch part {
            case .literal(let bytes):
                guard literal(bytes, at: position) else { return nil }
                position += bytes.count
            case .placeholder(let filter):
                let end: Int
                if i + 1 < parts.count, case .literal(let next) = parts[i + 1] {
                    guard let cut = (position...text.count).first(where: { literal(next, at: $0) }) else { return nil }
                    end = cut
                } else {
                    end = text.count
                }
                if case .ignored = filter {} else { values.append((filter, String(decoding: UnsafeBufferPointer(rebasing: text[position..<end]), as: UTF8.self))) }
                position = end
            }
        }
        return position == text.count ? values : nil
    }
}

/// Query parameters of a saved request URL (percent-decoded).
enum RequestURL {
    /// The parameters of a `FILE.url`: the query of its first line, then each further
    /// `NAME=VALUE` line (a later line wins).
    static func sidecarParameters(_ text: String) -> [String: String] {
        let lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
        guard let first = lines.first else { return [:] }
        var out = parameters(first)
        for line in lines.dropFirst() {
            let kv = line.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { out[String(kv[0])] = String(kv[1]) }
        }
        return out
    }

    static func parameters(_ url: String) -> [String: String] {
        guard let q = url.firstIndex(of: "?") else { return [:] }
        var out: [String: String] = [:]
        for pair in url[url.index(after: q)...].split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            guard kv.count == 2 else { continue }
            out[decode(kv[0])] = decode(kv[1])
        }
        return out
    }

    static func decode(_ s: Substring) -> String {
        var bytes: [UInt8] = []
        var it = Array(s.utf8)[...]
        while let b = it.popFirst() {
            if b == 43 { bytes.append(32) } else if b == 37, it.count >= 2,
                      let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(v); it = it.dropFirst(2)
            } else { bytes.append(b) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and line breaks.
    package func trimmingWhitespace() -> String {
        let ws: Set<Character> = [" ", "\t", "\n", "\r"]
        var s = Substring(self)
        while let f = s.first, ws.contains(f) { s = s.dropFirst() }
        while let l = s.last, ws.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
