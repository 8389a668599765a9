import ColanSupport
import ColanCatalog
import ColanColumns
import ColanTime

/// Reads the JSON shapes: Amagi v2 responses (rows under a key named after
/// the report type, a `dateRange`, top-level totals), the Amagi channel list,
/// MediaMelon's {totalcount, pagecount, totalrecords, response: [...]}
/// envelope, and any array of flat objects (MediaMelon alerts, generic).
enum JSONReportReader {
    static let channelListKeys = Catalog.channelListKinds
    /// Rows with up to this many fields find a field's column by a scan of the names.
    static let scannedColumns = 16
    /// Top-level fields that may hold the request URL the response answered.
    static let requestURLKeys = ["url", "requestUrl", "requestURL", "request"]
    /// The top-level keys a response is read by (`TopLevelKeys`): each key is classified by
    /// comparing its bytes (lengths first), with no String made for the keys that hold rows or the date range.
    static let topLevelKeys = TopLevelKeys()

    /// What a top-level key of a response names.
    enum TopLevelKey: Equatable {
        /// Rows of an Amagi report kind (`Catalog.amagiRowKeys`, by index).
        case rows(Int)
        /// MediaMelon's rows ("response").
        case response
        /// A channel list (`Catalog.channelListKinds`).
        case channelList
        case dateRange
        /// A vendor's total (`totalKeys`, by index).
        case total(Int)
    }

    /// The vendors' totals keys (the Amagi reference's and its real responses'): each is kept as
    /// this one String, not a String made for each response, so 20,000 responses' totals share
    /// their keys (comparing and writing them in the manifest touched 180,000 strings strewn over
    /// the heap). Any other key is read as it is.
    static let totalKeys = [
        "aggregatedViewers", "avgSessionDuration", "avgSessionPerViewer", "dailyAverageNumberOfViewers", "dailyAverageSessionCount",
        "dailyAverageViewershipMinutes", "totalSessions", "totalViewershipMinutes", "totalImpressionsRecorded", "totalConversionRate",
        "totalAdResponsesReceived", "totalAdRequestsSent", "totalAdOpportunitiesDetected", "totalAdAssetsReceived",
    ] + Catalog.uniqueViewersHeadlines.map(\.key)

    /// The keys `TopLevelKey` names, in one array of bytes with plain (start, count, key) entries,
    /// ordered by length, and where each length's entries lie: classifying a key compares it with
    /// the few names of its length only (with the totals keys there are some thirty names), and
    /// walks no array of arrays or strings, which retained and released each element it passed
    /// (every key of 20,000 responses).
    struct TopLevelKeys: Sendable {
        private let bytes: [UInt8]
        private let entries: [(start: Int, count: Int, key: TopLevelKey)]
        /// The entries of names `length` bytes long: `entries[byLength[length] ..< byLength[length + 1]]`.
        private let byLength: [Int]

        init() {
            var names: [(name: String, key: TopLevelKey)] = []
            for (i, rowKey) in Catalog.amagiRowKeys.enumerated() { names.append((rowKey.key, .rows(i))) }
            names.append(("response", .response))
            for list in JSONReportReader.channelListKeys { names.append((list, .channelList)) }
            names.append(("dateRange", .dateRange))
            for (i, total) in JSONReportReader.totalKeys.enumerated() { names.append((total, .total(i))) }
            // Stable by length: of two entries with one name, the first added is found first, as before.
            let ordered = names.enumerated().sorted { ($0.element.name.utf8.count, $0.offset) < ($1.element.name.utf8.count, $1.offset) }
            var bytes: [UInt8] = []
            var entries: [(start: Int, count: Int, key: TopLevelKey)] = []
            for (_, (name, key)) in ordered {
                entries.append((bytes.count, name.utf8.count, key))
                bytes += name.utf8
            }
            let longest = entries.last?.count ?? 0
            var byLength = [Int](repeating: entries.count, count: longest + 2)
            for length in stride(from: longest, through: 0, by: -1) {
                byLength[length] = entries.firstIndex { $0.count >= length } ?? entries.count
            }
            (self.bytes, self.entries, self.byLength) = (bytes, entries, byLength)
        }

        /// What `name` names, or nil for any other key. (Each entry's range lies within `bytes`, as
        /// `init` built both, and `byLength`'s bounds within `entries`.)
        func classify(_ name: UnsafeRawBufferPointer) -> TopLevelKey? {
            guard name.count + 1 < byLength.count else { return nil }
            let candidates = byLength[name.count]..<byLength[name.count + 1]
            return bytes.withUnsafeBytes { all in
                entries.withUnsafeBufferPointer { entries in
                    for e in entries[candidates]
                        where ByteWordsKernel.equal(UnsafeRawBufferPointer(rebasing: all[e.start..<(e.start + e.count)]), name) {
                        return e.key
                    }
                    return nil
                }
            }
        }
    }

    /// Rows read from an array of row objects: the columns, the row count and each row's offset.
    typealias RowsRead = (columns: [ColumnBuilder], rows: Int, offsets: [Int])

    static func read(_ bytes: UnsafeRawBufferPointer, path: String, options: ImportOptions) throws -> [ImportedReport] {
        var scanner = JSONScanner(bytes)
        if scanner.peek() == 91 {
            let (columns, rows, offsets, _) = try readRows(&scanner, kernel: options.jsonRowKernel)
            try scanner.expectEnd()
            guard rows > 0 else { return [] }
            return [try ReportImporter.assemble(path: path, kind: bareArrayKind(columns), columns: columns, rows: rows, options: options,
                                                interval: nil, totals: [:], locate: { locate(bytes, offsets, $0) })]
        }
        let outline = try outline(&scanner, options: options) { s, _ in
            let (columns, rows, offsets, _) = try readRows(&s, kernel: options.jsonRowKernel)
            return (columns, rows, offsets)
        }
        return try reports(outline, bytes: bytes, path: path)
    }

    /// `read` of a response object, except that one whose rows may join those of the responses
    /// beside it (`Outline.joinsOthers`) comes back unassembled: its rows read into `run`'s columns
    /// when the run takes them (`.joined`: the fields it agrees on, and rows of its columns that
    /// the row kernel takes), else into columns of its own (`.response`). Rows the run took are
    /// taken back when the response turns out not to join, or fails.
    static func readPiece(_ bytes: UnsafeRawBufferPointer, path: String, options: ImportOptions,
                          joining run: inout ResponseRun) throws -> ReportImporter.Piece {
        var scanner = JSONScanner(bytes)
        var taken: ResponseRun.Taken?
        do {
            let outline = try outline(&scanner, options: options) { s, before in
                if options.jsonRowKernel, run.takesRows, let fields = try? before(), run.accepts(fields), let rows = run.readRows(&s) {
                    taken = rows
                    return ([], rows.rows, [])
                }
                let (columns, rows, offsets, _) = try readRows(&s, kernel: options.jsonRowKernel)
                return (columns, rows, offsets)
            }
            if let taken {
                if outline.joinsOthers, run.accepts(outline) { return .joined(outline, options: options) }
                // Fields after the rows that part it from the run (a request URL): read again alone.
                run.takeBack(taken)
                var alone = ResponseRun()
                return try readPiece(bytes, path: path, options: options, joining: &alone)
            }
            return outline.joinsOthers ? .response(outline, options: options) : .reports(try reports(outline, bytes: bytes, path: path))
        } catch {
            if let taken { run.takeBack(taken) }
            throw error
        }
    }

    /// The kind of a bare array's rows: Amagi's concurrent users response is an array of {time,
    /// viewerCount} (with a dimension or two, leniently); anything else is generic.
    static func bareArrayKind(_ columns: [ColumnBuilder]) -> String {
        let timed = columns.contains { $0.catalog?.role == .time }
        let counted = columns.contains { Catalog.normalize($0.name) == "viewercount" }
        let rest = columns.allSatisfy { $0.catalog?.role == .time || $0.catalog?.role == .dimension || Catalog.normalize($0.name) == "viewercount" }
        return timed && counted && rest ? "concurrentUsers" : "generic"
    }

    /// What a response object holds around its rows: read by `outline`, made into reports by `reports`.
    struct Outline {
        var kind: String?
        /// The main rows, as the `rows` reader given to `outline` read them.
        var table: RowsRead?
        var channels: [(columns: [ColumnBuilder], rows: Int, offsets: [Int], key: String)] = []
        var interval: String?
        var totals: [String: String]
        var request = ReportImporter.RequestFacts()
        /// The import's options with the filters and zone of a request URL the response carries.
        var options: ImportOptions
        /// The key of a generic response's first array.
        var firstArrayKey: String?

        /// The totals its main report carries (a generic response's rows key among them).
        var reportTotals: [String: String] {
            var totals = self.totals
            if let firstArrayKey { totals["rowsKey"] = firstArrayKey }
            return totals
        }

        /// Whether rows assembled under `other` come out as under this outline: the same kind,
        /// interval, filters, zone and requested dates (an exact count only adds its scope to the totals).
        func assemblesLike(_ other: Outline) -> Bool {
            kind == other.kind && interval == other.interval && options.zone == other.options.zone
                && options.interval == other.options.interval && options.fixed == other.options.fixed
                && options.requestedFrom == other.options.requestedFrom && options.requestedTo == other.options.requestedTo
        }

        /// Whether its rows can be read in windows (`JSONWindowReader`): one rows array, no channel
        /// list beside it, and no exact count whose scope would come from every row's times.
        var windowsTake: Bool {
            kind != nil && channels.isEmpty
                && (request.exactViewers == nil || !ReportImporter.exactScopeNeedsTimes(request: request, options: options))
        }

        /// Whether its rows may be joined with those of the responses beside it (`ResponseRun`): an
        /// Amagi report with rows and a known interval, without a channel list, and without an exact
        /// count whose scope would come from its rows' times.
        var joinsOthers: Bool {
            guard let kind, Catalog.amagiReportKinds.contains(kind), let table, table.rows > 0 else { return false }
            return windowsTake && (interval ?? options.interval) != nil
        }

        /// The totals the manifest records of the response when its report is not assembled alone
        /// (read in windows, or joined with others in a `ResponseRun`; a whole read's report carries
        /// them): its main report's, with the scope of its exact count in `zone` (the one settled).
        func windowedTotals(zone: String) throws -> [String: String] {
            var outline = self
            return outline.takeWindowedTotals(zone: try ZoneOffsets.named(zone))
        }

        /// `windowedTotals` in `zone`, the totals moved out of the outline (it keeps none): the one
        /// dictionary gets the scope added in place, not copied first (a run's every response).
        mutating func takeWindowedTotals(zone: ZoneOffsets) -> [String: String] {
            var totals = self.totals
            self.totals = [:]
            if let firstArrayKey { totals["rowsKey"] = firstArrayKey }
            if request.exactViewers != nil {
                ReportImporter.recordExactScope(request: request, options: options, zone: zone, zoneName: zone.name, times: nil, into: &totals)
            }
            return totals
        }
    }

    /// The fields of a response object as `outline` reads them, before `settled` makes them an `Outline`.
    private struct Fields {
        var kind: String?
        var table: RowsRead?
        var channels: [(columns: [ColumnBuilder], rows: Int, offsets: [Int], key: String)] = []
        var interval: String?
        // Sized for an Amagi response's eight totals and more: growing a dictionary rehashes it.
        var totals: [String: String] = Dictionary(minimumCapacity: 12)
        var request = ReportImporter.RequestFacts()
        var firstArrayKey: String?
        var hasRequestURL = false
    }

    /// Reads a response object to its end, its main rows array with `rows` (which may read it, or
    /// skip it and note where it lies), and settles what its fields say: the request URL's filters,
    /// the exact unique viewers and the interval of a unique-viewers headline. `rows` is also given
    /// what the fields before the rows settle (`before`: the outline of a response that would end
    /// after its rows), so it can make reports of its rows before the fields after them are read.
    static func outline(_ scanner: inout JSONScanner, options: ImportOptions,
                        rows: (_ scanner: inout JSONScanner, _ before: () throws -> Outline) throws -> RowsRead) throws -> Outline {
        var f = Fields()
        try scanner.readObjectNameBytes(validatingNames: true) { s, name in
            // Each key classified once, by its bytes against a few short names: a dictionary lookup would
            // hash the whole key, and a String compared with each name costs a call per name.
            let named = Self.topLevelKeys.classify(name)
            let rowKind: String? = if case .rows(let i) = named { Catalog.amagiRowKeys[i].kind } else { nil }
            let isResponse = named == .response
            let holdsRows = rowKind != nil || isResponse
            let isChannelList = named == .channelList
            /// The key as text (for totals, the channel list and messages).
            func key() -> String { String(decoding: name, as: UTF8.self) }
            if holdsRows || (f.table == nil && s.peek() == 91 && !isChannelList) {
                guard s.peek() == 91 else {
                    if holdsRows {
                        throw s.error("expected an array of rows under \"\(key())\", found \(s.describeNext())")
                    }
                    try s.skipValue(); return
                }
                if let existing = f.kind, existing != "generic" {
                    // A second row array: keep the first, skip the rest.
                    if !holdsRows { try s.skipValue(); return }
                    throw s.error("a second report array \"\(key())\" after \"\(existing)\"; one response holds one report")
                }
                let arrayKind = rowKind ?? (isResponse ? "smartsight" : "generic")
                let table = try rows(&s) {
                    var before = f
                    before.kind = arrayKind
                    if arrayKind == "generic" { before.firstArrayKey = key() }
                    return try settled(before, options: options)
                }
                f.table = table
                f.kind = arrayKind
                if arrayKind == "generic" { f.firstArrayKey = key() }
            } else if isChannelList {
                let (columns, count, offsets, _) = try readRows(&s, kernel: options.jsonRowKernel)
                f.channels.append((columns, count, offsets, key()))
            } else if named == .dateRange, s.peek() == 123 {
                // The interval, and the requested dates (the period a totals block's distinct count is
                // exact for); the hours are the rows' own. Every value is still read, so a malformed one is refused.
                // Names compared as bytes (no String made for each of the six fields of every response).
                try s.readObjectNameBytes(validatingNames: true) { s, field in
                    let value = try s.peek() == 123 || s.peek() == 91 ? { try s.skipValue(); return JSONScalar.null }() : s.readScalar()
                    guard case .string(let v) = value else { return }
                    if field.elementsEqual("interval".utf8) {
                        // Upper case already (no lowercase ASCII letter, no other script): kept as it is.
                        f.interval = v.utf8.allSatisfy({ $0 < 97 || ($0 > 122 && $0 < 128) }) ? v : v.uppercased()
                    } else if field.elementsEqual("startDate".utf8) {
                        f.request.from = v
                    } else if field.elementsEqual("endDate".utf8) {
                        f.request.to = v
                    }
                }
            } else if s.peek() == 123 || s.peek() == 91 {
                try s.skipValue()
            } else {
                let key = if case .total(let i) = named { Self.totalKeys[i] } else { key() }
                switch try s.readScalar() {
                case .int(let v): f.totals[key] = String(v)
                case .double(let v): f.totals[key] = String(v)
                case .string(let v):
                    f.totals[key] = v
                    if requestURLKeys.contains(key) { f.hasRequestURL = true }
                case .bool(let v): f.totals[key] = String(v)
                case .bigInteger(let v): f.totals[key] = v
                case .null: break
                }
            }
        }
        try scanner.expectEnd()
        return try settled(f, options: options)
    }

    /// What a response's fields settle: the filters and zone of a request URL it carries, the exact
    /// unique viewers and the interval of a unique-viewers headline.
    private static func settled(_ fields: Fields, options: ImportOptions) throws -> Outline {
        var f = fields
        // A response that carries its request URL gives its filters and zone itself.
        var options = options
        for key in requestURLKeys where f.hasRequestURL {
            guard let url = f.totals.removeValue(forKey: key), url.contains("?") else { continue }
            try ReportImporter.merge(RequestURL.parameters(url), into: &options, source: "the \"\(key)\" field")
        }
        if f.kind.flatMap(ReportKind.init(rawValue:))?.hasPeriodHeadline == true,
           let headline = Catalog.uniqueViewersHeadlines.first(where: { f.totals[$0.key] != nil }) {
            // Real unique-viewers responses: the headline counts the requested period; the rows
            // break it down one step finer (a DAILY request gives hours, WEEKLY and MONTHLY days).
            guard let text = f.totals[headline.key], let count = Int64(text), count >= 0 else {
                throw ColanError(.importing, "\"\(headline.key)\" is \(f.totals[headline.key] ?? ""), not a count")
            }
            f.request.exactViewers = count
            f.request.interval = headline.interval
            f.interval = ReportInterval(rawValue: headline.interval)?.finer?.rawValue
        } else if let text = f.totals["aggregatedViewers"], let kind = f.kind, kind != "generic" {
            guard let count = Int64(text), count >= 0 else {
                throw ColanError(.importing, "\"aggregatedViewers\" is \(text), not a count")
            }
            f.request.exactViewers = count
        }
        return Outline(kind: f.kind, table: f.table, channels: f.channels, interval: f.interval, totals: f.totals, request: f.request,
                       options: options, firstArrayKey: f.firstArrayKey)
    }

    /// The reports of a response read by `outline`: its channel lists and its main report.
    static func reports(_ outline: Outline, bytes: UnsafeRawBufferPointer, path: String) throws -> [ImportedReport] {
        var reports: [ImportedReport] = []
        for list in outline.channels where list.rows > 0 {
            reports.append(try ReportImporter.assemble(path: path, kind: list.key, columns: list.columns, rows: list.rows,
                                                       options: ImportOptions(), interval: ReportInterval.none.rawValue, totals: ["list": list.key],
                                                       locate: { locate(bytes, list.offsets, $0) }))
        }
        if let table = outline.table, let kind = outline.kind {
            if table.rows > 0 || Catalog.amagiReportKinds.contains(kind) {
                reports.append(try ReportImporter.assemble(path: path, kind: kind, columns: table.columns, rows: table.rows,
                                                           options: outline.options, interval: outline.interval, totals: outline.reportTotals,
                                                           request: outline.request,
                                                           locate: { locate(bytes, table.offsets, $0) }))
            }
        } else if outline.channels.isEmpty {
            if let error = vendorError(outline.totals) { throw error }
            throw ColanError(.importing, "no rows found: expected an Amagi response (rows under a key such as \"viewershipAnalytics\"), "
                             + "a channel list, a MediaMelon envelope with \"response\", or an array of objects")
        }
        return reports
    }

    /// The error a vendor answered with, when a saved "report" is one (`{"statusCode":422,
    /// "error":"Unprocessable Entity","message":"..."}`, 401/403 bodies): named with its status and message.
    static func vendorError(_ fields: [String: String]) -> ColanError? {
        let status = fields["statusCode"] ?? fields["status"] ?? fields["code"]
        let message = fields["message"] ?? fields["error_description"] ?? fields["detail"]
        guard status != nil || message != nil || fields["error"] != nil else { return nil }
        var what = "the file holds an error the vendor answered with, not a report:"
        if let status { what += " status \(status)" }
        if let error = fields["error"] { what += status == nil ? " \(error)" : " (\(error))" }
        if let message { what += ": \"\(message)\"" }
        return ColanError(.importing, what, hint: "fetch the report again; nothing was imported from it")
    }

    /// Where row `row` (of those `offsets` locate, after `rowsBefore` rows of the array) lies.
    static func locate(_ bytes: UnsafeRawBufferPointer, _ offsets: [Int], _ row: Int, rowsBefore: Int = 0) -> String {
        "row \(rowsBefore + row + 1) at " + SourceLocation.describe(bytes, offset: row < offsets.count ? offsets[row] : 0)
    }

    /// Reads an array of flat objects into columns; nested values inside a row are skipped.
    /// `kernel`: rows the row kernel can take go through it (`ImportOptions.jsonRowKernel`).
    /// A window of a big array (`JSONWindowReader`): `seed` gives the columns to start with (named
    /// and of the kinds earlier windows settled), `continuing` starts after a row's comma instead of
    /// at the '[', and the read stops after the first row ending at or past `stopAfter`
    /// (`ended` false; the scanner then stands at the next row); messages count rows after `rowsBefore`.
    static func readRows(_ s: inout JSONScanner, kernel: Bool, seed: [ColumnBuilder] = [], continuing: Bool = false,
                         stopAfter: Int = .max, rowsBefore: Int = 0) throws -> (columns: [ColumnBuilder], rows: Int, offsets: [Int], ended: Bool) {
        var columns = seed
        // Each column's name bytes, apart from the builders: reading a builder out of
        // the captured array copies it (a retain and release of each of its arrays).
        var names: [[UInt8]] = seed.map(\.nameUTF8)
        // Each column's name as a String: rows of up to `scannedColumns` fields find a name by a
        // scan of these (canonical String equality, as a dictionary's keys), wider ones through
        // `index`, filled once they pass it. Hashing and inserting every name of a response's
        // first row into a dictionary cost a tenth of importing a folder of small responses.
        var keys: [String] = seed.map(\.name)
        var index: [String: Int] = [:]
        if keys.count > Self.scannedColumns { for (k, name) in keys.enumerated() { index[name] = k } }
        // The last row that set each column: a field seen twice in one row is an error.
        var lastRow = [Int](repeating: -1, count: seed.count)
        var rows = 0
        var offsets: [Int] = []
        /// Reads one row (an array element) field by field.
        func readRow(_ s: inout JSONScanner) throws {
            guard s.peek() == 123 else { throw s.error("expected an object for a row, found \(s.describeNext())") }
            offsets.append(s.position)
            let row = rows
            var next = 0
            try s.readObjectNameBytes { s, name in
                if s.peek() == 123 || s.peek() == 91 { try s.skipValue(); return }
                let start = s.position
                let c: Int
                // Rows usually repeat the previous row's field order: compare the expected column's name bytes first.
                if next < names.count, ColumnBuilder.equal(names[next], name) { c = next } else {
                    guard let key = UTF8Text.string(name) else { throw s.error("invalid UTF-8 in a field name", at: start) }
                    if let existing = keys.count <= Self.scannedColumns ? keys.firstIndex(of: key) : index[key] { c = existing } else {
                        c = columns.count
                        keys.append(key)
                        if keys.count > Self.scannedColumns {
                            if index.isEmpty { for (k, name) in keys.enumerated() { index[name] = k } } else { index[key] = c }
                        }
                        var builder = ColumnBuilder(name: key, catalog: Catalog.field(named: key))
                        builder.pad(to: row)
                        columns.append(builder)
                        names.append(builder.nameUTF8)
                        lastRow.append(-1)
                    }
                }
                next = c + 1
                guard lastRow[c] != row else { throw s.error("field \"\(columns[c].name)\" appears twice in one row", at: start) }
                lastRow[c] = row
                let bytes = s.bytes
                let location = { "row \(rowsBefore + row + 1) at " + SourceLocation.describe(bytes, offset: start) }
                // Plain strings (time labels, names) go to the builder as bytes: no String for a value seen before.
                if let text = s.readPlainStringBytes() {
                    try columns[c].appendText(text, location)
                } else {
                    try columns[c].append(s.readScalar(), location: location)
                }
            }
            rows += 1
            for c in columns.indices { columns[c].pad(to: rows) }
        }
        // The array, as `JSONScanner.readArray` reads one, with runs of rows the kernel takes:
        // it tries after the first row (which names the columns), after each row it could not
        // take, or 64 rows later when it took few.
        if !continuing {
            try s.expect(91, "'['")
            if s.peek() == 93 {
                s.position += 1
                return (columns, rows, offsets, true)
            }
        }
        var beforeKernel = kernel ? 1 : Int.max
        while true {
            if beforeKernel <= 0 {
                let (taken, ended) = JSONRowKernel.read(&s, into: &columns, names: names, rows: &rows, offsets: &offsets, limit: stopAfter)
                if ended { break }
                beforeKernel = taken >= 16 ? 1 : 64
            }
            beforeKernel -= 1
            try readRow(&s)
            guard let b = s.peek() else { throw s.error("expected ',' or ']', found the end of the file (truncated?)") }
            s.position += 1
            if b == 93 { break }
            guard b == 44 else { s.position -= 1; throw s.error("expected ',' or ']', found \(s.describeNext())") }
            if s.position >= stopAfter { return (columns, rows, offsets, false) }
        }
        return (columns, rows, offsets, true)
    }
}
