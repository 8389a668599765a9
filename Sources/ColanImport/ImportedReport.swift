import ColanSupport
import ColanColumns
import ColanCatalog
import ColanStore

/// What the user says about the files being imported (the responses do not
/// echo their filters or zone). The import's own mechanics (chunk size, row-kernel switches,
/// legacy hashes, the folder listing) are `package`: set by `ImportTransaction`, and by this
/// package's tests and fuzzer, never by a caller of the library.
public struct ImportOptions: Sendable {
    /// The zone the report's local time labels are in (`--tz`, default US/Pacific).
    public var zone: String {
        get { settings.zone }
        set { change { $0.zone = newValue } }
    }
    /// Dimension filters the reports were downloaded with (`--set DIM=VALUE`).
    public var fixed: [String: String] {
        get { settings.fixed }
        set { change { $0.fixed = newValue } }
    }
    /// A file-name pattern such as "{channelId}_{deviceType}_{startDate}.json" (`--name`).
    public var namePattern: String? {
        get { settings.namePattern }
        set { change { $0.namePattern = newValue; $0.compiledNamePattern = newValue.map(FileNamePattern.init) } }
    }
    /// `namePattern` split into its parts once, not for every file.
    var compiledNamePattern: FileNamePattern? { settings.compiledNamePattern }
    /// The interval when it cannot be read or inferred (`--interval`).
    public var interval: String? {
        get { settings.interval }
        set { change { $0.interval = newValue } }
    }
    /// The requested first and last local dates (YYYY-MM-DD), from a saved request URL
    /// (`startDate`, `endDate`) or a file-name pattern: the period a response's distinct count is exact for.
    public var requestedFrom: String? {
        get { settings.requestedFrom }
        set { change { $0.requestedFrom = newValue } }
    }
    /// See `requestedFrom`.
    public var requestedTo: String? {
        get { settings.requestedTo }
        set { change { $0.requestedTo = newValue } }
    }
    /// CSV files with at least this many bytes after the header, and no quotes,
    /// are parsed in chunks of half as many bytes on all cores (one file then
    /// still uses every core).
    package var parallelCSVBytes = 16 << 20

    /// CSV files of at least this many bytes are read window by window (`CSVWindowReader`),
    /// each window handed to the store while the next is parsed: the import's memory is then
    /// about three windows' rows and a segment's, whatever the file's size.
    package var windowedCSVBytes = 128 << 20

    /// JSON files of at least this many bytes are read window by window (`JSONWindowReader`).
    /// Smaller ones are read whole, as fast and holding at most about 1.3 times the file (under
    /// 1 GiB below this size); a read in windows is taken back when the response turns out to be
    /// one windows do not take (a unique-viewers headline without its requested dates after the rows).
    package var windowedJSONBytes = 512 << 20
    /// The bytes of a window of a file read in windows (`windowedCSVBytes`, `windowedJSONBytes`).
    package var csvWindowBytes = 48 << 20

    /// Rows of plain CSV files go through the row kernel (`PlainCSVKernel`);
    /// off, every row takes the general field loop (tests compare the two).
    package var csvRowKernel = true

    /// Rows of JSON reports go through the row kernel (`JSONRowKernel`) where
    /// it can take them; off, every row takes the general loop (tests compare the two).
    package var jsonRowKernel = true

    /// Runs of small responses of one report are assembled and given to the store as one
    /// (`ResponseRun`); off, each response is assembled alone (tests compare the two).
    package var joinsResponses = true

    /// Also compute each file's pre-XXH3 content hash, for a store whose
    /// manifest still records such hashes (`Store.recordsLegacyContentHashes`):
    /// a file imported before is then recognised by either.
    package var legacyContentHashes = false

    /// The folders the files were listed from, with the sidecars seen there:
    /// files in them need no access() call to learn whether they have one.
    package var listing: FolderListing? {
        get { settings.listing }
        set { change { $0.listing = newValue } }
    }

    /// Called by a reader once it is done with the file's bytes (a big CSV's chunks parsed,
    /// before they are joined): `ImportJob` gives a mapped file's pages back then.
    package var doneWithBytes: (@Sendable () -> Void)? {
        get { settings.doneWithBytes }
        set { change { $0.doneWithBytes = newValue } }
    }

    /// The fields that hold references, shared by copies until one changes. Every file's options
    /// are copied a few times on its way (its sidecars, a request URL, its response's outline), on
    /// both cores: copying each string, dictionary and closure retained objects the other core
    /// also touched, about a twentieth of importing a folder of small responses.
    private var settings = Settings()

    /// `settings`, copied first when another copy of the options shares them, then changed.
    private mutating func change(_ body: (Settings) -> Void) {
        if !isKnownUniquelyReferenced(&settings) { settings = settings.copy() }
        body(settings)
    }

    /// Changed only through `change`, on a box no other copy holds: never written while shared.
    private final class Settings: @unchecked Sendable {
        var zone = "US/Pacific"
        var fixed: [String: String] = [:]
        var namePattern: String?
        var compiledNamePattern: FileNamePattern?
        var interval: String?
        var requestedFrom: String?
        var requestedTo: String?
        var listing: FolderListing?
        var doneWithBytes: (@Sendable () -> Void)?

        init() {}

        func copy() -> Settings {
            let copy = Settings()
            (copy.zone, copy.fixed, copy.namePattern, copy.compiledNamePattern) = (zone, fixed, namePattern, compiledNamePattern)
            (copy.interval, copy.requestedFrom, copy.requestedTo) = (interval, requestedFrom, requestedTo)
            (copy.listing, copy.doneWithBytes) = (listing, doneWithBytes)
            return copy
        }
    }

    /// Options with the vendor's defaults.
    public init() {}
}

/// One imported report: its metadata (the cuboid it belongs to) and its rows.
public struct ImportedReport: Sendable {
    /// The file it came from.
    public var file: String
    /// The report kind: an Amagi type ("viewershipAnalytics", ...), a channel list
    /// ("viewershipChannels", "adAnalyticsChannels"),
    /// "smartsight" (MediaMelon) or "generic".
    public var kind: String
    /// HOURLY, DAILY, WEEKLY, MONTHLY, INSTANT, or NONE for reports without time.
    public var interval: String
    /// The zone the labels were read in.
    public var zone: String
    /// Dimensions fixed to one value for the whole report (filters).
    public var fixed: [String: String]
    /// The rows: time (UTC) first, then dimensions and metrics.
    public var table: Table
    /// Top-level numbers the vendor reported with the rows (totals, counts).
    public var totals: [String: String]

    /// The specific dimensions of the report's cuboid: fixed ones and dimension columns.
    public var specificDimensions: [String] {
        let columns = table.schema.columns.filter { $0.role == .dimension }.map(\.name)
        return Array(Set(columns).union(fixed.keys)).sorted()
    }
}

extension IncomingFile {
    /// A parsed file as the store takes it: each report with its cuboid (kind, interval, zone,
    /// specific dimensions) and filters; the manifest records the main report's kind and totals
    /// (the last with totals that is not a channel list, else the first; "empty" for none).
    /// `reportsInScanOrder`: every report's rows are in scan order already (`Table.sortIntoScanOrder`).
    public convenience init(path: String, hash: String, legacyHash: String? = nil, bytes: Int, reports: [ImportedReport],
                            reportsInScanOrder: Bool = false) {
        let incoming = reports.map { IncomingReport($0, file: path, inScanOrder: reportsInScanOrder) }
        let main = reports.last { !$0.totals.isEmpty && !Catalog.channelListKinds.contains($0.kind) } ?? reports.first
        self.init(path: path, hash: hash, legacyHash: legacyHash, bytes: bytes, reports: incoming,
                  mainKind: main?.kind ?? "empty", totals: main?.totals ?? [:])
    }
}

extension IncomingReport {
    /// A parsed report as the store takes it: its cuboid (kind, interval, zone, specific
    /// dimensions) and filters. `inScanOrder`: its rows are in scan order already.
    init(_ report: ImportedReport, file: String, inScanOrder: Bool) {
        self.init(kind: report.kind, interval: report.interval, zone: report.zone, dimensions: report.specificDimensions,
                  fixed: report.fixed, table: report.table, file: file, inScanOrder: inScanOrder)
    }
}
